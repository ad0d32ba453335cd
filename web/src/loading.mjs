// loading.mjs — what the widget needs before it can ask anything: the WebAssembly core (once
// per page) and a config the core accepts. Failures come back as values, never as throws, so
// the element can report them with a `rating-error`.

import { createCore } from '../core.mjs';
import createCoreModule from 'session-rating-core-glue'; // the WASM build's glue (aliased by web/build.mjs)

let defaultWasmUrl = '';
let loading = null; // the page's one core (a failed load may be retried)

/** The text of a caught error (or of any thrown value). */
export const message = (e) => (e && e.message ? e.message : String(e));

/** Where the core's .wasm is fetched from when no `wasmUrl` option is given. */
export function setDefaultWasmUrl(url) {
  defaultWasmUrl = url;
}

/** Lets the browser paint and handle input between the start-up steps (no long task). */
export const nextTask = () =>
  globalThis.scheduler?.yield ? scheduler.yield() : new Promise((r) => setTimeout(r, 0));

/**
 * Starts loading the core now (the script tag, in the task after its evaluation): its fetch
 * and streaming compile run while the widget starts. The first loadWidgetCore() takes the
 * result, a failure included (reported there, once).
 */
export function prefetchCore() {
  (loading ||= createCore(createCoreModule, { wasmUrl: defaultWasmUrl })).catch(() => {});
}

/** The core, or a failure `[code, message]`. */
export async function loadWidgetCore(wasmUrl) {
  try {
    loading ||= createCore(createCoreModule, { wasmUrl: wasmUrl || defaultWasmUrl });
    return { core: await loading };
  } catch (e) {
    loading = null;
    return { failure: ['wasm_unavailable', `could not load its WebAssembly core (${message(e)}); ` +
      `a Content-Security-Policy needs script-src 'wasm-unsafe-eval'`] };
  }
}

/**
 * The config to run: `options.config` (an object or JSON text), else fetched from
 * `options.configUrl`; without a locale, `lang` (the element's closest `lang`) when the core
 * takes it. Returns `{config}`, `{off}` (ratings switched off) or `{failure: [code, message, extra?]}`.
 */
export async function loadConfig(core, options, lang) {
  let config = options.config;
  if (config == null && options.configUrl) {
    try {
      const r = await fetch(options.configUrl, { credentials: 'omit' });
      if (!r.ok) {
        // The collector's config with ratings switched off (docs/programme.md): suppressed.
        if ((await r.json().catch(() => 0))?.errors?.[0]?.code === 'ratings_disabled') return { off: 1 };
        throw new Error(`HTTP ${r.status}`);
      }
      config = await r.json();
    } catch (e) {
      return { failure: ['config_unavailable', `could not load its config from ${options.configUrl} (${e.message})`] };
    }
  }
  if (typeof config === 'string') {
    try { config = JSON.parse(config); } catch {
      return { failure: ['invalid_config', 'its config is not valid JSON'] };
    }
  }
  config = { ...(config || {}) };
  if (!('locale' in config) && lang) {
    config.locale = lang;
    if (core.validateConfig(config).ok) return { config }; // one validation when the tag is taken
    delete config.locale; // a tag the core does not take
  }
  const verdict = core.validateConfig(config);
  if (!verdict.ok) return { failure: ['invalid_config', 'its config is not valid', { errors: verdict.errors }] };
  return { config };
}
