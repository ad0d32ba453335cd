// render.mjs — the view renderer: the core's view (docs/view.md) → DOM in a shadow root.
// It knows nothing of storage or the network, and does not call the core: it builds the prompt
// once, updates it for each view, announces step changes and errors, moves focus, handles the
// option keys, and turns clicks and typing into core events (docs/view.md) handed to `send`.
// Every question of the view is its own radio group with its own problem picks and comment;
// events carry the question's id. Text goes in through textContent and attributes only.

import CSS from './widget.css'; // minified text, inlined by web/build.mjs
import { icon, cross } from './icons.mjs';

let sheet = null; // one constructed stylesheet shared by every instance

/**
 * Parses the widget's CSS into the shared constructed stylesheet, once per page; false where
 * there are no constructed stylesheets (the prompt then carries a <style>). The element
 * calls it while the core is still loading, so the parse (4-18 ms at 4x CPU) is not part of
 * the first render's task (docs/benchmarks.md, "stop 22").
 */
export function prepareSheet() {
  try {
    sheet ||= new CSSStyleSheet();
    if (!sheet.cssRules.length) sheet.replaceSync(CSS);
    return true;
  } catch {
    return false;
  }
}

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

// Minimal DOM patches: a node's text, attribute or property is written only when it differs, so
// a render after a click touches (and makes the browser restyle and lay out) only what changed.
function setText(node, value) {
  value = value == null ? '' : String(value);
  if (node.textContent !== value) node.textContent = value;
}

function setAttr(node, name, value) {
  if (value == null || value === false) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
  } else {
    value = value === true ? '' : String(value);
    if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }
}

function setProp(node, name, value) {
  if (node[name] !== value) node[name] = value;
}

function fill(template, key, value) {
  return String(template || '').split(`{${key}}`).join(value);
}

// A task when the page is idle (within 500 ms), or 50 ms later where requestIdleCallback is missing.
export const idle = (fn) => (globalThis.requestIdleCallback ? requestIdleCallback(fn, { timeout: 500 }) : setTimeout(fn, 50));

/**
 * Runs `fn` in a task after the `frames`-th next frame has been painted: a
 * requestAnimationFrame callback runs before its frame's paint, a task queued from there after
 * it. The renderer's reveal of a low score's details (1 frame) and the element's snapshot
 * write (2 frames) wait so.
 */
export function afterPaint(fn, frames = 1) {
  requestAnimationFrame(() => (frames > 1 ? afterPaint(fn, frames - 1) : setTimeout(fn, 0)));
}

/**
 * Time left as digits only ("59:07", "1:59:07"): no Intl formatter, whose first use costs
 * 15–60 ms of ICU set-up on the main thread, and no unit words the core does not provide.
 */
export function timeLeft(ms) {
  const t = Math.ceil(ms / 1e3);
  const two = (n) => String(n).padStart(2, '0');
  const h = Math.floor(t / 3600);
  const m = Math.floor(t / 60) % 60;
  return h ? `${h}:${two(m)}:${two(t % 60)}` : `${m}:${two(t % 60)}`;
}

// The options' CSS class per scale.
const KIND = { stars: 'stars', emoji: 'faces', thumbs: 'thumbs', numeric: 'num', nps: 'num' };

// One question's controls: heading, radio group (+ end labels), problem picks, comment.
function question(q, i, many) {
  const id = (p) => `${p}${i}`;
  const text = h('p', { id: id('q'), part: 'question', class: 'q' });
  const ends = q.end_labels ? h('div', { id: id('e'), part: 'end-labels', class: 'ends' }, h('span'), h('span')) : null;
  const opts = h('div', { part: 'options', role: 'radiogroup', 'aria-labelledby': id('q'),
    'aria-describedby': ends && id('e'), class: `opts ${KIND[q.scale] || 'num'}` });
  const buttons = q.options.map((o, k) => {
    const b = h('button', { type: 'button', role: 'radio', class: 'opt', part: 'option', 'data-v': o.value, 'aria-checked': 'false', tabindex: '-1' });
    if (KIND[q.scale] === 'num') b.textContent = String(o.value); // "7", named "7 out of 10"
    else b.append(icon(q.scale, o.value, q.scale === 'emoji' ? k : 0));
    opts.append(b);
    return b;
  });
  const problems = h('fieldset', { part: 'problems' }, h('legend'));
  const picks = q.problems.map((p) => {
    const input = h('input', { type: 'checkbox', 'data-id': p.id });
    const label = h('span');
    problems.append(h('label', { class: 'pb', part: 'problem' }, input, label));
    return { input, label };
  });
  const ta = h('textarea', { id: id('c'), part: 'comment', 'aria-describedby': `${id('n')} err` });
  const cnt = h('span', { id: id('n'), part: 'count', class: 'cnt' });
  const comment = h('div', { class: 'cm' }, h('label', { for: id('c') }), ta, cnt);
  // The options and their end labels share one width (the row's, up to the panel's).
  const sc = h('div', { class: 'sc' }, opts);
  if (ends) sc.append(ends);
  const box = h('div', { class: 'qb', part: 'question-block', 'data-q': q.id,
    role: many ? 'group' : null, 'aria-labelledby': many ? id('q') : null }, text, sc, problems, comment);
  return { id: q.id, box, text, opts, buttons, ends, problems, picks, ta, cnt, comment };
}

