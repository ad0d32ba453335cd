// element.mjs — <session-rating>: the custom element's lifecycle and public API, and the run
// that joins the parts: options (options.mjs) → core and config (loading.mjs) → should_prompt
// and stored flows (session-store.mjs) → the core's flow → the view (render.mjs), with emitted
// records handed to the outbox (outbox.mjs). Every flow decision (steps, errors, revisions,
// deadlines, redaction, throttling) is the WebAssembly core's; this file only forwards.

import { OPTION_ATTRIBUTES, optionsFrom, changeBetween, modeOf } from './options.mjs';
import { loadWidgetCore, loadConfig, nextTask, message } from './loading.mjs';
import { Prompt, prepareSheet, afterPaint, idle } from './render.mjs';
import { outboxFor, outboxUrl } from './outbox.mjs';
import { listen } from './listen.mjs';
import { raterId } from './rater.mjs';
import { readHistory, notePrompted, noteRated, flowKey, tidyFlows, readFlow, saveFlow, dropFlow } from './session-store.mjs';

// Importable where there is no DOM (server-side rendering): the class is inert there.
export class SessionRatingElement extends (globalThis.HTMLElement || class {}) {
  /** Every option attribute: a change after start applies as docs/widget.md says. */
  static get observedAttributes() {
    return OPTION_ATTRIBUTES;
  }

  constructor() {
    super();
    this._view = null;
  }

  connectedCallback() {
    if (this._started) {
      this._arm();
      this._listen();
    } else this._attributesChanged(); // starts from the attributes once it has a session-id
  }

  disconnectedCallback() {
    this._flushSave();
    clearTimeout(this._timer);
    this._unlisten?.();
    this._unlisten = null;
  }

