// @ts-check
// The type declarations (web/core.d.mts for web/core.mjs, web/src/index.d.ts for the npm
// package) against what the core really returns. This file is plain JavaScript that the JS
// tests run, and TypeScript checks it (`tsc -p web/test`, stage 40, checkJs): each key list
// below is typed `Record<keyof T, true>`, so it must name exactly the members the declarations
// give (a missing or an extra one is a type error), and the tests compare the same lists with
// the members of real results (a member the core adds or drops fails here).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { loadBuiltCore } from '../bin/built-core.mjs';

/** @typedef {import('../core.mjs').View} View */
/** @typedef {import('../core.mjs').ViewQuestion} ViewQuestion */
/** @typedef {import('../core.mjs').RatingRecord} RatingRecord */
/** @typedef {import('../core.mjs').RatingAnswer} RatingAnswer */
/** @typedef {import('../core.mjs').PromptDecision} PromptDecision */
/** @typedef {import('../core.mjs').Verdict} Verdict */
/** @typedef {import('../core.mjs').CoreError} CoreError */
/** @typedef {import('../core.mjs').RedactResult} RedactResult */
/** @typedef {import('../core.mjs').Summary} Summary */
/** @typedef {import('../core.mjs').Flow} Flow */
/** @typedef {import('../core.mjs').ToolsCoreApi} ToolsCoreApi */

/** @type {Record<keyof View, true>} */
const VIEW = { step: true, open: true, locale: true, dir: true, questions: true, can_submit: true,
  can_edit: true, revision: true, edit_deadline: true, final: true, strings: true };
/** @type {Record<keyof ViewQuestion, true>} */
const QUESTION = { id: true, text: true, scale: true, range: true, options: true, end_labels: true,
  required: true, score: true, low: true, problems: true, comment: true };
/** @type {Record<keyof ViewQuestion['comment'], true>} */
const COMMENT = { enabled: true, required: true, text: true, max_length: true, remaining: true };
/** @type {Record<keyof ViewQuestion['problems'][number], true>} */
const PROBLEM = { id: true, label: true, selected: true };
/** @type {Record<keyof RatingRecord, true>} */
const RECORD = { schema: true, rating_id: true, session_id: true, rater_id: true, subject_id: true,
  revision: true, final: true, answers: true, submitted_at: true, first_submitted_at: true,
  edit_deadline: true, internal: true, topic: true, agent_id: true, properties: true,
  context_signature: true };
/** @type {Record<keyof RatingAnswer, true>} */
const ANSWER = { question: true, scale: true, range: true, score: true, positive: true,
  sentiment: true, problems: true, comment: true, redactions: true, thresholds: true };
/** @type {Record<keyof PromptDecision, true>} */
const DECISION = { key: true, prompt: true, reason: true };
/** @type {Record<keyof Verdict, true>} */
const VERDICT = { ok: true, errors: true };
/** @type {Record<keyof CoreError, true>} */
const ERROR = { path: true, code: true, message: true };
/** @type {Record<keyof RedactResult, true>} */
const REDACTED = { text: true, redactions: true };
/** @type {Record<keyof Summary, true>} */
const SUMMARY = { ratings: true, answers: true, raters: true, csat: true, mean: true, nps: true,
  distribution: true, sentiment: true, problems: true, thumbs: true, excluded_internal: true,
  questions: true };

const keys = (/** @type {object} */ o) => Object.keys(o).sort();
const names = (/** @type {object} */ list, /** @type {string[]} */ optional = []) =>
  Object.keys(list).filter((k) => !optional.includes(k)).sort();

const core = /** @type {ToolsCoreApi} */ (await loadBuiltCore());
const CONFIG = { problems: [{ id: 'audio', label: 'Audio' }], comment: { enabled: true } };
const CONTEXT = { session_id: 's-1', rating_id: 'r-1' };

/** A flow or a failed test. */
function flowOf(/** @type {ReturnType<ToolsCoreApi['createFlow']>} */ made) {
  if (!made.ok) throw new Error(JSON.stringify(made.errors));
  return made;
}

test('types: a view and its parts have the members core.d.mts declares', () => {
  const flow = flowOf(core.createFlow(CONFIG, CONTEXT));
  for (const view of [flow.view(), flow.dispatch({ type: 'score', value: 1, at: 1 }).view]) {
    assert.deepEqual(keys(view), names(VIEW));
    assert.deepEqual(keys(view.questions[0]), names(QUESTION));
    assert.deepEqual(keys(view.questions[0].comment), names(COMMENT));
    assert.deepEqual(keys(view.questions[0].problems[0]), names(PROBLEM));
  }
  flow.destroy();
});

test('types: a dispatch result, refused or with a record, has the declared members', () => {
  const flow = flowOf(core.createFlow(CONFIG, CONTEXT));
  const refused = flow.dispatch({ type: 'score', value: 9, at: 1 });
  assert.equal(refused.ok, false);
  if (refused.ok) return;
  assert.deepEqual(keys(refused), ['emit', 'error', 'ok', 'view']);
  assert.deepEqual(keys(refused.error), ['code', 'message']);
  const done = flow.dispatch({ type: 'score', value: 5, at: 2 });
  assert.deepEqual(keys(done), ['emit', 'ok', 'view']);
  assert.equal(done.emit.length, 1);
  /** @type {RatingRecord} */
  const record = done.emit[0];
  assert.deepEqual(keys(record), names(RECORD, ['context_signature']));
  assert.deepEqual(keys(record.answers[0]), names(ANSWER));
  flow.destroy();
});

test('types: the other results have the declared members', () => {
  assert.deepEqual(keys(core.validateConfig({})), names(VERDICT));
  const bad = core.validateConfig({ scale: 'bogus' });
  assert.equal(bad.ok, false);
  assert.deepEqual(keys(bad.errors[0]), names(ERROR));
  const decision = core.shouldPrompt([], CONTEXT, 1000);
  assert.ok(!('error' in decision));
  assert.deepEqual(keys(decision), names(DECISION));
  const redacted = core.redact('mail me at jane@example.com');
  assert.ok(!('error' in redacted));
  assert.deepEqual(keys(redacted), names(REDACTED));
  const flow = flowOf(core.createFlow(CONFIG, CONTEXT));
  const records = flow.dispatch({ type: 'score', value: 4, at: 1 }).emit;
  flow.destroy();
  const insights = core.aggregate(records);
  assert.ok(!('error' in insights));
  assert.deepEqual(keys(insights), names(SUMMARY));
});
