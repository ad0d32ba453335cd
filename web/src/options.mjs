// options.mjs — the widget's options, read from attributes, and what a change of them means.
// Pure: no DOM, no storage, no core. The element (`name`) and the script tag (`data-name`) read
// the same names; docs/widget.md lists them.

/** The attributes <session-rating> reads (and observes). */
export const OPTION_ATTRIBUTES = ['session-id', 'rating-id', 'endpoint', 'write-key', 'config', 'config-url',
  'scale', 'locale', 'preset', 'question', 'comment', 'window-seconds',
  'topic', 'agent-id', 'internal', 'session-ended-at', 'mode', 'auto-open', 'wasm-url'];

/**
 * Options from attributes: `get(name)` reads `name` (element) or `data-name` (script tag).
 * Shortcut attributes (scale, locale, …) override the same fields of the JSON config.
 */
export function optionsFrom(get, has, defaultMode) {
  const raw = get('config');
  let config = null;
  if (raw) {
    try { config = JSON.parse(raw); } catch { config = raw; } // an unreadable config is reported later
  }
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
    endpoint: get('endpoint'),
    writeKey: get('write-key') || '',
    mode: get('mode') || defaultMode,
    config,
    configUrl: get('config-url') || undefined,
    context,
    wasmUrl: get('wasm-url') || undefined,
    autoOpen: get('auto-open') !== 'false',
  };
}

// The fields of each kind of change; `popup` stands for the mode (anything else is inline).
const RATING = ['sessionId', 'ratingId', 'endpoint', 'writeKey'];
const PROMPT = ['config', 'configUrl', 'context', 'popup'];
const fields = (o, names) => JSON.stringify(names.map((n) => (n === 'popup' ? o.mode === 'popup' : o[n])));

/**
 * What changed between two sets of options:
 * - 'rating': another rating (session id, rating id, endpoint or write key) — start over;
 * - 'prompt': what the prompt asks or shows (config, config URL, context, mode) — rebuild it
 *   if no rating is in progress;
 * - null: nothing that matters after start (auto-open and wasm-url are read at start).
 */
export function changeBetween(before, after) {
  const differ = (names) => fields(before, names) !== fields(after, names);
  return differ(RATING) ? 'rating' : differ(PROMPT) ? 'prompt' : null;
}
