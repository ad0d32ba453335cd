// outbox.mjs — delivery that never loses a rating.
//
// Each record is written to storage under its own key BEFORE it is sent, and removed only
// after a 2xx response the page could read. Sends are CORS-simple (POST, text/plain body,
// write key in the `?key=` query) so no preflight happens, with `keepalive` so a send
// started just before the page goes away still completes. Network errors, 408, 429 and 5xx
// are retried with exponential backoff and jitter (Retry-After honoured, capped); any other
// status is one attempt, then an error notice (a suppressed one for 403 ratings_disabled). On pagehide / visibilitychange=hidden the
// records not already on their way go by navigator.sendBeacon and stay stored until a later
// readable 2xx (the next page load resends them; the server de-duplicates).
//
// Tabs: a record being sent is held by one tab (a Web Lock per record, plus a lease with expiry
// in its storage entry), so other tabs of the same site leave it alone.

import { PREFIX, read, write, remove, keys, hash } from './storage.mjs';

const KEEP_AFTER_DEADLINE = 24 * 3600e3; // entries expire this long after edit_deadline
const MAX_ENTRIES = 500;                 // per outbox (≈ 1 KB each); the oldest go first
const nav = globalThis.navigator;
// Web Locks, looked up when a record is first sent (touching navigator.locks makes the browser
// build its LockManager bindings: +16.5 KB of JS heap on a page that never sends anything).
const locks = () => nav?.locks;
// How long a tab owns a record it is sending. With Web Locks the record's lock (held for the
// send) is what keeps other tabs off; the lease then only covers their view of localStorage
// lagging behind, and a tab that crashes mid-send (no pagehide) holds its records 5 s, not 30.
const leaseMs = () => (locks() ? 5e3 : 30e3);
const TIMEOUT_MS = 20e3;                 // a send that takes longer counts as a network error
const RETRY_AFTER_CAP_MS = 600e3;        // Retry-After is honoured up to 10 minutes
const BEACON_GAP_MS = 5e3;               // no second beacon for a record within this time
const GRACE_MS = 250;                    // a record's lock is kept this long after its send

export const TAB = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);

const outboxes = new Map();

/** The URL records go to: the endpoint (resolved against the page) with the write key in `?key=`. */
export function outboxUrl(endpoint, writeKey) {
  const url = new URL(endpoint, document.baseURI);
  if (writeKey) url.searchParams.set('key', writeKey);
  return url.href;
}

/**
 * The page's one outbox for an outbox URL (outboxUrl()); with `ifPending`, only when it exists
 * already or storage holds records for it (from an earlier page), else null. The widget asks
 * that way at start-up and makes the outbox when it first hands it records: a page with
 * nothing to deliver runs none of the delivery code and adds none of its page listeners.
 */
export function outboxFor(url, retry, ifPending) {
  const id = hash(url);
  let box = outboxes.get(id);
  if (!box && ifPending && !keys(`out:${id}|`).length) return null;
  if (!box) outboxes.set(id, (box = new Outbox(url, id, retry)));
  return box;
}

/** The storage key prefix of one endpoint + write key (for the docs and tests). */
export function itemId(record) {
  return `${record.rating_id}|${record.revision}|${record.final ? 'f' : 'n'}`;
}

function retryAfterMs(res, now) {
  const h = res.headers.get('Retry-After');
  if (!h) return null;
  let ms = /^\s*\d+\s*$/.test(h) ? Number(h) * 1000 : Date.parse(h) - now;
  if (!(ms >= 0)) return null;
  return Math.min(ms, RETRY_AFTER_CAP_MS);
}

