// The rating programme run by the collector (issue 12, docs/programme.md): ratings off by
// default and the switch that holds, the config API, scoped tokens, "Ask for rating" with its
// server-side cooldown, the timeline and the feedback API. (The Server-Sent Events stream and
// webhooks have their own tests.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COLLECTOR, CLI, ADMIN_TOKEN, WRITE_KEY, startCollector, recordV2, post, admin, setClock, sqlite,
  sqliteFile, tempDir, TEST_DB,
} from './helpers.mjs';

const TOKENS = {
  read: 'read-token-0123456789',
  write: 'write-token-0123456789',
  agent: 'agent-token-0123456789',
  server: 'server-token-0123456789',
};
const TOKEN_ARGS = Object.entries(TOKENS).flatMap(([scope, token]) => ['--token', `${scope}:${token}`]);
const DAY = 86400_000;

async function call(s, path, { method = 'GET', body, token, raw } = {}) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(s.url + path, {
    method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}
const agent = (s, path, opts = {}) => call(s, path, { token: TOKENS.agent, ...opts });
const server = (s, path, opts = {}) => call(s, path, { token: TOKENS.server, ...opts });
const count = (s, table) => Number(sqlite(s.db, `SELECT count(*) FROM ${table}`));

test('a fresh database starts off: POST /v1/ratings 403 ratings_disabled and nothing stored; PATCH enabled turns it on at once', async (t) => {
  const s = await startCollector(t, { enable: false, args: TOKEN_ARGS });
  let c = await admin(s, '/v1/config');
  assert.equal(c.status, 200);
  assert.equal(c.json.enabled, false);
  assert.equal(c.json.popup, false);
  assert.deepEqual(c.json.requests, { cooldown_days: 7, unsupported_channels: [] });
  assert.deepEqual(c.json.webhooks, []);

  const rec = recordV2();
  let r = await post(s, rec);
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.errors[0].code, 'ratings_disabled');
  assert.equal(r.json.errors[0].path, '');
  r = await post(s, [rec, recordV2()], { via: 'query' });
  assert.equal(r.status, 403);
  assert.equal(count(s, 'ratings'), 0);
  assert.equal(count(s, 'revisions'), 0);
  // The widget that loads its config from the collector does not show; the answer may be
  // cached for 5 s at most (the documented bound on a switch).
  let w = await fetch(`${s.url}/v1/widget-config`);
  assert.equal(w.status, 404);
  assert.equal((await w.json()).errors[0].code, 'ratings_disabled');
  assert.equal(w.headers.get('cache-control'), 'public, max-age=5');
  // The programme's writes are off too; reads keep working.
  r = await agent(s, '/v1/sessions/chat-1/rating-requests', { method: 'POST', body: { agent_id: 'a1' } });
  assert.equal(r.status, 403);
  assert.equal(r.json.errors[0].code, 'ratings_disabled');
  r = await server(s, '/v1/sessions/chat-1/feedback', { method: 'POST', body: { rating: true } });
  assert.equal(r.status, 403);
  assert.equal(r.json.data, null);
  assert.match(r.json.error, /^ratings_disabled/);
  assert.equal(count(s, 'ratings') + count(s, 'rating_requests'), 0);
  assert.equal((await admin(s, '/v1/insights')).status, 200);

  // On: both switches together, effective on the next request.
  c = await admin(s, '/v1/config', { method: 'PATCH', body: { enabled: true } });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.json.enabled, true);
  assert.equal(c.json.popup, true);
  // The log line is written after the answer: wait for it (bounded).
  for (let i = 0; i < 100 && !s.lines.some((l) => l.includes('"ratings_switched"') && l.includes('"enabled":true')); i++)
    await new Promise((r) => setTimeout(r, 20));
  assert.ok(s.lines.some((l) => l.includes('"ratings_switched"') && l.includes('"enabled":true')));
  r = await post(s, rec);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.results[0].status, 'accepted');
  w = await fetch(`${s.url}/v1/widget-config`);
  assert.equal(w.status, 200);
  assert.equal(w.headers.get('cache-control'), 'public, max-age=5');

  // popup must equal enabled: a PATCH that leaves them different is refused, nothing changes.
  c = await admin(s, '/v1/config', { method: 'PATCH', body: { enabled: true, popup: false } });
  assert.equal(c.status, 400);
  assert.deepEqual(c.json.errors.map((e) => [e.path, e.code]), [['/popup', 'conflict']]);
  assert.equal((await admin(s, '/v1/config')).json.popup, true);
  // popup alone sets both.
  c = await admin(s, '/v1/config', { method: 'PATCH', body: { popup: false } });
  assert.equal(c.status, 200);
  assert.equal(c.json.enabled, false);
  r = await post(s, recordV2());
  assert.equal(r.status, 403);
  assert.equal(count(s, 'ratings'), 1);

  // It holds across a restart.
  await s.stop();
  const s2 = await startCollector(t, { db: s.db, dir: s.dir, enable: false });
  assert.equal((await post(s2, recordV2())).status, 403);
});

