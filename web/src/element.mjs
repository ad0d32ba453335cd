// element.mjs — <session-rating>: renders the core's view in an open shadow root, turns clicks
// and keys into core events, and hands emitted records to the outbox. Every flow decision
// (steps, errors, revisions, deadlines, redaction, throttling) is the WebAssembly core's;
// this file only renders and forwards. Text goes in through textContent and attributes only.

import { loadCore } from '../core.mjs';
import createCoreModule from 'session-rating-core-glue'; // the WASM build's glue (aliased by web/build.mjs)
import CSS from './widget.css'; // minified text, inlined by web/build.mjs
import { icon, cross } from './icons.mjs';
import { outboxFor } from './outbox.mjs';
import { PREFIX, read, write, remove, keys, hash } from './storage.mjs';

const KEEP_MS = 24 * 3600e3;            // snapshots live this long past their edit deadline
const UNSUBMITTED_KEEP_MS = 7 * 24 * 3600e3;
const MAX_FLOWS = 20;                   // stored flow snapshots (oldest dropped)
const MAX_HISTORY = 200;                // stored prompt history entries
const HISTORY_DAYS = 366;               // longest cooldown is 365 days
const HISTORY_KEY = PREFIX + 'history';

let defaultWasmUrl = '';
let sheet = null;
/** Where the core's .wasm is fetched from when no `wasmUrl` option is given. */
export function setDefaultWasmUrl(url) {
  defaultWasmUrl = url;
}

// ---- small helpers ------------------------------------------------------------------------

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const k in attrs) {
    const v = attrs[k];
    if (v == null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...kids);
  return e;
}

function fill(template, key, value) {
  return String(template || '').split(`{${key}}`).join(value);
}

// Time left as digits only ("59:07", "1:59:07"): no Intl formatter, whose first use costs
// 15–60 ms of ICU set-up on the main thread, and no unit words the core does not provide.
function timeLeft(ms) {
  const t = Math.ceil(ms / 1e3);
  const two = (n) => String(n).padStart(2, '0');
  const h = Math.floor(t / 3600);
  const m = Math.floor(t / 60) % 60;
  return h ? `${h}:${two(m)}:${two(t % 60)}` : `${m}:${two(t % 60)}`;
}

// Lets the browser paint and handle input between the start-up steps (no long task).
const yieldTask = () =>
  globalThis.scheduler?.yield ? scheduler.yield() : new Promise((r) => setTimeout(r, 0));

function readHistory(now) {
  const list = read(HISTORY_KEY);
  if (!Array.isArray(list)) return [];
  return list.filter((e) => e && typeof e.key === 'string' && Number.isInteger(e.prompted_at) &&
    e.prompted_at >= 0 && typeof e.rated === 'boolean' && now - e.prompted_at < HISTORY_DAYS * 86400e3)
    .map(({ key, prompted_at, rated }) => ({ key, prompted_at, rated }));
}

function writeHistory(list) {
  write(HISTORY_KEY, list.slice(-MAX_HISTORY));
}

function tidyFlows(now) {
  const all = keys('flow:').map((k) => [k, read(k)]);
  const live = [];
  for (const [k, v] of all) {
    if (!v || !(v.exp > now)) remove(k);
    else live.push([k, v]);
  }
  live.sort((a, b) => a[1].saved - b[1].saved);
  while (live.length > MAX_FLOWS) remove(live.shift()[0]);
}

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

// ---- the element --------------------------------------------------------------------------

// Importable where there is no DOM (server-side rendering): the class is inert there.
export class SessionRatingElement extends (globalThis.HTMLElement || class {}) {
  constructor() {
    super();
    this._started = false;
    this._shown = false;
    this._view = null;
    this._failed = false;
  }

  connectedCallback() {
    if (this._started) { this._arm(); return; }
    queueMicrotask(() => {
      if (!this._started && this.isConnected && this.getAttribute('session-id')) {
        this.start(optionsFrom((n) => this.getAttribute(n), (n) => this.hasAttribute(n), 'inline'));
      }
    });
  }

  disconnectedCallback() {
    clearTimeout(this._timer);
  }

  /** Resolves true once the widget is running (false if it could not start). */
  get ready() {
    return this._ready || Promise.resolve(false);
  }

  /** The core's current view (read-only; null before the first one). */
  get view() {
    return this._view;
  }