class Outbox {
  constructor(url, id, retry = {}) {
    this.url = url;
    this._prefix = `out:${id}|`;
    this._lock = `session-rating:${id}`;
    this._base = retry.baseMs || 1000;
    this._max = retry.maxMs || 300e3;
    this._inflight = new Set(); // taken by this tab: waiting for its lock, or being sent
    this._sending = new Set();  // its keepalive fetch has started
    this._closing = false;      // pagehide seen (until a pageshow from the back/forward cache)
    this._held = new Map(); // record key -> not before (ms): another tab held its lock
    this._listeners = new Set();
    this._timer = 0;
    this._flush = this._flush.bind(this);
    addEventListener('pagehide', this._flush);
    addEventListener('pageshow', (ev) => {
      if (!ev.persisted) return;
      this._closing = false;
      this.pump();
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this._flush();
      else this.pump();
    });
    addEventListener('online', () => this.pump());
  }

  /** fn(event name, detail) for 'rating-delivered' | 'rating-error' | 'rating-suppressed'; returns an unsubscribe function. */
  subscribe(ratingId, fn) {
    const l = { ratingId, fn };
    this._listeners.add(l);
    return () => this._listeners.delete(l);
  }

  _notify(kind, detail, ratingId) {
    let target = null;
    for (const l of this._listeners) {
      if (l.ratingId === ratingId) { target = l; break; }
      target ||= l; // a record from an earlier page: told to the first widget on this outbox
    }
    if (target) target.fn(kind, detail);
  }

  _entries() {
    return keys(this._prefix).map((k) => [k, read(k)]).filter(([, e]) => e && typeof e.body === 'string');
  }

  /** Stores records (synchronously) and starts sending them. Same id → the stored bytes win. */
  add(records) {
    const now = Date.now();
    for (const r of records) {
      const k = PREFIX + this._prefix + itemId(r);
      if (read(k)) continue;
      write(k, {
        body: JSON.stringify(r),
        rid: r.rating_id,
        added: now,
        exp: (r.edit_deadline || r.submitted_at || now) + KEEP_AFTER_DEADLINE,
        attempts: 0,
        next: 0,
        lease: null,
      });
    }
    this._tidy(now);
    // Stored above; the send starts in the next task, so the submit's click paints first.
    setTimeout(() => this.pump(), 0);
  }

  _tidy(now) {
    const all = this._entries();
    for (const [k, e] of all) if (e.exp < now) remove(k);
    const live = all.filter(([, e]) => e.exp >= now).sort((a, b) => a[1].added - b[1].added);
    while (live.length > MAX_ENTRIES) remove(live.shift()[0]);
  }

  /** Sends every record that is due and not being sent by another tab. */
  pump() {
    clearTimeout(this._timer);
    this._timer = 0;
    const now = Date.now();
    for (const [k, e] of this._entries()) {
      if (e.exp < now) { remove(k); continue; }
      if (this._inflight.has(k) || (e.next > now && !this._ok) || this._held.get(k) > now) continue;
      if (e.lease && e.lease.until > now && e.lease.tab !== TAB) continue;
      this._take(k);
    }
    this._schedule();
  }

  // One record, one sender: a Web Lock per record (when the browser has them) is held for the
  // send and a short grace after it, so that another tab, whose view of localStorage may lag a
  // few ms, cannot start the same record meanwhile. The storage lease covers browsers without
  // Web Locks and tabs that died mid-send.
  _take(k) {
    this._inflight.add(k);
    const run = async (lock) => {
      if (lock === null) { this._held.set(k, Date.now() + 1000); return; } // another tab has it
      // After pagehide nothing new starts here: flush() has beaconed the record, and a lease
      // written now would only make the next page load wait for it to expire.
      if (this._closing) return;
      const now = Date.now();
      const e = read(k);
      if (!e || (e.next > now && !this._ok) || (e.lease && e.lease.until > now && e.lease.tab !== TAB)) return;
      e.lease = { tab: TAB, until: now + leaseMs() };
      write(k, e);
      this._sending.add(k);
      try {
        await this._send(k, e);
      } finally {
        this._sending.delete(k);
      }
      await new Promise((r) => setTimeout(r, GRACE_MS));
    };
    const l = locks();
    const p = l?.request ? l.request(`${this._lock}|${k}`, { ifAvailable: true }, run).catch(() => run(true)) : run(true);
    p.catch(() => {}).then(() => {
      this._inflight.delete(k);
      this._ok ? this.pump() : this._schedule();
    });
  }