test('an upgraded store that already holds ratings keeps collecting (the old default, written down)', async (t) => {
  // A SQLite store of version 4 (PostgreSQL stores start at version 7: docs/store.md).
  const dir = tempDir(t);
  const s = await startCollector(t, { dir, db: sqliteFile(dir) });
  assert.equal((await post(s, recordV2())).status, 200);
  await s.stop();
  // Back to what a schema 4 collector left: no site row, no rating_requests table.
  sqlite(s.db, 'DELETE FROM site; DROP TABLE rating_requests; DROP TABLE session_events; DROP TABLE webhook_outbox; ALTER TABLE ratings DROP COLUMN context_trust; PRAGMA user_version = 4;');
  const s2 = await startCollector(t, { db: s.db, dir: s.dir, enable: false });
  assert.equal((await admin(s2, '/v1/config')).json.enabled, true);
  assert.equal((await post(s2, recordV2())).status, 200);
  assert.equal(count(s2, 'rating_requests'), 0);
});

test('config API: requests and webhooks validated as a whole; secrets write only and kept when omitted', async (t) => {
  const s = await startCollector(t, { args: TOKEN_ARGS });
  let c = await admin(s, '/v1/config', {
    method: 'PATCH',
    body: {
      requests: { cooldown_days: 366, unsupported_channels: ['Voice!'] },
      webhooks: [{ id: 'crm', url: 'ftp://x', secret: 'short', events: ['rating.deleted'] },
        { url: 'https://hooks.example/a' }],
      popup: 'yes',
      extra: 1,
    },
  });
  assert.equal(c.status, 400);
  const paths = c.json.errors.map((e) => e.path).sort();
  assert.deepEqual(paths, ['/extra', '/popup', '/requests/cooldown_days', '/requests/unsupported_channels/0',
    '/webhooks/0/events', '/webhooks/0/secret', '/webhooks/0/url', '/webhooks/1/id', '/webhooks/1/secret'].sort());
  assert.deepEqual((await admin(s, '/v1/config')).json.webhooks, []);

  const secret = 'whsec-0123456789abcdef';
  c = await admin(s, '/v1/config', {
    method: 'PATCH',
    body: {
      requests: { cooldown_days: 3, unsupported_channels: ['voice'] },
      webhooks: [{ id: 'crm', url: 'https://hooks.example/rating', secret }],
    },
  });
  assert.equal(c.status, 200, c.text);
  assert.deepEqual(c.json.requests, { cooldown_days: 3, unsupported_channels: ['voice'] });
  assert.deepEqual(c.json.webhooks, [{ id: 'crm', url: 'https://hooks.example/rating', events: ['rating.revision', 'rating.final'], secret_set: true }]);
  assert.ok(!c.text.includes(secret));
  const g = await call(s, '/v1/config', { token: TOKENS.read });
  assert.equal(g.status, 200);
  assert.ok(!g.text.includes(secret), 'the secret is never shown');
  // Sending GET's document back (secret_set, updated_at) keeps the secret.
  c = await admin(s, '/v1/config', { method: 'PATCH', body: { ...g.json, webhooks: [{ ...g.json.webhooks[0], events: ['rating.final'] }] } });
  assert.equal(c.status, 200, c.text);
  assert.ok(sqlite(s.db, 'SELECT doc FROM site').includes(secret));
  // A new endpoint needs its secret; ids are unique.
  c = await admin(s, '/v1/config', { method: 'PATCH', body: { webhooks: [{ id: 'crm', url: 'https://a.example' }, { id: 'new', url: 'https://b.example' }] } });
  assert.equal(c.status, 400);
  assert.deepEqual(c.json.errors.map((e) => e.path), ['/webhooks/1/secret']);
  c = await admin(s, '/v1/config', { method: 'PATCH', body: { webhooks: [{ id: 'crm', url: 'https://a.example', secret }, { id: 'crm', url: 'https://b.example', secret }] } });
  assert.equal(c.status, 400);
  assert.deepEqual(c.json.errors.map((e) => [e.path, e.code]), [['/webhooks/1/id', 'conflict']]);
  // Restart: the stored document (with the secret) loads again.
  await s.stop();
  const s2 = await startCollector(t, { db: s.db, dir: s.dir, enable: false });
  const after = await admin(s2, '/v1/config');
  assert.deepEqual(after.json.webhooks, [{ id: 'crm', url: 'https://hooks.example/rating', events: ['rating.final'], secret_set: true }]);
  assert.equal(after.json.requests.cooldown_days, 3);
});

