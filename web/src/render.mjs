// render.mjs — the view renderer: the core's view (docs/view.md) → DOM in a shadow root.
// It knows nothing of storage or the network, and does not call the core: it builds the prompt
// once, updates it for each view, announces step changes and errors, moves focus, handles the
// option keys, and turns clicks and typing into core events (docs/view.md) handed to `send`.
// Text goes in through textContent and attributes only.

import CSS from './widget.css'; // minified text, inlined by web/build.mjs
import { icon, cross } from './icons.mjs';

let sheet = null; // one constructed stylesheet shared by every instance

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

/**
 * The prompt in `root` (a shadow root), built for the options and problems of `view`.
 * `popup`: a dialog with a close button; `send(event)`: takes the core events of clicks and
 * typing; `guard(fn)`: runs every event handler (the element reports what one throws).
 */
export class Prompt {
  constructor(root, view, { popup, send, guard }) {
    this._root = root;
    this._view = null; // the view last rendered
    this._strings = {};
    this._said = '';
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

    const on = (node, type, fn) => node.addEventListener(type, (e) => guard(() => fn(e)));
    on(opts, 'click', (e) => {
      const b = e.target.closest('.opt');
      if (b) send({ type: 'score', value: Number(b.dataset.v) });
    });
    on(opts, 'keydown', (e) => this._arrows(e));
    on(problems, 'change', (e) => {
      const id = e.target.dataset.id;
      if (id) send({ type: 'toggle_problem', id });
    });
    on(ta, 'input', () => send({ type: 'comment', text: ta.value }));
    on(submit, 'click', () => send({ type: 'submit' }));
    on(change, 'click', () => send({ type: 'edit' }));
    if (close) on(close, 'click', () => send({ type: 'dismiss' }));
    on(panel, 'keydown', (e) => {
      if (e.key === 'Escape' && popup && this._view.open !== false) {
        e.stopPropagation();
        send({ type: 'dismiss' });
      }
    });
  }

  // Roving focus over the options: arrows (mirrored right-to-left), Home, End; wrapping.
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

  /** Sets the comment box's text (what fits after the core refused a longer one). */
  setComment(text) {
    this._dom.ta.value = text;
  }

  /** Hides everything (the widget failed). */
  hide() {
    this._dom.panel.hidden = true;
  }

  /**
   * Shows `view`. `shown`: the prompt was opened; `error`: the core's last refusal
   * ({code}) or null.
   */
  render(view, shown, error) {
    const prev = this._view;
    this._view = view;
    const d = this._dom;
    if (view.strings) this._strings = view.strings; // kept if a later view leaves them out
    const s = this._strings;
    const step = view.step;
    const focused = this._root.activeElement;
    const stepChanged = !prev || prev.step !== step;

    d.panel.hidden = !(shown && view.open !== false && step !== 'dismissed');
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
    const code = error && error.code;
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
  }
}