/**
 * The prompt in `root` (a shadow root), built for the questions, options and problems of
 * `view`. `mode`: 'inline', 'popup' (a dialog with a close button) or 'button' (a trigger that
 * opens the prompt in place); `send(event)`: takes the core events of clicks and typing;
 * `guard(fn)`: runs every event handler (the element reports what one throws); `toggle()`:
 * the trigger was pressed (button mode); `trigger`: the trigger's own label, if the host set one.
 */
export class Prompt {
  constructor(root, view, { mode, send, guard, toggle, trigger }) {
    const popup = mode === 'popup';
    this._root = root;
    this._view = null; // the view last rendered
    this._strings = {};
    this._said = '';
    this._label = trigger || '';
    // A constructed stylesheet is not subject to CSP style-src (no 'unsafe-inline' needed).
    let style = null;
    try {
      if (!prepareSheet()) throw 0;
      root.adoptedStyleSheets = [sheet];
    } catch {
      style = h('style');
      style.textContent = CSS;
    }
    const many = view.questions.length > 1;
    const qs = view.questions.map((q, i) => question(q, i, many));
    const err = h('p', { id: 'err', part: 'error', class: 'err' });
    const submit = h('button', { type: 'button', part: 'submit', class: 'btn' });
    const foot = h('div', { class: 'foot' }, err, submit);
    const ty = h('p', { part: 'thanks', class: 'ty', tabindex: '-1' });
    const tl = h('span', { part: 'time-left', class: 'tl' });
    const change = h('button', { type: 'button', part: 'change', class: 'btn link' });
    const thanks = h('div', { class: 'thanks' }, ty, tl, change);
    const live = h('div', { class: 'sr', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
    const panel = h('div', { id: 'panel', part: 'panel', class: 'panel', role: popup ? 'dialog' : 'group',
      'aria-labelledby': many ? null : 'q0' });
    let close = null;
    if (popup) {
      close = h('button', { type: 'button', part: 'close', class: 'close' });
      close.append(cross());
      panel.append(close);
    }
    let tr = null;
    if (mode === 'button') {
      tr = h('button', { type: 'button', part: 'trigger', class: 'trigger', 'aria-expanded': 'false', 'aria-controls': 'panel' });
    }
    panel.append(...qs.map((q) => q.box), foot, thanks);
    root.replaceChildren(...(style ? [style] : []), ...(tr ? [tr] : []), panel, live);
    this._dom = { panel, qs, err, submit, foot, ty, tl, change, thanks, live, close, tr };

    const on = (node, type, fn) => node.addEventListener(type, (e) => guard(() => fn(e)));
    for (const q of qs) {
      const question = q.id; // every event names its question
      on(q.opts, 'click', (e) => {
        const b = e.target.closest('.opt');
        if (b) send({ type: 'score', value: Number(b.dataset.v), question });
      });
      on(q.opts, 'keydown', (e) => this._arrows(e, q.opts));
      on(q.problems, 'change', (e) => {
        const id = e.target.dataset.id;
        if (id) send({ type: 'toggle_problem', id, question });
      });
      on(q.ta, 'input', () => send({ type: 'comment', text: q.ta.value, question }));
    }
    on(submit, 'click', () => send({ type: 'submit' }));
    on(change, 'click', () => send({ type: 'edit' }));
    if (close) on(close, 'click', () => send({ type: 'dismiss' }));
    if (tr) on(tr, 'click', () => toggle());
    on(panel, 'keydown', (e) => {
      if (e.key !== 'Escape') return;
      if (popup && this._view.open !== false) {
        e.stopPropagation();
        send({ type: 'dismiss' });
      } else if (tr) {
        e.stopPropagation();
        toggle(); // button mode: Escape folds the prompt back into its trigger
      }
    });
  }

  // Roving focus over one group's options: arrows (mirrored right-to-left), Home, End; wrapping.
  _arrows(e, group) {
    const list = [...group.children];
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

  // Lays out once, in idle tasks, the parts a first interaction shows (problem picks, comment
  // box, submit, thanks): each shown and hidden again in the same task, so nothing is painted,
  // but the browser's first-use costs (text shaping of their labels, the textarea's editor) are
  // paid here and not in the frame after the person's click (which they would push a frame
  // late). One part per idle task, so none is a long task on a slow device.
  _warm() {
    this._warmed = 1;
    const d = this._dom;
    const parts = [...d.panel.querySelectorAll('[hidden]')].filter((n) => !n.parentNode.closest('[hidden]'));
    const next = () => {
      const n = parts.shift();
      if (!n || d.panel.hidden || !d.panel.isConnected) return;
      if (n.hidden) {
        n.hidden = false;
        d.panel.getBoundingClientRect(); // style and layout now (idle), not in a click's frame
        n.hidden = true;
      }
      idle(next);
    };
    idle(next);
  }

  // Shows or hides one block; a block newly shown while the prompt is on screen waits for the
  // frame after the next (render()).
  _show(node, show) {
    if (show && node.hidden && this._late && !this._due.includes(node)) (this._wait ||= []).push(node);
    else setProp(node, 'hidden', !show);
  }

  // A question's option in the tab order: the checked one (its tab stop may still be waiting
  // for the frame after a click), else the roving one.
  _stop(dq) {
    return dq.opts.querySelector('[aria-checked="true"]') || dq.opts.querySelector('[tabindex="0"]');
  }

  /** Sets a question's comment box text (what fits after the core refused a longer one). */
  setComment(question, text) {
    const q = this._dom.qs.find((x) => x.id === question);
    if (q) q.ta.value = text;
  }

  /** Hides everything (the widget failed). */
  hide() {
    this._dom.panel.hidden = true;
    if (this._dom.tr) this._dom.tr.hidden = true;
  }

  /** Moves focus into the prompt: the first question's option in the tab order (or thanks). */
  focusIn() {
    const d = this._dom;
    const target = !d.thanks.hidden ? (d.change.hidden ? d.ty : d.change)
      : this._stop(d.qs[0]);
    target?.focus();
  }

  /** Focuses the trigger (button mode). */
  focusTrigger() {
    this._dom.tr?.focus();
  }

  /**
   * Shows `view`. `shown`: the prompt was opened (button mode: expanded); `error`: the core's
   * last refusal ({code}) or null.
   */
  render(view, shown, error) {
    const prev = this._view;
    this._view = view;
    const d = this._dom;
    // Blocks a low score newly shows (problem picks, comment box, submit row) appear one frame
    // after the choice itself (_show): the frame after a click repaints the options only, as a
    // plain star widget's does, and the next one lays out and paints the taller prompt (about
    // 20 raster tiles instead of 3 when the page grows; docs/benchmarks.md). A reveal still
    // waiting for its frame when the next render comes is done by that render.
    this._late = !!prev && !d.panel.hidden;
    this._due = this._wait || [];
    this._wait = null;
    const owed = this._owed; // their announcement, not made yet
    this._owed = null;
    if (view.strings) this._strings = view.strings; // kept if a later view leaves them out
    const s = this._strings;
    const step = view.step;
    const focused = this._root.activeElement;
    const stepChanged = !prev || prev.step !== step;
    const many = d.qs.length > 1;

    setProp(d.panel, 'hidden', !(shown && view.open !== false && step !== 'dismissed'));
    setProp(d.panel, 'dir', view.dir || 'ltr');
    setProp(d.panel, 'lang', view.locale || 'en');
    if (many) setAttr(d.panel, 'aria-label', s.rating_label || 'Rating');
    if (d.close) setAttr(d.close, 'aria-label', s.close || 'Close');
    if (d.tr) {
      setText(d.tr, this._label || s.trigger || 'Rate this answer');
      setAttr(d.tr, 'aria-expanded', String(!d.panel.hidden));
      setProp(d.tr, 'dir', d.panel.dir);
      setProp(d.tr, 'lang', d.panel.lang);
    }

    const asking = step === 'score' || step === 'details';
    const details = step === 'details';
    const code = error && error.code;
    const msg = !code ? '' : code === 'comment_required' ? s.err_comment_required
      : code === 'comment_too_long' ? s.err_comment_too_long
      : code === 'answer_required' ? s.err_answer_required : s.err_generic;
    let revealed = ''; // what a question newly shows (announced)
    // Tab stops first: a tabindex change on the focused option (the one just clicked) makes the
    // browser recompute style at once, in the handler (is it still focusable?). Before any
    // other write of this render that is cheap; after them it restyled the whole prompt there
    // (and again in the frame). While the prompt is on screen and an option has focus (a
    // click), they move with the revealed blocks, after the next frame (_show): the click's
    // handler has no forced style recalculation (2-3 ms at 4x CPU) and its frame is the same.
    const stops = () => d.qs.forEach((dq, i) => {
      const q = view.questions[i];
      const buttons = dq.buttons;
      const checked = buttons.findIndex((b) => Number(b.dataset.v) === q.score);
      const roving = buttons.findIndex((b) => b.getAttribute('tabindex') === '0');
      buttons.forEach((b, k) => setAttr(b, 'tabindex', (checked >= 0 ? k === checked : roving >= 0 ? k === roving : k === 0) ? '0' : '-1'));
    });
    if (this._late && focused && d.qs.some((dq) => dq.buttons.includes(focused))) (this._wait ||= []).push(stops);
    else stops();
    d.qs.forEach((dq, i) => {
      const q = view.questions[i];
      const was = prev && prev.questions[i];
      setProp(dq.box, 'hidden', !asking);
      setText(dq.text, q.text);
      const buttons = dq.buttons;
      const checked = buttons.findIndex((b) => Number(b.dataset.v) === q.score);
      buttons.forEach((b, k) => {
        const o = q.options[k];
        setAttr(b, 'aria-label', o.label);
        setAttr(b, 'aria-checked', String(k === checked));
        setAttr(b, 'data-on', q.scale === 'stars' && q.score != null && o.value <= q.score);
      });
      if (dq.ends) {
        setText(dq.ends.firstChild, q.end_labels?.min);
        setText(dq.ends.lastChild, q.end_labels?.max);
      }
      const low = details && !!q.low;
      const picks = !!q.problems.length && low;
      this._show(dq.problems, picks);
      setText(dq.problems.firstChild, s.problems_label);
      q.problems.forEach((p, k) => {
        setProp(dq.picks[k].input, 'checked', !!p.selected);
        setText(dq.picks[k].label, p.label);
      });
      const c = q.comment || {};
      const box = !!c.enabled && low;
      this._show(dq.comment, box);
      setText(dq.comment.firstChild, s.comment_label);
      setProp(dq.ta, 'placeholder', s.comment_placeholder || '');
      setAttr(dq.ta, 'aria-required', c.required ? 'true' : null);
      if (c.enabled && dq.ta.value !== c.text && focused !== dq.ta) dq.ta.value = c.text || '';
      setText(dq.cnt, fill(s.chars_left, 'n', String(c.remaining ?? 0)));
      const bad = box && ((code === 'comment_required' && c.required && !String(c.text || '').trim()) ||
        (code === 'comment_too_long' && c.remaining === 0));
      setAttr(dq.ta, 'aria-invalid', String(bad));
      // Newly shown picks or comment box (a low score): said once.
      if (!revealed && low && !(was && details && prev.step === 'details' && was.low)) {
        revealed = picks ? s.problems_label : box ? s.comment_label : '';
      }
    });

    this._show(d.foot, details);
    setText(d.submit, s.submit || 'Submit');
    setAttr(d.submit, 'aria-disabled', String(!view.can_submit));
    setText(d.err, msg);
    setProp(d.err, 'hidden', !msg);

    setProp(d.thanks, 'hidden', step !== 'thanks' && step !== 'final');
    setText(d.ty, step === 'final' ? s.final_note : s.thanks);
    const left = view.edit_deadline ? view.edit_deadline - Date.now() : 0;
    const editable = step === 'thanks' && view.can_edit;
    setProp(d.tl, 'hidden', !(editable && left > 0));
    if (!d.tl.hidden) setText(d.tl, fill(s.time_left, 'time', timeLeft(left)));
    setProp(d.change, 'hidden', !editable);
    setText(d.change, s.change);

    // Announce step changes, newly shown details and errors; move focus only if it was
    // inside the widget.
    let say = '';
    if (prev && (stepChanged || details)) {
      say = details ? revealed
        : step === 'thanks' ? [s.thanks, d.tl.hidden ? '' : d.tl.textContent].join(' ').trim()
        : step === 'final' ? s.final_note
        : step === 'score' ? view.questions[0].text : '';
    }
    if (!say && owed) say = owed;
    if (msg && (!prev || msg !== this._said)) say = msg;
    this._said = msg;
    const wait = this._wait;
    // Newly shown details are announced when they show (the live region's text is laid out too).
    const later = wait && say && say === revealed && !msg;
    if (later) this._owed = say;
    else if (say) d.live.textContent = say;
    if (wait) {
      afterPaint(() => {
        if (this._wait !== wait) return; // a later render showed them
        this._wait = null;
        for (const n of wait) {
          if (typeof n === 'function') n();
          else n.hidden = false;
        }
        if (later) {
          this._owed = null;
          d.live.textContent = say;
        }
      });
    }
    if (!this._warmed && !d.panel.hidden) this._warm();
    if (prev && stepChanged && focused && focused !== d.tr && !d.panel.hidden) {
      const target = step === 'thanks' ? (editable ? d.change : d.ty)
        : step === 'final' ? d.ty
        : this._stop(d.qs[0]);
      if (target && (focused.closest('[hidden]') || step !== 'details')) target.focus();
    }
  }
}
