// The widget's option parsing and change classification (web/src/options.mjs; pure, no DOM).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { OPTION_ATTRIBUTES, optionsFrom, changeBetween, modeOf } from '../src/options.mjs';

const from = (attributes, defaultMode = 'inline') =>
  optionsFrom((n) => (n in attributes ? attributes[n] : null), (n) => n in attributes, defaultMode);

test('options: every attribute optionsFrom reads is observed, and nothing else', () => {
  const read = new Set();
  optionsFrom((n) => { read.add(n); return null; }, (n) => { read.add(n); return false; }, 'inline');
  assert.deepEqual([...read].sort(), [...OPTION_ATTRIBUTES].sort());
});

test('options: shortcut attributes override the JSON config; context attributes; defaults', () => {
  const o = from({
    'session-id': 's-1', endpoint: '/v1/ratings', config: '{"scale":"emoji","comment":{"max_length":50}}',
    scale: 'stars', comment: '', 'window-seconds': '60', topic: 'billing', internal: '', 'session-ended-at': '5',
  });
  assert.deepEqual(o.config, { scale: 'stars', comment: { max_length: 50, enabled: true }, finalise: { window_seconds: 60 } });
  assert.deepEqual(o.context, { topic: 'billing', internal: true, session_ended_at: 5 });
  assert.equal(o.writeKey, '');
  assert.equal(o.mode, 'inline');
  assert.equal(o.autoOpen, true);
  assert.equal(from({ 'auto-open': 'false' }, 'popup').autoOpen, false);
  assert.equal(from({}, 'popup').mode, 'popup');
  assert.equal(from({ config: '{not json' }).config, '{not json', 'kept as text: the element reports it');
  assert.equal(o.raterId, undefined, 'no rater id unless the host sets one (the element fills it)');
  assert.equal(o.subjectId, undefined);
  assert.equal(o.properties, undefined);
  assert.equal(o.contextSignature, undefined);
  assert.equal(from({ 'context-signature': 'sr1.5.abc' }).contextSignature, 'sr1.5.abc', 'passed through as given');
});

test('options: rater-id, subject-id, properties (JSON), mode="button" and trigger-label', () => {
  const o = from({ 'session-id': 's-1', 'rater-id': 'u-9', 'subject-id': 'msg-3', properties: '{"model":"m-2","temp":0.5,"beta":true}',
    mode: 'button', 'trigger-label': 'That helped?', config: '{"questions":[{"id":"HELPFUL_THUMBS"},{"id":"EXPERIENCE_THUMBS"}]}' });
  assert.equal(o.raterId, 'u-9');
  assert.equal(o.subjectId, 'msg-3');
  assert.deepEqual(o.properties, { model: 'm-2', temp: 0.5, beta: true });
  assert.equal(o.mode, 'button');
  assert.equal(o.triggerLabel, 'That helped?');
  assert.deepEqual(o.config.questions.map((q) => q.id), ['HELPFUL_THUMBS', 'EXPERIENCE_THUMBS']);
  assert.equal(from({ properties: '{oops' }).properties, '{oops', 'kept as text: the core reports it at /context/properties');
  assert.deepEqual(['inline', 'popup', 'button', 'other', undefined].map(modeOf), ['inline', 'popup', 'button', 'inline', 'inline']);
});

test('options: changeBetween tells a new rating from a new prompt from nothing that matters', () => {
  const base = from({ 'session-id': 's-1', endpoint: '/e', config: '{"scale":"stars"}', topic: 't' });
  const change = (attrs) => changeBetween(base, from({ 'session-id': 's-1', endpoint: '/e', config: '{"scale":"stars"}', topic: 't', ...attrs }));
  assert.equal(change({}), null);
  assert.equal(change({ 'session-id': 's-2' }), 'rating');
  assert.equal(change({ 'rating-id': 'r-2' }), 'rating');
  assert.equal(change({ endpoint: '/other' }), 'rating');
  assert.equal(change({ 'write-key': 'pk' }), 'rating');
  assert.equal(change({ 'rater-id': 'u-2' }), 'rating', 'another rater: another rating');
  assert.equal(change({ 'subject-id': 'msg-2' }), 'rating', 'another answer: another rating');
  assert.equal(change({ properties: '{"model":"b"}' }), 'prompt');
  assert.equal(change({ 'context-signature': 'sr1.1.x' }), 'prompt', 'a new signature: the prompt is rebuilt');
  assert.equal(change({ mode: 'button' }), 'prompt');
  assert.equal(change({ 'trigger-label': 'Rate' }), 'prompt');
  assert.equal(change({ scale: 'thumbs' }), 'prompt');
  assert.equal(change({ config: '{"scale":"emoji"}' }), 'prompt');
  assert.equal(change({ 'config-url': '/c.json' }), 'prompt');
  assert.equal(change({ topic: 'other' }), 'prompt');
  assert.equal(change({ mode: 'popup' }), 'prompt');
  assert.equal(change({ mode: 'inline' }), null, 'the mode the element writes itself');
  assert.equal(change({ mode: 'anything' }), null, 'anything but popup is inline');
  assert.equal(change({ 'auto-open': 'false' }), null, 'read at start');
  assert.equal(change({ 'wasm-url': '/x.wasm' }), null, 'read at start');
});

test('options: listen (attribute present and not "false") and a change of it starts over', () => {
  assert.equal(from({ 'session-id': 's-1' }).listen, false);
  assert.equal(from({ 'session-id': 's-1', listen: '' }).listen, true);
  assert.equal(from({ 'session-id': 's-1', listen: 'true' }).listen, true);
  assert.equal(from({ 'session-id': 's-1', listen: 'false' }).listen, false);
  const base = from({ 'session-id': 's-1', endpoint: '/e' });
  assert.equal(changeBetween(base, from({ 'session-id': 's-1', endpoint: '/e', listen: '' })), 'rating');
  assert.equal(changeBetween(base, from({ 'session-id': 's-1', endpoint: '/e', listen: 'false' })), null);
});
