// session-store.mjs — what the widget keeps between page loads, apart from the outbox:
// the prompt history that the core's should_prompt reads, and one flow snapshot per rating.
// Keys and limits are in docs/widget.md ("Storage keys"); storage.mjs never throws.

import { PREFIX, read, write, remove, keys, hash } from './storage.mjs';

const KEEP_MS = 24 * 3600e3;            // snapshots live this long past their edit deadline
const UNSUBMITTED_KEEP_MS = 7 * 24 * 3600e3;
const MAX_FLOWS = 20;                   // stored flow snapshots (oldest dropped)
const MAX_HISTORY = 200;                // stored prompt history entries
const HISTORY_DAYS = 366;               // longest cooldown is 365 days
const HISTORY_KEY = PREFIX + 'history';

// ---- prompt history (contract 7's input) -----------------------------------------------------

/** The stored history, well-formed entries younger than a year only. */
export function readHistory(now) {
  const list = read(HISTORY_KEY);
  if (!Array.isArray(list)) return [];
  return list.filter((e) => e && typeof e.key === 'string' && Number.isInteger(e.prompted_at) &&
    e.prompted_at >= 0 && typeof e.rated === 'boolean' && now - e.prompted_at < HISTORY_DAYS * 86400e3)
    .map(({ key, prompted_at, rated }) => ({ key, prompted_at, rated }));
}

/** Adds "prompted now" for `key` to `history` (as read by readHistory) and stores it. */
export function notePrompted(history, key, now) {
  history.push({ key, prompted_at: now, rated: false });
  writeHistory(history);
}

/** Marks `key` as rated (adding it if it is not there). */
export function noteRated(key, now) {
  const list = readHistory(now);
  let found = false;
  for (const e of list) if (e.key === key) { e.rated = true; found = true; }
  if (!found) list.push({ key, prompted_at: now, rated: true });
  writeHistory(list);
}

function writeHistory(list) {
  write(HISTORY_KEY, list.slice(-MAX_HISTORY));
}

// ---- flow snapshots ---------------------------------------------------------------------------

/** The storage key of a rating's flow, per endpoint URL (with its ?key=). */
export function flowKey(endpointUrl, ratingId) {
  return `${PREFIX}flow:${hash(endpointUrl)}|${ratingId}`;
}

/** Drops expired snapshots, then the oldest beyond MAX_FLOWS. */
export function tidyFlows(now) {
  const all = keys('flow:').map((k) => [k, read(k)]);
  const live = [];
  for (const [k, v] of all) {
    if (!v || !(v.exp > now)) remove(k);
    else live.push([k, v]);
  }
  live.sort((a, b) => a[1].saved - b[1].saved);
  while (live.length > MAX_FLOWS) remove(live.shift()[0]);
}

/** Stores a flow's snapshot; `view` (its current view) sets how long it is kept. */
export function saveFlow(key, snapshot, hkey, view) {
  const now = Date.now();
  write(key, {
    snapshot,
    hkey,
    saved: now,
    exp: view.edit_deadline ? view.edit_deadline + KEEP_MS : now + UNSUBMITTED_KEEP_MS,
  });
}

// A flow's stored `{snapshot, hkey, saved, exp}` (null when absent), and its removal.
export { read as readFlow, remove as dropFlow };