test('scopes: each token reaches its routes only (401 without a known token, 403 insufficient_scope); admin reaches all; no token in the log', async (t) => {
  // Dozens of wrong tokens from one address on purpose: the failed-login throttle (issue 13,
  // security.test.mjs) is off here so that every answer is the route's own.
  const s = await startCollector(t, { args: [...TOKEN_ARGS, '--auth-failures', '0'] });
  const routes = [
    ['read', 'GET', '/v1/ratings'],
    ['read', 'GET', '/v1/insights'],
    ['read', 'GET', '/v1/export.jsonl'],
    ['read', 'GET', '/v1/sessions/chat-9'],
    ['read', 'GET', '/v1/config'],
    ['write', 'PATCH', '/v1/config', {}],
    ['agent', 'POST', '/v1/sessions/chat-9/rating-requests', { agent_id: 'a1' }],
    ['agent', 'GET', '/v1/sessions/chat-9/rating-requests?agent_id=a1'],
    ['agent', 'GET', '/v1/sessions/chat-9/timeline'],
    ['server', 'POST', '/v1/sessions/chat-9/feedback', { rating: true }],
    ['server', 'POST', '/v1/sessions/chat-9/end'],
  ];
  const holds = { read: ['read'], write: ['read', 'write'], agent: ['agent'], server: ['server'] };
  for (const [scope, method, path, body] of routes) {
    for (const [name, token] of Object.entries(TOKENS)) {
      const r = await call(s, path, { method, body, token });
      const label = `${name} token on ${method} ${path}: ${r.status} ${r.text.slice(0, 120)}`;
      if (holds[name].includes(scope)) {
        assert.ok(r.status < 400 || r.status === 409, label);
      } else {
        assert.equal(r.status, 403, label);
        const code = r.json.errors ? r.json.errors[0].code : r.json.error.split(':')[0];
        assert.equal(code, 'insufficient_scope', label);
        if (r.json.errors) assert.match(r.json.errors[0].message, new RegExp(scope));
      }
    }
    for (const token of [null, 'not-a-token-0123456789', WRITE_KEY, TOKENS.read.slice(0, -1), TOKENS.read + 'x']) {
      const r = await call(s, path, { method, body, token });
      assert.equal(r.status, 401, `${token} on ${method} ${path}`);
    }
    const r = await call(s, path, { method, body, token: ADMIN_TOKEN });
    assert.ok(r.status < 400 || r.status === 409, `admin on ${method} ${path}: ${r.status}`);
  }
  // GET /v1/token says what a token holds (the dashboard turns read-only on it).
  for (const [name, token] of Object.entries(TOKENS)) {
    const r = await call(s, '/v1/token', { token });
    assert.equal(r.status, 200, name);
    assert.deepEqual(r.json.scopes, holds[name], name);
  }
  assert.deepEqual((await call(s, '/v1/token', { token: ADMIN_TOKEN })).json.scopes,
                   ['read', 'write', 'agent', 'server']);
  assert.equal((await call(s, '/v1/token', { token: WRITE_KEY })).status, 401);
  // Tokens only in the Authorization header: ?key= with a token is not one.
  assert.equal((await call(s, `/v1/config?key=${TOKENS.read}`)).status, 401);
  // The test clock stays admin only.
  for (const token of Object.values(TOKENS))
    assert.equal((await call(s, '/v1/test/clock', { method: 'PUT', body: { offset_ms: 0 }, token })).status, 401);
  await s.stop();
  const log = s.lines.join('\n');
  for (const token of [...Object.values(TOKENS), ADMIN_TOKEN, WRITE_KEY])
    assert.ok(!log.includes(token), `${token} in the log`);
});

