// Writes the committed seed corpora (fuzz/corpus/<target>/) from the repo's own examples:
// the scenario files (native-tests/scenarios, examples/flow-tests), the records and snapshots
// the native CLI produces when it runs them (`session-rating test --dump`), the redaction
// corpus, plus small hostile variants (truncated JSON, duplicate keys, deep nesting, lone
// surrogates, invalid UTF-8, NUL bytes, huge numbers). The big ones (10,000-deep nesting,
// 1 MiB strings) are generated at replay time instead (fuzz/generated_seeds.cpp).
//
//   node fuzz/make-seeds.mjs build/native/core/session-rating
//
// Files are named after what they hold; re-running rewrites the "seed-" files and leaves the
// "regression-" files (inputs that once failed) alone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const cli = process.argv[2];
if (!cli) {
  console.error('usage: node fuzz/make-seeds.mjs PATH-TO-session-rating');
  process.exit(2);
}

const out = {};
const add = (target, name, bytes) => {
  (out[target] ||= new Map()).set(name, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
};
const b = (s) => Buffer.from(s, 'latin1'); // raw bytes, written as given
const cat = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

// Fixed configs of the events/snapshot targets, read from fuzz/flow_configs.h.
const configsHeader = fs.readFileSync(path.join(here, 'flow_configs.h'), 'utf8');
const literals = [...configsHeader.matchAll(/R"cfg\((.*?)\)cfg"/gs)].map((m) => m[1]);
const flowConfigs = literals.slice(0, -1);

// Scenario files.
const scenarioFiles = [];
for (const dir of ['native-tests/scenarios', 'examples/flow-tests']) {
  for (const f of fs.readdirSync(path.join(root, dir)).sort())
    if (f.endsWith('.json')) scenarioFiles.push(path.join(root, dir, f));
}
const scenarios = scenarioFiles.map((f) => ({
  name: path.basename(f, '.json'),
  text: fs.readFileSync(f),
  json: JSON.parse(fs.readFileSync(f, 'utf8')),
}));

const eventText = (step) =>
  'event_text' in step ? step.event_text : 'event' in step ? JSON.stringify(step.event) : null;

// Hostile variants of one JSON text.
function hostile(target, base, text) {
  const t = Buffer.from(text);
  add(target, `${base}-truncated-half`, t.subarray(0, t.length >> 1));
  add(target, `${base}-truncated-last`, t.subarray(0, t.length - 1));
  add(target, `${base}-trailing-garbage`, cat(t, ' x'));
  add(target, `${base}-bom`, cat(b('\xEF\xBB\xBF'), t));
  add(target, `${base}-nul-after`, cat(t, b('\x00')));
}

// --- config, context, scenario ------------------------------------------------------------
for (const s of scenarios) {
  add('config', `seed-${s.name}`, JSON.stringify(s.json.config));
  add('context', `seed-${s.name}`, JSON.stringify(s.json.context));
  add('scenario', `seed-${s.name}`, s.text);
}
flowConfigs.forEach((c, i) => add('config', `seed-flow-config-${i}`, c));
hostile('config', 'seed-flow-config-0', flowConfigs[0]);
hostile('context', 'seed-context', literals.at(-1));
hostile('scenario', 'seed-scenario', scenarios[0].text.toString());

const configHostile = {
  'duplicate-key': '{"scale":"stars","scale":"nps"}',
  'duplicate-key-nested': '{"comment":{"enabled":true,"enabled":false}}',
  'lone-surrogate': '{"question":"How \\ud800 was it?"}',
  'lone-low-surrogate': '{"question":"\\udc00"}',
  'surrogate-pair': '{"question":"\\ud83d\\ude00 ok?"}',
  'nul-escaped': '{"question":"a\\u0000b"}',
  'huge-int': '{"comment":{"enabled":true,"max_length":18446744073709551616}}',
  'huge-exp': '{"comment":{"enabled":true,"max_length":1e400}}',
  'negative-huge': '{"finalise":{"window_seconds":-9223372036854775809}}',
  'int64-max': '{"finalise":{"window_seconds":9223372036854775807}}',
  'fraction': '{"finalise":{"window_seconds":0.5}}',
  'neg-zero': '{"throttle":{"sample_percent":-0}}',
  'tiny': '{"throttle":{"sample_percent":1e-400}}',
  'deep-200': '['.repeat(200) + ']'.repeat(200),
  'deep-strings-200': '{"strings":' + '{"a":'.repeat(200) + '1' + '}'.repeat(201),
  'empty': '',
  'null': 'null',
  'array': '[]',
  'six-questions': JSON.stringify({ questions: [1, 2, 3, 4, 5, 6].map((i) => ({ id: `q${i}` })) }),
  'numeric-range': '{"scale":"numeric","range":[0,10]}',
  'numeric-range-huge': '{"scale":"numeric","range":[0,4294967297]}',
  'locale-rtl': '{"locale":"ar","strings":{"title":"\u0645\u0631\u062d\u0628\u0627"}}',
};
for (const [k, v] of Object.entries(configHostile)) add('config', `seed-${k}`, v);
add('config', 'seed-invalid-utf8', b('{"question":"\xC3\x28 \xFF \xED\xA0\x80"}'));
add('config', 'seed-nul-raw', b('{"question":"a\x00b"}'));
add('config', 'seed-nul-outside', b('{"scale":"stars"}\x00{}'));
add('config', 'seed-overlong', b('{"question":"\xC0\xAF"}'));

const contextHostile = {
  'duplicate-key': '{"session_id":"a","session_id":"b"}',
  'duplicate-property': '{"session_id":"s","properties":{"a":1,"a":2}}',
  'topic-lone-surrogate': '{"session_id":"s","topic":"\\ud800"}',
  'topic-nul': '{"session_id":"s","topic":"a\\u0000b"}',
  'topic-control': '{"session_id":"s","topic":"a\\u0007\\u001bb"}',
  'id-nul': '{"session_id":"s\\u0000"}',
  'ended-huge': '{"session_id":"s","session_ended_at":1e400}',
  'ended-2p64': '{"session_id":"s","session_ended_at":18446744073709551616}',
  'ended-int64-max': '{"session_id":"s","session_ended_at":9223372036854775807}',
  'ended-negative': '{"session_id":"s","session_ended_at":-1}',
  'property-huge': '{"session_id":"s","properties":{"n":1e308}}',
  'property-overflow': '{"session_id":"s","properties":{"n":1e400}}',
  'properties-21': JSON.stringify({ session_id: 's', properties: Object.fromEntries([...Array(21).keys()].map((i) => [`k${i}`, i])) }),
  'all-fields': '{"session_id":"s.1:2-3","rating_id":"r-1","rater_id":"u","subject_id":"m-7","session_ended_at":5000,"internal":true,"topic":"Billing","agent_id":"a-1","properties":{"plan":"pro","seats":3,"trial":false}}',
  'rating-id-128': JSON.stringify({ session_id: 's', rating_id: 'r'.repeat(128) }),
  'rating-id-129': JSON.stringify({ session_id: 's', rating_id: 'r'.repeat(129) }),
};
for (const [k, v] of Object.entries(contextHostile)) add('context', `seed-${k}`, v);
add('context', 'seed-invalid-utf8', b('{"session_id":"s","topic":"\xFF\xFE"}'));
add('context', 'seed-nul-raw', b('{"session_id":"s\x00"}'));

const scenarioHostile = {
  'steps-not-array': '{"name":"n","config":{},"context":{"session_id":"s"},"steps":{}}',
  'config-string': '{"name":"n","config":"{}","context":{"session_id":"s"},"steps":[]}',
  'restore-first': '{"name":"n","config":{},"context":{"session_id":"s"},"steps":[{"restore":true},{"restore":true}]}',
  'expect-weird': '{"name":"n","config":{},"context":{"session_id":"s"},"steps":[{"event":{"type":"score","at":1,"value":5},"expect":{"view":[1],"emit":[{}],"error":"x"}}]}',
  'event-text-bad': '{"name":"n","config":{},"context":{"session_id":"s"},"steps":[{"event_text":"{\\"type\\":\\"score\\",\\"type\\":\\"submit\\"}"}]}',
  'expect-error-nonobject': '{"name":"n","config":[],"context":{},"expect_config_error":[{"path":1}]}',
  'duplicate-name': '{"name":"a","name":1,"config":{},"context":{"session_id":"s"},"steps":[]}',
  'lone-surrogate-name': '{"name":"\\ud800","config":{},"context":{"session_id":"s"},"steps":[]}',
};
for (const [k, v] of Object.entries(scenarioHostile)) add('scenario', `seed-${k}`, v);
add('scenario', 'seed-invalid-utf8', b('{"name":"\xFF","config":{},"context":{"session_id":"s"},"steps":[]}'));

// --- events -------------------------------------------------------------------------------
for (const s of scenarios) {
  if (!Array.isArray(s.json.steps)) continue;
  const lines = s.json.steps.map((st) => ('restore' in st ? '#snapshot' : eventText(st)));
  add('events', `seed-${s.name}`, [JSON.stringify(s.json.config), ...lines].join('\n'));
  add('events', `seed-${s.name}-config${flowConfigs.length - 1}`, [String(flowConfigs.length - 1), ...lines].join('\n'));
}
const ev = (o) => JSON.stringify(o);
const multi = [
  ev({ type: 'score', question: 'nps', value: 10, at: 1 }),
  ev({ type: 'submit', at: 2 }),
  ev({ type: 'score', question: 'HELPFUL_THUMBS', value: 0, at: 3 }),
  '#snapshot',
  ev({ type: 'toggle_problem', question: 'HELPFUL_THUMBS', id: 'audio', at: 4 }),
  ev({ type: 'submit', at: 5 }),
  ev({ type: 'edit', at: 6 }),
  ev({ type: 'score', question: 'EXPERIENCE_THUMBS', value: 1, at: 7 }),
  '#snapshot',
  ev({ type: 'submit', at: 8 }),
  ev({ type: 'tick', at: 99999999 }),
];
add('events', 'seed-config2-three-questions', ['2', ...multi].join('\n'));
const lowComment = (text, cfg = '0', score = 2) =>
  [cfg, ev({ type: 'score', value: score, at: 1000 }), ev({ type: 'comment', text, at: 1100 }), '#snapshot', ev({ type: 'submit', at: 1200 }), ev({ type: 'edit', at: 1300 }), '#snapshot', ev({ type: 'comment', text: text + '!', at: 1400 }), ev({ type: 'submit', at: 1500 })].join('\n');
add('events', 'seed-config0-pii-comment', lowComment('mail me at jo@example.com or 4111 1111 1111 1111'));
add('events', 'seed-config0-pii-nbsp', lowComment('card 4111\u00a01111\u00a01111\u00a01111, call +1 555 010 0000'));
add('events', 'seed-config1-required-comment', lowComment('too slow', '1', 0));
add('events', 'seed-config3-session-end', ['3', ev({ type: 'score', value: 4, at: 10 }), ev({ type: 'submit', at: 20 }), '#snapshot', ev({ type: 'session_end', at: 30 }), ev({ type: 'tick', at: 60031 }), ev({ type: 'score', value: 1, at: 60032 })].join('\n'));
const eventHostile = {
  'duplicate-type': '0\n{"type":"score","type":"submit","at":1,"value":5}',
  'duplicate-value': '0\n{"type":"score","at":1,"value":5,"value":1}\n{"type":"submit","at":2}',
  'at-huge': '0\n{"type":"score","at":1e400,"value":5}',
  'at-2p64': '0\n{"type":"score","at":18446744073709551616,"value":5}',
  'at-int64-max': '0\n{"type":"score","at":9223372036854775807,"value":5}\n{"type":"submit","at":9223372036854775807}\n{"type":"tick","at":9223372036854775807}',
  'at-negative': '0\n{"type":"score","at":-9223372036854775808,"value":5}\n{"type":"submit","at":-1}',
  'value-huge': '0\n{"type":"score","at":1,"value":4294967301}',
  'value-fraction': '0\n{"type":"score","at":1,"value":4.5}',
  'comment-lone-surrogate': '0\n{"type":"score","at":1,"value":1}\n{"type":"comment","at":2,"text":"\\ud800"}',
  'comment-nul': '0\n{"type":"score","at":1,"value":1}\n{"type":"comment","at":2,"text":"a\\u0000b"}\n#snapshot\n{"type":"submit","at":3}',
  'truncated': '0\n{"type":"score","at":1,"val',
  'deep-200': '0\n' + '['.repeat(200) + ']'.repeat(200),
  'no-events': '1',
  'only-snapshots': '2\n#snapshot\n#snapshot',
  'empty-lines': '0\n\n\n',
};
for (const [k, v] of Object.entries(eventHostile)) add('events', `seed-${k}`, v);
add('events', 'seed-comment-invalid-utf8', b('0\n{"type":"score","at":1,"value":1}\n{"type":"comment","at":2,"text":"\xC3\x28"}'));
add('events', 'seed-comment-nul-raw', b('0\n{"type":"score","at":1,"value":1}\n{"type":"comment","at":2,"text":"a\x00b"}'));

// --- records and snapshots: what the CLI emits running the scenarios with each fixed config --
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-seeds-'));
try {
  const files = [];
  scenarios.forEach((s, si) => {
    if (!Array.isArray(s.json.steps)) return;
    const configs = [s.json.config, ...flowConfigs.map((c) => JSON.parse(c))];
    configs.forEach((config, ci) => {
      const steps = [];
      for (const st of s.json.steps) {
        if ('restore' in st) continue;
        steps.push({ event_text: eventText(st) }, { restore: true });
      }
      const f = path.join(tmp, `${String(si).padStart(3, '0')}-${ci}.json`);
      fs.writeFileSync(f, JSON.stringify({ name: `${s.name}/${ci}`, config, context: JSON.parse(literals.at(-1)), steps }));
      files.push(f);
    });
  });
  const dump = path.join(tmp, 'dump.jsonl');
  try {
    execFileSync(cli, ['test', tmp, '--dump', dump], { stdio: 'ignore' });
  } catch {
    // failures expected (expectations of other configs); the dump is what counts
  }
  const records = new Map();
  const snapshots = new Map();
  for (const line of fs.readFileSync(dump, 'utf8').split('\n')) {
    if (!line) continue;
    const d = JSON.parse(line);
    const [name, ci] = d.scenario.split('/');
    for (const step of d.steps) {
      if (step && Array.isArray(step.emit))
        for (const r of step.emit) records.set(JSON.stringify(r), `${name}-c${ci}`);
      if (step && typeof step.snapshot === 'string' && step.snapshot.startsWith('flow.') && ci !== '0')
        snapshots.set(JSON.stringify(step), `${name}-config${Number(ci) - 1}`);
    }
  }
  const seenR = new Set();
  for (const [text, name] of records) {
    const key = name;
    let n = 0;
    while (seenR.has(`${key}-${n}`)) n++;
    seenR.add(`${key}-${n}`);
    add('records', `seed-${key}-${n}`, text);
  }
  const seenS = new Set();
  for (const [text, name] of snapshots) {
    let n = 0;
    while (seenS.has(`${name}-${n}`)) n++;
    seenS.add(`${name}-${n}`);
    if (n < 3) add('snapshot', `seed-${name}-${n}`, text);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

// rating.v1 forms of one-answer records, and hostile variants of one v2 record.
const v2 = [...(out.records || new Map()).values()].map((x) => JSON.parse(x.toString()));
const toV1 = (r) => {
  const a = r.answers[0];
  return JSON.stringify({
    schema: 'rating.v1', rating_id: r.rating_id, session_id: r.session_id, revision: r.revision,
    final: r.final, scale: a.scale, score: a.score, positive: a.positive, sentiment: a.sentiment,
    problems: a.problems, comment: a.comment, redactions: a.redactions,
    submitted_at: r.submitted_at, first_submitted_at: r.first_submitted_at,
    edit_deadline: r.edit_deadline, internal: r.internal, topic: r.topic, agent_id: r.agent_id,
    thresholds: { low_score_max: a.low_score_max, positive_min: a.positive_min },
  });
};
let v1n = 0;
for (const r of v2) {
  if (r.answers.length === 1 && r.answers[0].scale !== 'numeric' && r.edit_deadline !== null && v1n < 40)
    add('records', `seed-v1-${v1n++}`, toV1(r));
}
const low = v2.find((r) => r.answers.length === 1 && r.answers[0].problems.length > 0) || v2[0];
const lowText = JSON.stringify(low);
hostile('records', 'seed-record', lowText);
const swap = (from, to) => lowText.replace(from, to);
const recordHostile = {
  'duplicate-topic': swap('"topic":', '"topic":"a","topic":'),
  'duplicate-schema': swap('"schema":"rating.v2"', '"schema":"rating.v2","schema":"rating.v1"'),
  'duplicate-score': swap('"score":', '"score":5,"score":'),
  'revision-2p64': swap(/"revision":\d+/, '"revision":18446744073709551616'),
  'revision-int64-max': swap(/"revision":\d+/, '"revision":9223372036854775807'),
  'revision-1e400': swap(/"revision":\d+/, '"revision":1e400'),
  'revision-fraction': swap(/"revision":\d+/, '"revision":1.0'),
  'revision-exp': swap(/"revision":\d+/, '"revision":1e0'),
  'score-huge': swap(/"score":\d+/, '"score":4294967297'),
  'submitted-negative': swap(/"submitted_at":\d+/, '"submitted_at":-1'),
  'comment-lone-surrogate': swap(/"comment":"[^"]*"/, '"comment":"\\ud800"'),
  'comment-nul': swap(/"comment":"[^"]*"/, '"comment":"a\\u0000b"'),
  'comment-escaped-key': swap('"comment":', '"comm\\u0065nt":'),
  'topic-control': swap('"topic":null', '"topic":"a\\u0001b"'),
  'rating-id-nul': swap(/"rating_id":"[^"]*"/, '"rating_id":"r\\u0000"'),
  'whitespace': lowText.replace(/([,:{}\[\]])/g, '$1 \n\t'),
  'empty': '',
  'array': `[${lowText}]`,
};
for (const [k, v] of Object.entries(recordHostile)) add('records', `seed-${k}`, v);
add('records', 'seed-comment-invalid-utf8', b(lowText.replace(/"comment":"[^"]*"/, '"comment":"\xC3\x28\xFF"')));
add('records', 'seed-comment-nul-raw', b(lowText.replace(/"comment":"[^"]*"/, '"comment":"a\x00b"')));
add('records', 'seed-deep-200', '{"schema":"rating.v2","answers":' + '['.repeat(200) + ']'.repeat(200) + '}');

// Snapshot hostile variants (of the first one).
const snap0 = [...(out.snapshot || new Map()).values()][0].toString();
hostile('snapshot', 'seed-snapshot', snap0);
add('snapshot', 'seed-duplicate-step', snap0.replace('"step":', '"step":"final","step":'));
add('snapshot', 'seed-revision-2p64', snap0.replace(/"revision":\d+/, '"revision":18446744073709551616'));
add('snapshot', 'seed-revision-1e400', snap0.replace(/"revision":\d+/, '"revision":1e400'));
add('snapshot', 'seed-comment-lone-surrogate', snap0.replace(/"comment":"[^"]*"/, '"comment":"\\ud800"'));
add('snapshot', 'seed-deep-200', '['.repeat(200) + ']'.repeat(200));

// --- redact -------------------------------------------------------------------------------
const corpus = fs.readFileSync(path.join(root, 'native-tests/redact-corpus/corpus.tsv'), 'utf8');
let rn = 0;
for (const line of corpus.split('\n')) {
  if (!line || line.startsWith('#')) continue;
  const tab = line.indexOf('\t');
  if (tab < 0) continue;
  add('redact', `seed-corpus-${String(rn++).padStart(3, '0')}`, line.slice(tab + 1));
}
const redactHostile = {
  'card-nbsp': 'pay 4111\u00a01111\u00a01111\u00a01111 now',
  'card-dots': 'pay 4111.1111.1111.1111 now',
  'card-zero-width': 'pay 4111\u200b1111\u200b1111\u200b1111 now',
  'email-fullwidth-at': 'john\uff20example.com',
  'email-long-local': 'a'.repeat(300) + '@example.com',
  'digits-64': '1'.repeat(64),
  'mixed-scripts': '\u0645\u0631\u062d\u0628\u0627 jo@ex.co \ud83d\ude00 +44 20 7946 0958',
  'empty': '',
};
for (const [k, v] of Object.entries(redactHostile)) add('redact', `seed-${k}`, v);
add('redact', 'seed-invalid-utf8', b('card 4111 1111 \xFF 1111 1111'));
add('redact', 'seed-lone-surrogate-utf8', b('a \xED\xA0\x80 b'));
add('redact', 'seed-nul', b('jo@example.com\x004111 1111 1111 1111'));

// --- collector: HTTP requests -------------------------------------------------------------
const CRLF = '\r\n';
const req = (head, body = '') => {
  const lines = head.split('\n');
  const hasLen = /content-length|transfer-encoding/i.test(head);
  if (body && !hasLen) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return lines.join(CRLF) + CRLF + CRLF + body;
};
const post = (body, extra = '') =>
  req(`POST /v1/ratings?key=fuzz-write-key HTTP/1.1\nHost: 127.0.0.1\nContent-Type: text/plain${extra}`, body);
const recs = [...(out.records || new Map()).entries()].filter(([n]) => !/hostile|truncated|garbage|nul|bom|duplicate/.test(n));
recs.slice(0, 12).forEach(([name, body], i) => add('collector', `seed-post-${i}-${name.replace(/^seed-/, '')}`, post(body.toString())));
const someRecords = recs.slice(0, 5).map(([, x]) => x.toString());
add('collector', 'seed-post-batch', post(`[${someRecords.join(',')}]`));
add('collector', 'seed-post-duplicate-key', post(recordHostile['duplicate-topic']));
add('collector', 'seed-post-json-origin', req('POST /v1/ratings HTTP/1.1\nHost: 127.0.0.1\nOrigin: https://site.example\nAuthorization: Bearer fuzz-write-key\nContent-Type: application/json; charset=utf-8', someRecords[0]));
add('collector', 'seed-post-chunked', req('POST /v1/ratings?key=fuzz-write-key HTTP/1.1\nHost: 127.0.0.1\nTransfer-Encoding: chunked', `${Buffer.byteLength(someRecords[1]).toString(16)}\r\n${someRecords[1]}\r\n0\r\n\r\n`));
add('collector', 'seed-post-expect-continue', req('POST /v1/ratings?key=fuzz-write-key HTTP/1.1\nHost: 127.0.0.1\nExpect: 100-continue', someRecords[2]));
add('collector', 'seed-post-gzip', req('POST /v1/ratings?key=fuzz-write-key HTTP/1.1\nHost: 127.0.0.1\nContent-Encoding: gzip', someRecords[0]));
add('collector', 'seed-post-cl-te', req('POST /v1/ratings?key=fuzz-write-key HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 4\nTransfer-Encoding: chunked', '0\r\n\r\n'));
add('collector', 'seed-post-two-cl', req('POST /v1/ratings?key=fuzz-write-key HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 2\nContent-Length: 3', '[]'));
add('collector', 'seed-post-bad-key', post(someRecords[0]).replace('fuzz-write-key', 'nope'));
add('collector', 'seed-post-bad-type', req('POST /v1/ratings?key=fuzz-write-key HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/jsonp', someRecords[0]));
add('collector', 'seed-post-evil-origin', req('POST /v1/ratings?key=fuzz-write-key HTTP/1.1\nHost: 127.0.0.1\nOrigin: http://127.0.0.1', someRecords[0]));
add('collector', 'seed-post-not-json', post('{"schema":'));
add('collector', 'seed-post-empty-array', post('[]'));
add('collector', 'seed-post-lone-surrogate', post(recordHostile['comment-lone-surrogate']));
add('collector', 'seed-post-invalid-utf8', cat(b(post('').replace(/\r\n\r\n$/, `\r\nContent-Length: 8\r\n\r\n`)), b('"\xFF\xFE\x00abc"')));
add('collector', 'seed-pipelined', post(someRecords[0]) + req('GET /healthz HTTP/1.1\nHost: 127.0.0.1'));
const read = (target) => req(`GET ${target} HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer fuzz-read-token-0123456789`);
add('collector', 'seed-get-ratings', read('/v1/ratings?limit=5'));
add('collector', 'seed-get-ratings-bad-limit', read('/v1/ratings?limit=1e400&from=2026-13-45'));
add('collector', 'seed-get-insights', read('/v1/insights?by=topic&from=2026-01-01&to=2026-12-31'));
add('collector', 'seed-get-insights-property', read('/v1/insights?by=property:plan&question=overall'));
add('collector', 'seed-get-export', read('/v1/export.jsonl'));
add('collector', 'seed-head-export', read('/v1/export.jsonl').replace('GET', 'HEAD'));
add('collector', 'seed-get-session', read('/v1/sessions/fuzz-session'));
add('collector', 'seed-get-timeline', read('/v1/sessions/fuzz-session/timeline'));
add('collector', 'seed-get-events', req('GET /v1/sessions/fuzz-session/events HTTP/1.1\nHost: 127.0.0.1\nAccept: text/event-stream'));
add('collector', 'seed-get-config', read('/v1/config'));
add('collector', 'seed-get-widget-config', req('GET /v1/widget-config HTTP/1.1\nHost: 127.0.0.1'));
add('collector', 'seed-get-percent', read('/v1/ratings?topic=%00%ff%E2%82&limit=%31'));
add('collector', 'seed-get-path-nul', req('GET /v1/%00ratings HTTP/1.1\nHost: 127.0.0.1'));
add('collector', 'seed-session-end', req('POST /v1/sessions/fuzz-session/end HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer fuzz-server-token-0123456789\nContent-Type: application/json', '{"ended_at":1767225600000}'));
add('collector', 'seed-rating-request', req('POST /v1/sessions/fuzz-session/rating-requests HTTP/1.1\nHost: 127.0.0.1\nAuthorization: Bearer fuzz-agent-token-0123456789\nContent-Type: application/json', '{}'));
add('collector', 'seed-options', req('OPTIONS /v1/ratings HTTP/1.1\nHost: 127.0.0.1\nOrigin: https://site.example\nAccess-Control-Request-Method: POST\nAccess-Control-Request-Headers: content-type'));
add('collector', 'seed-healthz', req('GET /healthz HTTP/1.1\nHost: 127.0.0.1'));
add('collector', 'seed-http10', 'GET /healthz HTTP/1.0\r\n\r\n');
add('collector', 'seed-no-host', 'GET /healthz HTTP/1.1\r\n\r\n');
add('collector', 'seed-bad-method', 'BREW /v1/ratings HTTP/1.1\r\nHost: x\r\n\r\n');
add('collector', 'seed-garbage', 'hello\r\n\r\n');
add('collector', 'seed-lf-only', 'GET /healthz HTTP/1.1\nHost: 127.0.0.1\n\n');
add('collector', 'seed-obs-fold', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\r\n b\r\n\r\n');
add('collector', 'seed-truncated-head', 'POST /v1/ratings?key=fuzz-write-key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le');
add('collector', 'seed-truncated-body', 'POST /v1/ratings?key=fuzz-write-key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"schema"');
add('collector', 'seed-huge-length', 'POST /v1/ratings?key=fuzz-write-key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 18446744073709551616\r\n\r\n');
add('collector', 'seed-empty', '');
add('collector', 'seed-nul-in-head', b('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\x00\r\n\r\n'));

// --- write --------------------------------------------------------------------------------
let total = 0;
for (const [target, files] of Object.entries(out)) {
  const dir = path.join(here, 'corpus', target);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (f.startsWith('seed-')) fs.rmSync(path.join(dir, f));
  for (const [name, bytes] of files) {
    fs.writeFileSync(path.join(dir, name.replace(/[^A-Za-z0-9._-]/g, '_')), bytes);
    total++;
  }
  console.log(`${target}: ${files.size} seeds`);
}
console.log(`${total} seed files`);
