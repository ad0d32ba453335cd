// options.mjs — the widget's options, read from attributes, and what a change of them means.
// Pure: no DOM, no storage, no core. The element (`name`) and the script tag (`data-name`) read
// the same names; docs/widget.md lists them.

/** The attributes <session-rating> reads (and observes). */
export const OPTION_ATTRIBUTES = ['session-id', 'rating-id', 'rater-id', 'subject-id', 'endpoint', 'write-key',
  'config', 'config-url', 'scale', 'locale', 'preset', 'question', 'comment', 'window-seconds',
  'topic', 'agent-id', 'internal', 'session-ended-at', 'properties', 'mode', 'trigger-label', 'auto-open', 'wasm-url', 'listen',
  'context-signature'];

/** The three modes; anything else is `inline`. */
export const modeOf = (mode) => (mode === 'popup' || mode === 'button' ? mode : 'inline');

// JSON text → value; text that is not JSON stays text (the core reports it with its path).
function json(raw) {
  try { return JSON.parse(raw); } catch { return raw; }
}

/**
 * Options from attributes: `get(name)` reads `name` (element) or `data-name` (script tag).
 * Shortcut attributes (scale, locale, …) override the same fields of the JSON config.
 */
export function optionsFrom(get, has, defaultMode) {
  const raw = get('config');
  let config = raw ? json(raw) : null; // an unreadable config is reported later
  const over = {};
  for (const k of ['scale', 'locale', 'preset', 'question']) if (get(k)) over[k] = get(k);
  if (has('comment')) over.comment = { ...(config?.comment || {}), enabled: get('comment') !== 'false' };
  if (get('window-seconds')) {
    over.finalise = { ...(config?.finalise || {}), window_seconds: Number(get('window-seconds')) };
  }
  if (typeof config !== 'string' && Object.keys(over).length) config = { ...(config || {}), ...over };
  const context = {};
  if (get('topic')) context.topic = get('topic');
  if (get('agent-id')) context.agent_id = get('agent-id');
  if (has('internal') && get('internal') !== 'false') context.internal = true;
  if (get('session-ended-at')) context.session_ended_at = Number(get('session-ended-at'));
  return {
    sessionId: get('session-id'),
    ratingId: get('rating-id') || undefined,
    raterId: get('rater-id') || undefined,
    subjectId: get('subject-id') || undefined,
    contextSignature: get('context-signature') || undefined,
    properties: get('properties') ? json(get('properties')) : undefined,
    endpoint: get('endpoint'),
    writeKey: get('write-key') || '',
    mode: get('mode') || defaultMode,
    triggerLabel: get('trigger-label') || undefined,
    config,
    configUrl: get('config-url') || undefined,
    context,
    wasmUrl: get('wasm-url') || undefined,
    autoOpen: get('auto-open') !== 'false',
    listen: has('listen') && get('listen') !== 'false',
  };
}

// The fields of each kind of change (the mode as modeOf reads it).
const RATING = ['sessionId', 'ratingId', 'raterId', 'subjectId', 'endpoint', 'writeKey', 'listen'];
const PROMPT = ['config', 'configUrl', 'context', 'contextSignature', 'properties', 'mode', 'triggerLabel'];
const fields = (o, names) => JSON.stringify(names.map((n) => (n === 'mode' ? modeOf(o.mode) : o[n])));

/**
 * What changed between two sets of options:
 * - 'rating': another rating (session, rating, rater or subject id, endpoint, write key, listen) —
 *   start over;
 * - 'prompt': what the prompt asks or shows (config, config URL, context, context signature,
 *   properties, mode, trigger label) — rebuild it if no rating is in progress;
 * - null: nothing that matters after start (auto-open and wasm-url are read at start).
 */
export function changeBetween(before, after) {
  const differ = (names) => fields(before, names) !== fields(after, names);
  return differ(RATING) ? 'rating' : differ(PROMPT) ? 'prompt' : null;
}