test('--token: scope and length checked at start', () => {
  for (const [flag, message] of [['root:0123456789abcdefgh', /read, write, agent or server/],
    ['read:short', /at least 16/], ['0123456789abcdefgh', /SCOPE:TOKEN/]]) {
    const r = spawnSync(COLLECTOR, ['--listen', '127.0.0.1:0', '--db', '/tmp/never.sqlite3',
      '--write-key', WRITE_KEY, '--admin-token', ADMIN_TOKEN, '--token', flag], { encoding: 'utf8' });
    assert.equal(r.status, 2, flag);
    assert.match(r.stderr, message);
  }
});

test('rating requests: 201, a repeat 409 already_requested with next_allowed_at and Retry-After, another agent 201, 201 again after the cooldown on the server clock', async (t) => {
  const s = await startCollector(t, { args: TOKEN_ARGS });
  const path = '/v1/sessions/chat-42/rating-requests';
  let r = await agent(s, path, { method: 'POST', body: { agent_id: 'agent-7', channel: 'chat' } });
  assert.equal(r.status, 201, r.text);
  const first = r.json;
  assert.match(first.request_id, /^rr-[0-9a-f]{20}$/);
  assert.equal(first.session_id, 'chat-42');
  assert.equal(first.agent_id, 'agent-7');
  assert.equal(first.channel, 'chat');
  assert.ok(Math.abs(first.requested_at - Date.now()) < 5000);
  assert.equal(first.next_allowed_at, first.requested_at + 7 * DAY);

  // The same agent again (another device or browser changes nothing: the rule is stored).
  r = await agent(s, path, { method: 'POST', body: { agent_id: 'agent-7' } });
  assert.equal(r.status, 409, r.text);
  assert.deepEqual(r.json.errors.map((e) => [e.path, e.code]), [['/agent_id', 'already_requested']]);
  assert.equal(r.json.next_allowed_at, first.requested_at + 7 * DAY);
  const retry = Number(r.headers.get('retry-after'));
  assert.ok(retry > 7 * 86400 - 10 && retry <= 7 * 86400, `Retry-After ${retry}`);
  // The button state.
  let b = await agent(s, `${path}?agent_id=agent-7`);
  assert.equal(b.status, 200);
  assert.deepEqual(b.json, { session_id: 'chat-42', agent_id: 'agent-7', can_request: false,
    next_allowed_at: first.requested_at + 7 * DAY, last_requested_at: first.requested_at });
  b = await agent(s, `${path}?agent_id=agent-8`);
  assert.deepEqual(b.json, { session_id: 'chat-42', agent_id: 'agent-8', can_request: true,
    next_allowed_at: null, last_requested_at: null });
  // Another agent of the same conversation, and the same agent in another one.
  r = await agent(s, path, { method: 'POST', body: { agent_id: 'agent-8' } });
  assert.equal(r.status, 201, r.text);
  r = await agent(s, '/v1/sessions/chat-43/rating-requests', { method: 'POST', body: { agent_id: 'agent-7' } });
  assert.equal(r.status, 201);

  // Bad input.
  for (const [body, where] of [[{}, '/agent_id'], [{ agent_id: 'a b' }, '/agent_id'],
    [{ agent_id: 'a1', channel: 'Voice!' }, '/channel'], [{ agent_id: 'a1', extra: 1 }, '/extra']]) {
    r = await agent(s, path, { method: 'POST', body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.errors[0].path, where);
  }
  assert.equal((await agent(s, path, { method: 'POST', raw: '{' })).status, 400);
  assert.equal((await agent(s, '/v1/sessions/bad%20id/rating-requests', { method: 'POST', body: { agent_id: 'a1' } })).status, 400);
  assert.equal((await agent(s, path)).status, 400);  // GET without agent_id
  assert.equal((await agent(s, `${path}?agent_id=a1&x=1`)).status, 400);
  assert.equal((await agent(s, '/v1/sessions/chat-42/nothing')).status, 404);
  // A channel the site marks as unable to show a prompt.
  await admin(s, '/v1/config', { method: 'PATCH', body: { requests: { unsupported_channels: ['voice'] } } });
  r = await agent(s, path, { method: 'POST', body: { agent_id: 'agent-9', channel: 'voice' } });
  assert.equal(r.status, 422);
  assert.deepEqual(r.json.errors.map((e) => [e.path, e.code]), [['/channel', 'channel_not_supported']]);
  assert.equal(count(s, 'rating_requests'), 3);

  // The rule holds over a restart, and opens on the server's clock after 7 days.
  await s.stop();
  const s2 = await startCollector(t, { db: s.db, dir: s.dir, args: TOKEN_ARGS });
  r = await agent(s2, path, { method: 'POST', body: { agent_id: 'agent-7' } });
  assert.equal(r.status, 409);
  await setClock(s2, 7 * DAY - 60_000);
  assert.equal((await agent(s2, path, { method: 'POST', body: { agent_id: 'agent-7' } })).status, 409);
  await setClock(s2, 7 * DAY + 1000);
  b = await agent(s2, `${path}?agent_id=agent-7`);
  assert.equal(b.json.can_request, true);
  assert.equal(b.json.next_allowed_at, null);
  r = await agent(s2, path, { method: 'POST', body: { agent_id: 'agent-7' } });
  assert.equal(r.status, 201, r.text);
  assert.ok(r.json.requested_at >= first.requested_at + 7 * DAY);
  // The cooldown is configurable: 0 days lets the agent ask again at once.
  await admin(s2, '/v1/config', { method: 'PATCH', body: { requests: { cooldown_days: 0 } } });
  assert.equal((await agent(s2, path, { method: 'POST', body: { agent_id: 'agent-7' } })).status, 201);
});

test('timeline: requests, rating received, changed and finalised in time order, with sentiment', async (t) => {
  const s = await startCollector(t, { args: TOKEN_ARGS });
  const session = 'chat-77';
  let r = await agent(s, `/v1/sessions/${session}/rating-requests`, { method: 'POST', body: { agent_id: 'agent-7' } });
  assert.equal(r.status, 201);
  const requested = r.json;
  await new Promise((res) => setTimeout(res, 5));
  const rec = recordV2({ session_id: session, agent_id: 'agent-7', rater_id: 'visitor-1', answers: [{ scale: 'thumbs', score: 1 }] });
  assert.equal((await post(s, rec)).status, 200);
  await new Promise((res) => setTimeout(res, 5));
  const rec2 = { ...rec, revision: 2, answers: [{ ...rec.answers[0], score: 0, positive: false, sentiment: 'negative' }] };
  r = await post(s, rec2);
  assert.equal(r.json.results[0].status, 'accepted', r.text);
  let tl = await agent(s, `/v1/sessions/${session}/timeline`);
  assert.equal(tl.status, 200);
  assert.equal(tl.json.session_id, session);
  assert.deepEqual(tl.json.events.map((e) => e.type), ['rating_requested', 'rating_received', 'rating_changed']);
  const [ev0, ev1, ev2] = tl.json.events;
  assert.deepEqual(ev0, { type: 'rating_requested', at: requested.requested_at, agent_id: 'agent-7', channel: 'chat', request_id: requested.request_id });
  assert.equal(ev1.rating_id, rec.rating_id);
  assert.equal(ev1.revision, 1);
  assert.equal(ev1.rater_id, 'visitor-1');
  assert.equal(ev1.agent_id, 'agent-7');
  assert.equal(ev1.sentiment, 'positive');
  assert.deepEqual(ev1.answers, [{ question: 'overall', scale: 'thumbs', score: 1, sentiment: 'positive' }]);
  assert.equal(ev2.revision, 2);
  assert.equal(ev2.sentiment, 'negative');
  assert.ok(ev0.at <= ev1.at && ev1.at <= ev2.at);
  // After the window (1 h by default) the rating is final.
  await setClock(s, 3600_000 + 1000);
  tl = await agent(s, `/v1/sessions/${session}/timeline`);
  assert.deepEqual(tl.json.events.map((e) => e.type), ['rating_requested', 'rating_received', 'rating_changed', 'rating_finalised']);
  const fin = tl.json.events[3];
  assert.equal(fin.rating_id, rec.rating_id);
  assert.equal(fin.revision, 2);
  assert.ok(fin.at >= ev2.at);
  // An unknown session has an empty timeline; a read token may not see who asked.
  tl = await agent(s, '/v1/sessions/nobody/timeline');
  assert.deepEqual(tl.json, { session_id: 'nobody', events: [] });
  assert.equal((await call(s, `/v1/sessions/${session}/timeline`, { token: TOKENS.read })).status, 403);
});

test('feedback: a thumbs rating made by the core, idempotent per (session, subject, rater), a change is revision 2, final → 409; the write key is refused', async (t) => {
  const s = await startCollector(t, { args: TOKEN_ARGS });
  const path = '/v1/sessions/llm-1/feedback';
  const body = { rating: true, rater_id: 'user-1', subject_id: 'msg-1', properties: { model: 'm-large' } };
  let r = await server(s, path, { method: 'POST', body });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.error, null);
  const d = r.json.data;
  assert.match(d.rating_id, /^rt-[0-9a-f]{32}$/);
  assert.deepEqual({ ...d, rating_id: 'x' }, { rating_id: 'x', session_id: 'llm-1', rater_id: 'user-1', subject_id: 'msg-1', rating: true, revision: 1, created: true });
  // Same triple, same value: nothing changes.
  r = await server(s, path, { method: 'POST', body });
  assert.deepEqual(r.json, { data: { ...d, created: false }, error: null });
  assert.equal(count(s, 'revisions'), 1);
  // Another value: revision 2 of the same rating.
  r = await server(s, path, { method: 'POST', body: { ...body, rating: false } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data, { ...d, rating: false, revision: 2, created: true });
  // Another rater is another rating; no rater and subject: the session's own.
  r = await server(s, path, { method: 'POST', body: { rating: true, rater_id: 'user-2', subject_id: 'msg-1' } });
  assert.notEqual(r.json.data.rating_id, d.rating_id);
  r = await server(s, path, { method: 'POST', body: { rating: true } });
  assert.equal(r.json.data.rating_id, 'llm-1');
  assert.equal(r.json.data.rater_id, null);

  const listed = await admin(s, '/v1/ratings?session_id=llm-1&rater_id=user-1');
  assert.equal(listed.json.ratings.length, 1);
  const stored = listed.json.ratings[0];
  assert.equal(stored.revision, 2);
  assert.deepEqual(stored.properties, { model: 'm-large' });
  assert.equal(stored.answers[0].scale, 'thumbs');
  assert.equal(stored.answers[0].score, 0);
  assert.equal(stored.answers[0].sentiment, 'negative');
  // Every stored revision passes the core's validation (the CLI reads them strictly).
  if (CLI) {
    const file = join(s.dir, 'export.jsonl');
    writeFileSync(file, (await admin(s, '/v1/export.jsonl')).text);
    const cli = spawnSync(CLI, ['insights', '--strict', file], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(JSON.parse(cli.stdout).ratings, 3);
  }

  // Errors keep the {"data", "error"} shape.
  for (const [b, where] of [[{}, '/rating'], [{ rating: 1 }, '/rating'], [{ rating: true, rater_id: 'a b' }, '/rater_id'],
    [{ rating: true, other: 1 }, '/other'], [{ rating: true, properties: { 'Bad Key': 1 } }, '/properties']]) {
    r = await server(s, path, { method: 'POST', body: b });
    assert.equal(r.status, 400, JSON.stringify(b));
    assert.equal(r.json.data, null);
    assert.ok(r.json.error.includes(where), `${r.json.error} names ${where}`);
  }
  r = await server(s, path, { method: 'POST', raw: 'not json' });
  assert.equal(r.status, 400);
  assert.equal(r.json.data, null);
  for (const token of [WRITE_KEY, null, TOKENS.agent]) {
    r = await call(s, path, { method: 'POST', body, token });
    assert.equal(r.status, token === TOKENS.agent ? 403 : 401);
    assert.equal(r.json.data, null);
    assert.equal(typeof r.json.error, 'string');
  }
  // After the window the rating is final: another value is refused, the same one answered.
  await setClock(s, 3600_000 + 1000);
  r = await server(s, path, { method: 'POST', body: { ...body, rating: true } });
  assert.equal(r.status, 409, r.text);
  assert.match(r.json.error, /^finalised/);
  r = await server(s, path, { method: 'POST', body: { ...body, rating: false } });
  assert.equal(r.status, 200);
  assert.equal(r.json.data.revision, 2);
  assert.equal(r.json.data.created, false);
  assert.equal(count(s, 'revisions'), 4);
});

// The once-per-agent-per-session cooldown with several processes (issue 15, docs/store.md):
// the check and the insert run in one transaction that takes the (session, agent) lock, so
// 20 requests of one agent for one session sent at once to two processes (four write
// connections each) store exactly one; the other 19 are 409 already_requested.
test('two processes: 20 simultaneous rating requests of one agent for one session store exactly one', {
  skip: TEST_DB === 'postgres' ? false : 'needs SR_TEST_DB=postgres (two processes, one database)',
}, async (t) => {
  const a = await startCollector(t, { args: TOKEN_ARGS });
  const b = await startCollector(t, { db: a.db, args: TOKEN_ARGS });
  for (let round = 0; round < 3; round++) {
    const session = `chat-race-${round}`;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      agent(i % 2 ? b : a, `/v1/sessions/${session}/rating-requests`, { method: 'POST', body: { agent_id: 'a1' } })));
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, ...Array(19).fill(409)], `round ${round}: ${statuses}`);
    assert.equal(sqlite(a.db, `SELECT count(*) FROM rating_requests WHERE session_id = '${session}'`), '1');
  }
});