  _schedule() {
    const now = Date.now();
    let at = Infinity;
    for (const [k, e] of this._entries()) {
      if (this._inflight.has(k)) continue;
      let t = Math.max(e.next || 0, this._held.get(k) || 0);
      if (e.lease && e.lease.tab !== TAB) t = Math.max(t, e.lease.until);
      at = Math.min(at, t);
    }
    clearTimeout(this._timer);
    this._timer = at === Infinity ? 0 : setTimeout(() => this.pump(), Math.min(Math.max(at - now, 0) + 5, 2 ** 31 - 1));
  }

  async _send(k, e) {
    let res = null;
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const t = setTimeout(() => ctrl?.abort(), TIMEOUT_MS);
    try {
      res = await fetch(this.url, {
        method: 'POST',
        body: e.body,
        headers: { 'Content-Type': 'text/plain' },
        keepalive: true,
        credentials: 'omit', // mode 'cors' is fetch's default
        signal: ctrl?.signal,
      });
    } catch {
      res = null;
    }
    clearTimeout(t);
    const now = Date.now();
    let record = null;
    try { record = JSON.parse(e.body); } catch { /* stored by us: always JSON */ }
    const s = res ? res.status : 0;
    if (res && res.ok) {
      remove(k);
      // The endpoint answers again: this tab sends the records waiting out a backoff now, not
      // minutes later (in memory only: a write could bring back a record another tab just sent).
      this._ok = 1;
      this._notify('rating-delivered', record, e.rid);
    } else if (!res || s === 408 || s === 429 || s >= 500) {
      this._ok = 0;
      const cur = read(k);
      if (cur) {
        cur.attempts = (cur.attempts || 0) + 1;
        const backoff = Math.min(this._max, this._base * 2 ** (cur.attempts - 1)) * (0.5 + Math.random() * 0.5);
        const ra = res ? retryAfterMs(res, now) : null;
        cur.next = now + (ra ?? backoff);
        cur.lease = null;
        write(k, cur);
      }
    } else {
      let j;
      try { j = await res.json(); } catch { /* optional */ }
      remove(k);
      // Ratings switched off at the collector: not an error, and never retried.
      if (s === 403 && j?.errors?.[0]?.code === 'ratings_disabled') {
        this._notify('rating-suppressed', { reason: 'disabled', session_id: record?.session_id, rating_id: e.rid, record }, e.rid);
      } else {
        this._notify('rating-error', {
          code: 'rejected',
          message: `refused (HTTP ${s}), not retried`,
          status: s,
          errors: j?.results?.[0]?.errors,
          record,
        }, e.rid);
      }
    }
  }

  /** Page going away or hidden: beacon what is not already on its way; keep it stored. */
  _flush(ev) {
    const now = Date.now();
    if (ev?.type === 'pagehide') this._closing = true;
    const beacon = nav?.sendBeacon?.bind(nav);
    for (const [k, e] of this._entries()) {
      // Taken but its fetch not started yet (still waiting for its lock): beacon it below.
      if (this._sending.has(k)) {
        // A keepalive fetch carries it, but its answer may never be read: let the next
        // page load resend it at once (the server de-duplicates).
        if (ev?.type === 'pagehide' && e.lease?.tab === TAB) { e.lease = null; write(k, e); }
        continue;
      }
      if (e.lease && e.lease.until > now && e.lease.tab !== TAB) continue;
      if (!beacon || (e.beacon && now - e.beacon < BEACON_GAP_MS)) continue;
      let ok = false;
      try { ok = beacon(this.url, e.body); } catch { ok = false; }
      if (ok) { e.beacon = now; write(k, e); }
    }
  }
}