  /** Starts the widget with options (see docs/widget.md); later calls return the same promise. */
  start(options) {
    if (!this._started) {
      this._started = true;
      this._ready = this._run({ mode: 'inline', autoOpen: true, ...options }).then(
        () => !this._failed,
        (e) => this._fail('start_failed', e && e.message ? e.message : String(e)),
      );
    }
    return this._ready;
  }

  async _run(o) {
    this._o = o;
    this.setAttribute('mode', o.mode === 'popup' ? 'popup' : 'inline');
    if (!o.sessionId || !o.endpoint) {
      return this._fail('invalid_options', 'session id and endpoint are required');
    }
    let core;
    try {
      await yieldTask(); // the page's own script (and ours) finish first
      core = await loadCore({ moduleFactory: createCoreModule, wasmUrl: o.wasmUrl || defaultWasmUrl });
    } catch (e) {
      return this._fail('wasm_unavailable', `could not load its WebAssembly core (${e && e.message ? e.message : e}). ` +
        `If this site sends a Content-Security-Policy, script-src must allow 'wasm-unsafe-eval'.`);
    }
    await yieldTask();
    let config = o.config;
    if (config == null && o.configUrl) {
      try {
        const r = await fetch(o.configUrl, { credentials: 'omit' });
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        config = await r.json();
      } catch (e) {
        return this._fail('config_unavailable', `could not load its config from ${o.configUrl} (${e.message})`);
      }
    }
    if (typeof config === 'string') {
      try { config = JSON.parse(config); } catch {
        return this._fail('invalid_config', 'its config is not valid JSON');
      }
    }
    config = { ...(config || {}) };
    if (!('locale' in config)) {
      const lang = (this.closest('[lang]') || document.documentElement).lang;
      if (lang) {
        config.locale = lang;
        if (!core.validateConfig(config).ok) delete config.locale; // a tag the core does not take
      }
    }
    const verdict = core.validateConfig(config);
    if (!verdict.ok) return this._fail('invalid_config', 'its config is not valid', { errors: verdict.errors });
    const ctx = { ...(o.context || {}), session_id: o.sessionId, rating_id: o.ratingId || o.sessionId };
    await yieldTask();
    this._config = config;
    this._ctx = ctx;
    const box = (this._box = outboxFor(o.endpoint, o.writeKey, o.retry));
    this._unsub = box.subscribe(ctx.rating_id, (kind, detail) =>
      this._emit(kind === 'delivered' ? 'rating-delivered' : 'rating-error', detail));
    box.pump(); // records left over from earlier pages go now
    const now = Date.now();
    tidyFlows(now);
    this._key = `${PREFIX}flow:${hash(box.url)}|${ctx.rating_id}`;
    await yieldTask();
    const saved = read(this._key);
    this._core = core; // from here on open() works (before, it only asks to open when ready)
    if (saved && saved.snapshot != null) {
      try {
        const flow = core.restoreFlow(config, saved.snapshot);
        if (flow && flow.dispatch) {
          this._flow = flow;
          this._hkey = saved.hkey;
          const v = flow.view();
          this._shown = o.mode !== 'popup' || (v.step !== 'final' && v.open !== false);
          this._view = v;
          this._dispatch({ type: 'tick' }); // finalises (and emits) if the deadline passed meanwhile
        }
      } catch {
        /* a snapshot of another config: start afresh */
      }
      if (!this._flow) remove(this._key);
    }
    if (!this._flow && o.autoOpen !== false) {
      if (o.mode === 'popup' && document.readyState !== 'complete') {
        await new Promise((r) => addEventListener('load', r, { once: true }));
      }
      this.open(true);
    }
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this._flow) this._guard(() => this._dispatch({ type: 'tick' }));
    });
  }

  /** Shows the prompt if the core's should_prompt allows it (or the restored flow). */
  open(deferRender) {
    if (this._failed) return false;
    if (!this._core) {
      if (this._o) this._o.autoOpen = true;
      return false;
    }
    return this._guard(() => {
      if (this._flow) {
        if (this._view.step === 'dismissed') return false;
        this._shown = true;
        this._render(this._view);
        return true;
      }
      const now = Date.now();
      const history = readHistory(now);
      const d = this._core.shouldPrompt(history, this._ctx, now, this._config.throttle || {});
      if (!d || d.error) return this._fail('invalid_context', 'should_prompt refused its input', { errors: d && d.error });
      if (!d.prompt) {
        this._emit('rating-suppressed', { reason: d.reason, key: d.key, session_id: this._ctx.session_id, rating_id: this._ctx.rating_id });
        return false;
      }
      const flow = this._core.createFlow(this._config, this._ctx);
      if (!flow || !flow.dispatch) return this._fail('invalid_context', 'the flow could not be created', { errors: flow && flow.errors });
      this._flow = flow;
      this._hkey = d.key;
      history.push({ key: d.key, prompted_at: now, rated: false });
      writeHistory(history);
      this._shown = true;
      const v = flow.view();
      this._save(v);
      if (deferRender) {
        // At start-up the first paint goes in its own task (no long task on slow devices).
        this._view = v;
        yieldTask().then(() => this._guard(() => this._dom || this._render(this._view)));
      } else {
        this._render(v);
      }
      return true;
    });
  }

  /** Closes the prompt: the core's `dismiss` event. */
  close() {
    if (this._flow) this._guard(() => this._dispatch({ type: 'dismiss' }));
  }

  /** Stops timers, frees the core flow and empties the shadow root (stored state is kept). */
  destroy() {
    clearTimeout(this._timer);
    if (this._unsub) this._unsub();
    try { this._flow?.destroy(); } catch { /* already gone */ }
    this._flow = null;
    this._core = null;
    this._failed = true;
    if (this.shadowRoot) this.shadowRoot.replaceChildren();
    this._dom = null;
  }

  // ---- events in ---------------------------------------------------------------------------

  _guard(fn) {
    try {
      return fn();
    } catch (e) {
      return this._fail('internal', e && e.message ? e.message : String(e));
    }
  }

  _dispatch(event) {
    const prev = this._view;
    event.at = Date.now();
    const r = this._flow.dispatch(event);
    const emit = r.emit || [];
    // A record with a new revision is a submit; a final one closes the window.
    const submitted = (rec) => rec.revision > ((prev && prev.revision) || 0);
    if (emit.length) {
      this._box.add(emit); // stored before anything else happens
      if (this._hkey && emit.some(submitted)) this._rated();
    }
    this._save(r.view);
    for (const rec of emit) {
      if (submitted(rec)) this._emit('rating-submit', rec);
      if (rec.final) this._emit('rating-final', rec);
    }
    if (event.type === 'dismiss' && r.ok) {
      this._emit('rating-dismiss', { session_id: this._ctx.session_id, rating_id: this._ctx.rating_id, step: r.view.step, revision: r.view.revision });
    }
    this._err = r.ok ? null : r.error;
    this._render(r.view);
    return r;
  }

  _rated() {
    const now = Date.now();
    const list = readHistory(now);
    let found = false;
    for (const e of list) if (e.key === this._hkey) { e.rated = true; found = true; }
    if (!found) list.push({ key: this._hkey, prompted_at: now, rated: true });
    writeHistory(list);
  }

  _save(view) {
    const now = Date.now();
    write(this._key, {
      snapshot: this._flow.snapshot(),
      hkey: this._hkey,
      saved: now,
      exp: view.edit_deadline ? view.edit_deadline + KEEP_MS : now + UNSUBMITTED_KEEP_MS,
    });
  }

  _emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  _fail(code, message, extra) {
    if (!this._failed) console.error(`session-rating: ${message}`);
    this._failed = true;
    clearTimeout(this._timer);
    if (this._dom) this._dom.panel.hidden = true;
    try {
      this._emit('rating-error', { code, message, ...(extra || {}) });
    } catch { /* never into the host */ }
    return false;
  }

  // Feeds `tick` on a timer while a deadline is known, so the core can finalise on time.
  _arm() {
    clearTimeout(this._timer);
    const v = this._view;
    if (!v || !v.edit_deadline || v.step === 'final' || v.step === 'dismissed' || !this.isConnected || !this._flow) return;
    const left = v.edit_deadline - Date.now();
    const wait = left <= 0 ? 0 : left % 1e3 || 1e3; // when the shown seconds change
    this._timer = setTimeout(() => this._guard(() => this._dispatch({ type: 'tick' })), wait + 5);
  }

  // ---- rendering ---------------------------------------------------------------------------

  _build(view) {
    const root = this.shadowRoot || this.attachShadow({ mode: 'open' });
    const popup = this._o.mode === 'popup';
    // A constructed stylesheet is not subject to CSP style-src (no 'unsafe-inline' needed).
    let style = null;
    try {
      sheet ||= new CSSStyleSheet();
      if (!sheet.cssRules.length) sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch {
      style = h('style');
      style.textContent = CSS;
    }
    const q = h('p', { id: 'q', part: 'question', class: 'q' });
    const opts = h('div', { id: 'opts', part: 'options', role: 'radiogroup', 'aria-labelledby': 'q',
      class: `opts ${view.scale === 'emoji' ? 'faces' : view.scale}` });
    view.options.forEach((o, i) => {
      const b = h('button', { type: 'button', role: 'radio', class: 'opt', part: 'option', 'data-v': o.value, 'aria-checked': 'false', tabindex: '-1' });
      b.append(icon(view.scale, o.value, view.scale === 'emoji' ? i : 0));
      opts.append(b);
    });
    const problems = h('fieldset', { part: 'problems' }, h('legend', { id: 'pl' }));
    for (const p of view.problems) {
      const input = h('input', { type: 'checkbox', 'data-id': p.id });
      problems.append(h('label', { class: 'pb', part: 'problem' }, input, h('span', { text: p.label })));
    }
    const ta = h('textarea', { id: 'c', part: 'comment', 'aria-describedby': 'cnt err' });
    const cnt = h('span', { id: 'cnt', part: 'count', class: 'cnt' });
    const comment = h('div', { class: 'cm' }, h('label', { for: 'c', id: 'cl' }), ta, cnt);
    const err = h('p', { id: 'err', part: 'error', class: 'err' });
    const submit = h('button', { type: 'button', part: 'submit', class: 'btn' });
    const details = h('div', { class: 'details' }, problems, comment, err, submit);
    const ty = h('p', { part: 'thanks', class: 'ty', tabindex: '-1' });
    const tl = h('span', { part: 'time-left', class: 'tl' });
    const change = h('button', { type: 'button', part: 'change', class: 'btn link' });
    const thanks = h('div', { class: 'thanks' }, ty, tl, change);
    const live = h('div', { class: 'sr', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    const panel = h('div', { part: 'panel', class: 'panel', role: popup ? 'dialog' : 'group', 'aria-labelledby': 'q' });
    let close = null;
    if (popup) {
      close = h('button', { type: 'button', part: 'close', class: 'close' });
      close.append(cross());
      panel.append(close);
    }
    panel.append(q, opts, details, thanks, live);
    root.replaceChildren(...(style ? [style] : []), panel);
    this._dom = { panel, q, opts, problems, ta, cnt, comment, err, submit, details, ty, tl, change, thanks, live, close, pl: problems.firstChild, cl: comment.firstChild };

    const on = (node, type, fn) => node.addEventListener(type, (e) => this._guard(() => fn(e)));
    on(opts, 'click', (e) => {
      const b = e.target.closest('.opt');
      if (b) this._dispatch({ type: 'score', value: Number(b.dataset.v) });
    });
    on(opts, 'keydown', (e) => this._arrows(e));
    on(problems, 'change', (e) => {
      const id = e.target.dataset.id;
      if (id) this._dispatch({ type: 'toggle_problem', id });
    });
    on(ta, 'input', () => this._comment());
    on(submit, 'click', () => this._dispatch({ type: 'submit' }));
    on(change, 'click', () => this._dispatch({ type: 'edit' }));
    if (close) on(close, 'click', () => this._dispatch({ type: 'dismiss' }));
    on(panel, 'keydown', (e) => {
      if (e.key === 'Escape' && popup && this._view.open !== false) {
        e.stopPropagation();
        this._dispatch({ type: 'dismiss' });
      }
    });
  }

  _arrows(e) {
    const list = [...this._dom.opts.children];
    const i = list.indexOf(e.target.closest('.opt'));
    if (i < 0) return;
    const rtl = this._view.dir === 'rtl';
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1, ArrowDown: 1, ArrowUp: -1 }[e.key];
    let j;
    if (step) j = (i + step + list.length) % list.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = list.length - 1;
    else return;
    e.preventDefault();
    // Arrow keys move focus only: picking a score can submit at once, so Space/Enter picks.
    list.forEach((b, k) => b.setAttribute('tabindex', k === j ? '0' : '-1'));
    list[j].focus();
  }

  _comment() {
    const ta = this._dom.ta;
    const r = this._dispatch({ type: 'comment', text: ta.value });
    if (!r.ok && r.error && r.error.code === 'comment_too_long') {
      // Like maxlength, but counted in code points as the core counts: keep what fits.
      const max = r.view.comment.max_length;
      const kept = Array.from(ta.value).slice(0, max).join('');
      const r2 = this._dispatch({ type: 'comment', text: kept });
      this._err = r.error;
      if (r2.ok) ta.value = kept;
      this._render(this._view);
    }
  }

  _render(view) {
    const prev = this._view && this._dom ? this._view : null;
    this._view = view;
    if (!this._dom) this._build(view);
    const d = this._dom;
    if (view.strings) this._strings = view.strings; // kept if a later view leaves them out
    const s = this._strings || {};
    const step = view.step;
    const focused = this.shadowRoot.activeElement;
    const stepChanged = !prev || prev.step !== step;

    d.panel.hidden = !(this._shown && view.open !== false && step !== 'dismissed');
    d.panel.dir = view.dir || 'ltr';
    d.panel.lang = view.locale || 'en';
    d.q.textContent = view.question;
    if (d.close) d.close.setAttribute('aria-label', s.close || 'Close');

    const asking = step === 'score' || step === 'details';
    d.q.hidden = d.opts.hidden = !asking;
    const buttons = [...d.opts.children];
    const checked = buttons.findIndex((b) => Number(b.dataset.v) === view.score);
    const roving = buttons.findIndex((b) => b.getAttribute('tabindex') === '0');
    buttons.forEach((b, i) => {
      const o = view.options[i];
      b.setAttribute('aria-label', o.label);
      b.setAttribute('aria-checked', String(i === checked));
      b.toggleAttribute('data-on', view.scale === 'stars' && view.score != null && o.value <= view.score);
      const tab = checked >= 0 ? i === checked : roving >= 0 ? i === roving : i === 0;
      b.setAttribute('tabindex', tab ? '0' : '-1');
    });

    d.details.hidden = step !== 'details';
    d.problems.hidden = !view.problems.length || !view.low;
    d.pl.textContent = s.problems_label || '';
    view.problems.forEach((p, i) => {
      const input = d.problems.querySelectorAll('input')[i];
      input.checked = !!p.selected;
      input.nextSibling.textContent = p.label;
    });
    const c = view.comment || {};
    d.comment.hidden = !c.enabled;
    d.cl.textContent = s.comment_label || '';
    d.ta.placeholder = s.comment_placeholder || '';
    d.ta.toggleAttribute('aria-required', false);
    if (c.required) d.ta.setAttribute('aria-required', 'true');
    if (c.enabled && d.ta.value !== c.text && focused !== d.ta) d.ta.value = c.text || '';
    d.cnt.textContent = fill(s.chars_left, 'n', String(c.remaining ?? 0));
    d.submit.textContent = s.submit || 'Submit';
    d.submit.setAttribute('aria-disabled', String(!view.can_submit));
    const code = this._err && this._err.code;
    const msg = !code ? '' : code === 'comment_required' ? s.err_comment_required
      : code === 'comment_too_long' ? s.err_comment_too_long : s.err_generic;
    d.err.textContent = msg || '';
    d.err.hidden = !msg;
    d.ta.setAttribute('aria-invalid', String(code === 'comment_required' || code === 'comment_too_long'));

    d.thanks.hidden = step !== 'thanks' && step !== 'final';
    d.ty.textContent = step === 'final' ? s.final_note : s.thanks;
    const left = view.edit_deadline ? view.edit_deadline - Date.now() : 0;
    const editable = step === 'thanks' && view.can_edit;
    d.tl.hidden = !(editable && left > 0);
    if (!d.tl.hidden) d.tl.textContent = fill(s.time_left, 'time', timeLeft(left));
    d.change.hidden = !editable;
    d.change.textContent = s.change || '';

    // Announce step changes and errors; move focus only if it was inside the widget.
    let say = '';
    if (prev && stepChanged) {
      say = step === 'details' ? (view.problems.length && view.low ? s.problems_label : s.comment_label)
        : step === 'thanks' ? [s.thanks, d.tl.hidden ? '' : d.tl.textContent].join(' ').trim()
        : step === 'final' ? s.final_note
        : step === 'score' ? view.question : '';
    }
    if (msg && (!prev || msg !== this._said)) say = msg;
    this._said = msg;
    if (say) d.live.textContent = say;
    if (prev && stepChanged && focused && !d.panel.hidden) {
      const target = step === 'thanks' ? (editable ? d.change : d.ty)
        : step === 'final' ? d.ty
        : buttons.find((b) => b.getAttribute('tabindex') === '0');
      if (target && (focused.closest('[hidden]') || step !== 'details')) target.focus();
    }
    this._arm();
  }
}

/** Registers <session-rating> (once). */
export function define(name = 'session-rating') {
  if (!customElements.get(name)) customElements.define(name, class extends SessionRatingElement {});
  return customElements.get(name);
}
