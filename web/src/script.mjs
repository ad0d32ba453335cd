// script.mjs — the script-tag bundle (dist/session-rating.js): registers <session-rating>,
// sets window.SessionRating, and boots a widget from the tag's data-* attributes.
import { define } from './element.mjs';
import { optionsFrom } from './options.mjs';
import { setDefaultWasmUrl, prefetchCore, nextTask } from './loading.mjs';
import { mount } from './api.mjs';

const script = document.currentScript;
let controller = null;

function boot() {
  try {
    define();
    if (!script || !script.hasAttribute('data-session-id')) return;
    const get = (n) => script.getAttribute(`data-${n}`);
    const options = optionsFrom(get, (n) => script.hasAttribute(`data-${n}`), 'popup');
    const target = options.mode !== 'popup' && get('target') ? document.querySelector(get('target')) : null;
    controller = mount(target, options);
  } catch (e) {
    console.error('session-rating: could not start', e);
  }
}

if (script && script.src) {
  setDefaultWasmUrl(script.src.replace(/\.js([?#].*)?$/, '.wasm$1'));
  // The page shows a widget (the tag's own, or an element already parsed): the core's fetch and
  // streaming compile start in the task right after this one, while the rest of the start-up
  // runs, and before the document is parsed when a parser-blocking script holds it up (the core
  // is loaded once per page, so not when a wasm-url names another one). Not inside this task: a
  // page's first fetch() costs 4-10 ms of main thread (18-38 ms at 4x CPU), which made this
  // script's evaluation a long task; the next task starts the fetch as early (docs/benchmarks.md,
  // "stop 22").
  if (!script.hasAttribute('data-wasm-url') && (script.hasAttribute('data-session-id') ||
    document.querySelector('session-rating[session-id]:not([wasm-url])'))) nextTask().then(prefetchCore);
}

window.SessionRating = {
  version: __SR_VERSION__,
  mount,
  define,
  /** Opens the script tag's prompt (should_prompt still decides). */
  open: () => (controller ? controller.open() : false),
  /** Closes (dismisses) the script tag's prompt. */
  close: () => controller && controller.close(),
  get controller() {
    return controller;
  },
};

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
else boot();