  attributeChangedCallback() {
    this._attributesChanged();
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
      this._failed = this._shown = false;
      this._view = this._err = this._hkey = null;
      // Aborted by destroy() or a restart: removes every listener the run added to the page.
      const life = (this._life = new AbortController());
      const o = { autoOpen: true, ...options };
      o.mode = modeOf(o.mode);
      this._ready = this._run(o, life.signal).then(
        (ok) => ok !== false && !life.signal.aborted && !this._failed,
        (e) => !life.signal.aborted && this._fail('start_failed', message(e)),
      );
    }
    return this._ready;
  }

  /**
   * Shows the prompt if the core's should_prompt allows it (or the restored flow); in button
   * mode, unfolds it (the person asked: should_prompt is not consulted).
   */
  open(deferRender) {
    if (this._failed) return false;
    if (!this._core) {
      if (this._o) this._o.autoOpen = true;
      return false;
    }
    return this._guard(() => {
      const asked = this._o._asked; // an agent asked (listen): not dismissed, throttled or sampled out
      if (asked && this._view?.step === 'dismissed') {
        this._flow.destroy(); // dismissed before any submit: nothing was sent, so it starts afresh
        this._flow = null;
      }
      if (this._flow) {
        if (this._o.mode === 'button') return this._toggle(true, false);
        if (this._view.step === 'dismissed') return false;
        this._shown = true;
        this._show(this._view);
        return true;
      }
      const now = Date.now();
      // A prompt rebuilt after an attribute change was allowed already: not asked again.
      let key = this._granted;
      let history = null;
      if (!key) {
        history = readHistory(now);
        const d = this._core.shouldPrompt(history, this._ctx, now, this._config.throttle || {});
        if (!d || d.error) return this._fail('invalid_context', 'should_prompt refused its input', { errors: d && d.error });
        if (!d.prompt && !asked) {
          this._emit('rating-suppressed', { reason: d.reason, key: d.key, session_id: this._ctx.session_id, rating_id: this._ctx.rating_id });
          return false;
        }
        key = d.key;
      }
      const flow = this._takeProbe() || this._core.createFlow(this._config, this._ctx);
      if (!flow || !flow.dispatch) return this._fail('invalid_context', 'the flow could not be created', { errors: flow && flow.errors });
      this._flow = flow;
      this._hkey = key;
      if (history) notePrompted(history, key, now);
      this._shown = true;
      const v = flow.view();
      this._view = v;
      this._save();
      if (deferRender) {
        // At start-up the first paint goes in its own task (no long task on slow devices).
        this._view = v;
        nextTask().then(() => this._guard(() => this._prompt || this._flow !== flow || this._show(this._view)));
      } else {
        this._show(v);
      }
      return true;
    });
  }

  /** Closes the prompt: the core's `dismiss` event (button mode: folds it into its trigger). */
  close() {
    if (!this._flow) return;
    if (this._o.mode === 'button') this._guard(() => this._toggle(false, false));
    else this._guard(() => this._dispatch({ type: 'dismiss' }));
  }

  /** Stops timers and listeners, frees the core flow and empties the shadow root (stored state is kept). */
  destroy() {
    this._stop();
    this._failed = this._started = true; // final: it does not start (again)
    this._attrs = null;                   // and attribute changes no longer apply
  }

  // ---- the run: from options to a shown prompt -----------------------------------------------

  async _run(o, signal) {
    this._o = o;
    this.setAttribute('mode', o.mode);
    if (!o.sessionId || !o.endpoint) {
      return this._fail('invalid_options', 'session id and endpoint are required');
    }
    this._listen();
    await nextTask(); // the page's own script (and ours) finish first
    prepareSheet(); // while the core loads: the first render's task does not parse the CSS
    const { core, failure } = await loadWidgetCore(o.wasmUrl);
    if (signal.aborted) return false;
    if (failure) return this._fail(...failure);
    await nextTask();
    if (signal.aborted) return false;
    const got = await loadConfig(core, o, (this.closest('[lang]') || document.documentElement).lang);
    if (signal.aborted) return false;
    if (got.off) {
      // The collector has ratings switched off: nothing shows (with `listen`, an agent's ask
      // on a stream that is open starts it again).
      this._emit('rating-suppressed', { reason: 'disabled', session_id: o.sessionId });
      return false;
    }
    if (got.failure) return this._fail(...got.failure);
    await nextTask(); // the core's first calls (config checked, context probed) in separate tasks
    if (signal.aborted) return false;
    const config = got.config;
    const ctx = this._context(o, core, config);
    if (!ctx) return false;
    await nextTask();
    if (signal.aborted) return false;
    this._config = config;
    this._ctx = ctx;
    const url = (this._url = outboxUrl(o.endpoint, o.writeKey));
    tidyFlows(Date.now());
    this._key = flowKey(url, ctx.rating_id);
    let saved = readFlow(this._key);
    if (!saved && !o.ratingId && !o.subjectId && ctx.rating_id !== ctx.session_id) {
      // A rating begun by a widget from before rater ids (rating id = session id) goes on.
      const key = flowKey(url, ctx.session_id);
      if ((saved = readFlow(key))) {
        this._key = key;
        ctx.rating_id = ctx.session_id;
      }
    }
    // Records left over from earlier pages go now (the outbox is made only when there are some,
    // or when this run first hands it records: _outbox()).
    this._outbox(true)?.pump();
    await nextTask();
    if (signal.aborted) return false;
    // A snapshot waiting for the next paint is stored before the page goes away or is hidden.
    addEventListener('pagehide', () => this._flushSave(), { signal });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this._flushSave();
    }, { signal });
    this._core = core; // from here on open() works (before, it only asks to open when ready)
    const button = o.mode === 'button';
    if (saved && saved.snapshot != null) {
      try {
        const flow = core.restoreFlow(config, saved.snapshot);
        if (flow && flow.dispatch) {
          this._flow = flow;
          this._hkey = saved.hkey;
          this._saved = true;
          const v = flow.view();
          // Button mode: folded into its trigger until pressed again.
          this._shown = o.mode === 'inline' || (!button && v.step !== 'final' && v.open !== false);
          this._view = v;
          this._dispatch({ type: 'tick' }); // finalises (and emits) if the deadline passed meanwhile
        }
      } catch {
        /* a snapshot of another config: start afresh */
      }
      if (!this._flow) dropFlow(this._key);
    }
    if (!this._flow && button) {
      // The trigger needs the view's strings: the flow is made now, stored once it is used.
      const flow = this._takeProbe() || core.createFlow(config, ctx);
      if (!flow || !flow.dispatch) return this._fail('invalid_context', 'the flow could not be created', { errors: flow && flow.errors });
      this._flow = flow;
      this._shown = false;
      this._show(flow.view());
    } else if (o._asked || (!this._flow && o.autoOpen !== false)) {
      if (o.mode === 'popup' && document.readyState !== 'complete') {
        await new Promise((r) => {
          addEventListener('load', r, { once: true, signal });
          signal.addEventListener('abort', r);
        });
        if (signal.aborted) return false;
      }
      this.open(true);
    }
    this._dropProbe(); // not taken (restored, suppressed, button mode): freed
    // While idle after start-up, two first-use costs are paid that a first click would pay:
    // - the page's first requestAnimationFrame() call (0.1-1.5 ms at 4x CPU: set-up), which the
    //   click's handler makes (it asks for a frame to store the snapshot after the paint);
    // - the core's event path, compiled on first call (the JS, and the .wasm's functions): a
    //   trace of a click right after start-up had a 5 ms handler at 1x, 1.6 ms for the same click
    //   a second later. A throwaway copy of the flow takes the lowest score, a problem pick, a
    //   comment and a submit; what it returns is dropped (nothing is stored, sent, emitted or
    //   shown) and the copy is freed.
    // A warm-up only: whatever goes wrong in it is ignored (the widget runs as it would without).
    // One step per idle task (the copy, then each event): in one task the five took up to 58 ms
    // at 4x CPU, a long task of their own (docs/benchmarks.md, stop 25).
    let copy;
    let q;
    const at = Date.now();
    const steps = [
      () => {
        requestAnimationFrame(() => {});
        q = this._view.questions[0];
        if (this._flow && this._view.step === 'score') copy = core.restoreFlow(config, this._flow.snapshot());
      },
      () => copy.dispatch({ type: 'score', value: q.options[0].value, question: q.id, at }),
      // The later interactions' paths too (a problem pick, typing, the submit with its
      // redaction and record): at 4x CPU, 21 -> 11 long tasks over a whole rating
      // (docs/benchmarks.md).
      () => q.problems.length && copy.dispatch({ type: 'toggle_problem', id: q.problems[0].id, question: q.id, at }),
      () => q.comment.enabled && copy.dispatch({ type: 'comment', text: 'a', question: q.id, at }),
      () => copy.dispatch({ type: 'submit', at }),
    ];
    const next = () => {
      try {
        if (signal.aborted) steps.length = 0;
        else steps.shift()();
      } catch {
        steps.length = 0;
      }
      if (copy && steps.length) idle(next); // no copy after the first step: nothing to warm
      else {
        try { copy?.destroy(); } catch { /* not a flow */ }
      }
    };
    idle(next);
    // Back from the background (where timers are slowed): let the core finalise on time.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this._flow) this._guard(() => this._dispatch({ type: 'tick' }));
    }, { signal });
  }

  // The flow's context: the host's context fields, then the context signature, rating, rater
  // and subject ids and properties from their own options (the rater id, when the host sets
  // none and signs nothing, is the origin's pseudonymous one: rater.mjs). The rating id the core derives from (session, subject, rater)
  // is read from a probe flow, so storage keys, outbox notices and events all name it. Null
  // (after a rating-error) when the core refuses the context.
  _context(o, core, config) {
    const ctx = { ...(o.context || {}), session_id: o.sessionId };
    if (o.ratingId) ctx.rating_id = o.ratingId;
    // A signed context (contextSignature: the host backend's token, passed through untouched)
    // vouches for the rater id the host gave, so no pseudonymous one is added to it.
    if (o.contextSignature) ctx.context_signature = o.contextSignature;
    if (o.raterId) ctx.rater_id = o.raterId;
    else if (ctx.rater_id == null && !ctx.context_signature) ctx.rater_id = raterId();
    if (o.subjectId) ctx.subject_id = o.subjectId;
    if (o.properties !== undefined) ctx.properties = o.properties;
    if (ctx.rating_id) return ctx;
    const probe = core.createFlow(config, ctx);
    if (!probe || !probe.dispatch) {
      this._fail('invalid_context', 'the core refused the context', { errors: probe && probe.errors });
      return null;
    }
    let id;
    try {
      id = probe.snapshot()?.context?.rating_id; // contract 4: the snapshot holds the context
    } catch (e) {
      probe.destroy();
      throw e;
    }
    if (typeof id !== 'string') {
      probe.destroy();
      return ctx;
    }
    ctx.rating_id = id;
    // The probe is the flow a prompt of this rating would start with (the core's flow is a
    // function of config and context, and the derived id is the one it holds), so the first
    // open() takes it instead of making a second one; freed when it is not taken.
    this._probe = { flow: probe, config, ctx, id };
    return ctx;
  }

  // The start-up probe, when it is the flow this run's config and context would make now.
  _takeProbe() {
    const p = this._probe;
    this._probe = null;
    if (p && p.config === this._config && p.ctx === this._ctx && p.ctx.rating_id === p.id) return p.flow;
    if (p) p.flow.destroy();
    return null;
  }

  _dropProbe() {
    const p = this._probe;
    this._probe = null;
    try { p?.flow.destroy(); } catch { /* already gone */ }
  }

  // `listen`: one stream per (endpoint, session) on the page, while connected and running.
  _listen() {
    const o = this._o;
    if (o?.listen && !this._unlisten && this.isConnected && !this._life.signal.aborted) {
      this._unlisten = listen(o.endpoint, o.writeKey, o.sessionId, (d) => this._ask(d));
    }
  }

  // An agent asked for a rating (docs/widget.md, "Listening"): the prompt opens for that agent.
  // Each agent has a rating of its own: the running one if its context names that agent, else
  // the rating whose subject is the agent (unless the host set a subject), started over.
  _ask(d) {
    this._emit('rating-requested', d);
    const a = d.agent_id;
    this._guard(() => {
      if (this._core && !this._failed && this._ctx.agent_id === a) {
        this._o._asked = 1;
        this.open();
      } else {
        const o = this._o._base || this._o; // the host's options
        this._stop();
        this._started = false;
        this._granted = null;
        this.start({ ...o, context: { ...o.context, agent_id: a }, subjectId: o.subjectId || o.context?.subject_id || a, autoOpen: true, _asked: 1, _base: o });
      }
    });
  }

  // Button mode: unfolds (`open`) or folds the prompt; `focus`: the trigger was pressed, so
  // focus follows (into the prompt, or back to the trigger).
  _toggle(open, focus) {
    if (!this._prompt || this._view.step === 'dismissed') return false;
    this._shown = open;
    this._show(this._view);
    if (focus && open) this._prompt.focusIn();
    else if (focus) this._prompt.focusTrigger();
    return true;
  }

  // The page's outbox for this run's endpoint, subscribed to for this rating's notices (once per
  // run); `ifPending`: null when there is no outbox yet and nothing stored to deliver.
  _outbox(ifPending) {
    if (this._box) return this._box;
    const box = outboxFor(this._url, this._o.retry, ifPending);
    if (box) {
      this._box = box;
      this._unsub = box.subscribe(this._ctx.rating_id, (name, detail) => this._emit(name, detail));
    }
    return box;
  }

  // Releases what the run holds: timer, page listeners, outbox subscription, flow, DOM.
  _stop() {
    this._flushSave();
    clearTimeout(this._timer);
    this._unlisten?.();
    this._unlisten = null;
    if (this._life) this._life.abort();
    if (this._unsub) this._unsub();
    this._unsub = this._box = null;
    this._dropProbe();
    try { this._flow?.destroy(); } catch { /* already gone */ }
    this._flow = null;
    this._saved = false;
    this._core = null;
    if (this.shadowRoot) this.shadowRoot.replaceChildren();
    this._prompt = null;
  }

  // ---- attributes after start ---------------------------------------------------------------

  // Changes are looked at in a microtask, so several set in a row act together: the first
  // look applies them all, later ones find nothing new.
  _attributesChanged() {
    queueMicrotask(() => this._guard(() => this._applyAttributes()));
  }

  // See docs/widget.md ("Attributes after start"). Only for an element started from its own
  // attributes: one driven by start()/mount() takes its options from there.
  _applyAttributes() {
    if (this._started && !this._attrs) return; // driven by start(options), or destroyed
    const next = optionsFrom((n) => this.getAttribute(n), (n) => this.hasAttribute(n), 'inline');
    let granted = null;
    if (this._started) {
      const change = changeBetween(this._attrs, next);
      if (!change) return;
      if (change === 'prompt') {
        const v = this._view;
        const untouched = v && v.step === 'score' && v.questions.every((q) => q.score == null) && !v.revision;
        if (this._flow && !this._failed) {
          if (!untouched) return; // a rating in progress: the change waits for the next start
          granted = this._hkey;   // already allowed by should_prompt: rebuilt without asking
          this._pending = false;  // (not written back by the stop below)
          dropFlow(this._key);    // nothing picked yet, so nothing is lost
          next.autoOpen = true;
        } else {
          next.autoOpen = this._o.autoOpen; // read at start (or set by an early open())
        }
      }
      this._stop();
      this._started = false;
      this._view = null;
    }
    this._attrs = null;
    this._granted = granted;
    // Without a session-id (removed, or not set yet) it waits for one.
    if (this.isConnected && next.sessionId) {
      this._attrs = next;
      this.start(next);
    }
  }

  // ---- events in ---------------------------------------------------------------------------

  _guard(fn) {
    try {
      return fn();
    } catch (e) {
      return this._fail('internal', message(e));
    }
  }

  _dispatch(event) {
    const prev = this._view;
    event.at = Date.now();
    const r = this._flow.dispatch(event);
    const emit = r.emit || [];
    // A record with a new revision is a submit; a final one closes the window.
    const submitted = (rec) => rec.revision > ((prev && prev.revision) || 0);
    this._view = r.view; // the snapshot's expiry is read from it
    if (emit.length) {
      // The snapshot that goes with these records is stored with them, before they are handed
      // to the outbox (stored before anything else happens): a reload resumes the flow that sent them.
      this._flushSave(true);
      this._saved = true;
      this._outbox().add(emit);
      if (this._hkey && emit.some(submitted)) noteRated(this._hkey, Date.now());
    } else if (event.type !== 'tick' || this._saved) this._save(); // an untouched button-mode flow is not stored
    for (const rec of emit) {
      if (submitted(rec)) this._emit('rating-submit', rec);
      if (rec.final) this._emit('rating-final', rec);
    }
    if (event.type === 'dismiss' && r.ok) {
      this._emit('rating-dismiss', { session_id: this._ctx.session_id, rating_id: this._ctx.rating_id,
        subject_id: this._ctx.subject_id ?? null, step: r.view.step, revision: r.view.revision });
    }
    this._err = r.ok ? null : r.error;
    this._show(r.view);
    return r;
  }

  _comment(text, question) {
    const r = this._dispatch({ type: 'comment', text, question });
    if (!r.ok && r.error && r.error.code === 'comment_too_long') {
      // Like maxlength, but counted in code points as the core counts: keep what fits.
      const max = r.view.questions.find((q) => q.id === question).comment.max_length;
      const kept = Array.from(text).slice(0, max).join('');
      const r2 = this._dispatch({ type: 'comment', text: kept, question });
      this._err = r.error;
      if (r2.ok) this._prompt.setComment(question, kept);
      this._show(this._view);
    }
  }

  // The flow's snapshot is stored after the next paint (the click's frame does not wait for
  // the core's snapshot and the storage write), never lost: flushed at once on pagehide, on
  // visibilitychange to hidden, on disconnect, stop and destroy(), before records are handed to
  // the outbox, and straight away when the page is not visible (no frames to wait for).
  _save() {
    this._saved = true;
    if (this._pending) return; // one write after the paint takes the flow's latest state
    if (document.visibilityState !== 'visible') return this._flushSave(true);
    this._pending = true;
    // After the frame that follows the click has been drawn, and one more: a trace of the first
    // click (1×, docs/benchmarks.md) had this write (snapshot + localStorage, 4 ms) in the task
    // right after the main thread's commit, while the raster of what the click revealed was
    // still running on the 2 shared cores. Since a low score's details show one frame after
    // the click (render.mjs, _show), their raster is in that second frame, so this write now
    // runs beside it; the first-click figures of stop 21 (docs/benchmarks.md) were measured so,
    // and whether a third frame would be better was not measured.
    afterPaint(() => this._flushSave(), 2);
  }

  // Writes the pending snapshot (`now`: even when none is pending).
  _flushSave(now) {
    if (!this._pending && !now) return;
    this._pending = false;
    if (this._flow && this._key) this._guard(() => saveFlow(this._key, this._flow.snapshot(), this._hkey, this._view));
  }

  _emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  _fail(code, text, extra) {
    if (!this._failed) console.error(`session-rating: ${text}`);
    this._failed = true;
    clearTimeout(this._timer);
    if (this._prompt) this._prompt.hide();
    try {
      this._emit('rating-error', { code, message: text, ...(extra || {}) });
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

  // ---- view out ------------------------------------------------------------------------------

  _show(view) {
    this._view = view;
    if (!this._prompt) {
      const root = this.shadowRoot || this.attachShadow({ mode: 'open' });
      this._prompt = new Prompt(root, view, {
        mode: this._o.mode,
        trigger: this._o.triggerLabel,
        send: (event) => (event.type === 'comment' ? this._comment(event.text, event.question) : this._dispatch(event)),
        guard: (fn) => this._guard(fn),
        toggle: () => this._toggle(!this._shown, true),
      });
    }
    this._prompt.render(view, this._shown, this._err);
    this._arm();
  }
}

/** Registers <session-rating> (once). */
export function define(name = 'session-rating') {
  if (!customElements.get(name)) customElements.define(name, class extends SessionRatingElement {});
  return customElements.get(name);
}
