// Signed context (issue 13, "Trusted context"; docs/security.md "Signed context"): with
// --context-secret the collector verifies each rating's context_signature when its first
// revision is stored and records the trust (none | signed | unsigned | invalid | expired) in
// the ratings row; internal is honoured only when signed; a signed rating keeps its agent_id
// and internal. The tokens here are computed independently with node:crypto from the
// contract (payload = JSON array, HMAC-SHA256, base64url without padding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COLLECTOR, CLI, WRITE_KEY, ADMIN_TOKEN, startCollector, recordV2, answer, post, admin, setClock,
  sqlite, sqliteFile, tempDir, SCHEMA_VERSION,
} from './helpers.mjs';

const SECRET = 'k'.repeat(16) + '0123456789abcdef';        // 32 characters
const SECRET_2 = 'second-site-secret-for-rotation-0001';    // 36 characters
const OTHER = 'a-secret-the-collector-does-not-know-xx';

// The contract's token: sr1.<exp>.<base64url(HMAC-SHA256(secret, payload))>.
function token(secret, exp, r) {
  const payload = JSON.stringify(['sr1', exp, r.session_id, r.rater_id ?? null,
    r.subject_id ?? null, r.agent_id ?? null, r.internal ?? false]);
  return `sr1.${exp}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

// A record whose context is signed with `secret` (expiring in `ttl` ms from now).
function signed(over = {}, { secret = SECRET, ttl = 3600_000 } = {}) {
  const r = recordV2({ rater_id: 'u-7', agent_id: 'agent-4', internal: true, ...over });
  return { ...r, context_signature: token(secret, Date.now() + ttl, r) };
}

const statusOf = (res) => res.json.results[0].status;

async function trustOf(server, ratingId) {
  const list = await admin(server, '/v1/ratings?limit=1000');
  assert.equal(list.status, 200);
  const row = list.json.ratings.find((x) => x.rating_id === ratingId);
  assert.ok(row, `rating ${ratingId} listed`);
  return row.context_trust;
}

test('each trust value is stored and shown: signed, unsigned, invalid (wrong secret, tampered internal), expired, none', async (t) => {
  const server = await startCollector(t, { args: ['--context-secret', SECRET] });

  const good = signed();
  const unsigned = recordV2({ internal: true, agent_id: 'agent-4' });
  const wrongKey = signed({}, { secret: OTHER });
  const tampered = (() => {
    const r = signed({ internal: false });       // signed as a visitor's rating ...
    return { ...r, internal: true };             // ... posted as internal
  })();
  const otherAgent = { ...signed(), agent_id: 'agent-5' };
  const shortLived = signed({}, { ttl: 60_000 });

  for (const r of [good, unsigned, wrongKey, tampered, otherAgent]) {
    const res = await post(server, r);
    assert.equal(res.status, 200, res.text);          // nothing is refused for trust reasons
    assert.equal(statusOf(res), 'accepted');
  }
  await setClock(server, 120_000);                     // the collector's clock passes exp
  const late = await post(server, shortLived);
  assert.equal(statusOf(late), 'accepted');

  assert.equal(await trustOf(server, good.rating_id), 'signed');
  assert.equal(await trustOf(server, unsigned.rating_id), 'unsigned');
  assert.equal(await trustOf(server, wrongKey.rating_id), 'invalid');
  assert.equal(await trustOf(server, tampered.rating_id), 'invalid');
  assert.equal(await trustOf(server, otherAgent.rating_id), 'invalid');
  assert.equal(await trustOf(server, shortLived.rating_id), 'expired');

  // The row keeps the record as stored (signature included) with context_trust last.
  const list = await admin(server, `/v1/ratings?session_id=${good.session_id}`);
  const row = list.json.ratings[0];
  assert.equal(row.context_signature, good.context_signature);
  assert.deepEqual(Object.keys(row).slice(-2), ['context_signature', 'context_trust']);
  // The session view carries it too, and the stored column says the same.
  const view = await admin(server, `/v1/sessions/${good.session_id}`);
  assert.equal(view.status, 200, view.text);
  assert.equal(view.json.ratings[0].context_trust, 'signed');
  assert.equal(sqlite(server.db, `SELECT context_trust FROM ratings WHERE rating_id = '${tampered.rating_id}'`), 'invalid');

  // Without a secret: "none", whatever the record carries.
  const plain = await startCollector(t);
  const r = signed();
  assert.equal(statusOf(await post(plain, r)), 'accepted');
  assert.equal(await trustOf(plain, r.rating_id), 'none');
});

test('the trust of a rating is decided by its first stored revision', async (t) => {
  const server = await startCollector(t, { args: ['--context-secret', SECRET] });
  const first = recordV2({ internal: false, agent_id: 'agent-4' });
  assert.equal(statusOf(await post(server, first)), 'accepted');
  const second = { ...first, revision: 2, answers: [answer({ score: 4 })] };
  second.context_signature = token(SECRET, Date.now() + 3600_000, second);
  assert.equal(statusOf(await post(server, second)), 'accepted');
  assert.equal(await trustOf(server, first.rating_id), 'unsigned');
});

test('rotation: a token made with any configured secret is signed; --config takes an array', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'collector.json');
  writeFileSync(config, JSON.stringify({ context_secret: [SECRET, SECRET_2] }));
  const server = await startCollector(t, { dir, args: ['--config', config] });
  const old = signed({}, { secret: SECRET });
  const fresh = signed({}, { secret: SECRET_2 });
  const unknown = signed({}, { secret: OTHER });
  for (const r of [old, fresh, unknown]) assert.equal(statusOf(await post(server, r)), 'accepted');
  assert.equal(await trustOf(server, old.rating_id), 'signed');
  assert.equal(await trustOf(server, fresh.rating_id), 'signed');
  assert.equal(await trustOf(server, unknown.rating_id), 'invalid');

  // Repeated flags do the same.
  const flags = await startCollector(t, { args: ['--context-secret', SECRET, '--context-secret', SECRET_2] });
  const r = signed({}, { secret: SECRET_2 });
  assert.equal(statusOf(await post(flags, r)), 'accepted');
  assert.equal(await trustOf(flags, r.rating_id), 'signed');
});

test('a context secret shorter than 32 characters stops the collector at start (exit 2)', () => {
  const dir = tempDir();
  const base = ['--listen', '127.0.0.1:0', '--db', join(dir, 'x.sqlite3'), '--write-key', WRITE_KEY,
    '--admin-token', ADMIN_TOKEN];
  const flag = spawnSync(COLLECTOR, [...base, '--context-secret', 'x'.repeat(31)], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /context-secret.*32/);
  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ context_secret: ['y'.repeat(40), 'short'] }));
  const file = spawnSync(COLLECTOR, [...base, '--config', config], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(file.status, 2);
  assert.match(file.stderr, /context-secret.*32/);
});

test('internal is left out of insights only when signed (with a secret); always without one', async (t) => {
  const server = await startCollector(t, { args: ['--context-secret', SECRET] });
  const records = [
    signed({ answers: [{ score: 1 }] }),                                   // staff, signed: excluded
    recordV2({ internal: true, answers: [{ score: 5 }] }),                 // unsigned claim: counted
    { ...signed({ internal: false, answers: [{ score: 5 }] }), internal: true },  // tampered: counted
    recordV2({ answers: [{ score: 5 }] }),                                 // a visitor
  ];
  for (const r of records) assert.equal(statusOf(await post(server, r)), 'accepted');
  for (const engine of ['fast', 'core']) {
    const ins = await admin(server, `/v1/insights?engine=${engine}`);
    assert.equal(ins.status, 200, ins.text);
    assert.equal(ins.json.excluded_internal, 1, engine);
    assert.equal(ins.json.ratings, 3, engine);
    assert.equal(ins.json.csat, 1, engine);   // the signed 1-star rating is not counted
  }

  const plain = await startCollector(t);
  for (const r of records) assert.equal(statusOf(await post(plain, r)), 'accepted');
  for (const engine of ['fast', 'core']) {
    const ins = await admin(plain, `/v1/insights?engine=${engine}`);
    assert.equal(ins.json.excluded_internal, 3, engine);   // trust "none": taken as sent
    assert.equal(ins.json.ratings, 1, engine);
  }
});

test('a later revision of a signed rating must keep agent_id and internal (409 identity_mismatch)', async (t) => {
  const server = await startCollector(t, { args: ['--context-secret', SECRET] });
  const first = signed();
  assert.equal(statusOf(await post(server, first)), 'accepted');

  const flipInternal = { ...first, revision: 2, internal: false };
  const res = await post(server, flipInternal);
  assert.equal(res.status, 409, res.text);
  assert.equal(statusOf(res), 'identity_mismatch');
  assert.equal(res.json.results[0].errors[0].path, '/internal');

  const flipAgent = { ...first, revision: 2, agent_id: 'agent-9' };
  const res2 = await post(server, flipAgent);
  assert.equal(res2.status, 409);
  assert.equal(res2.json.results[0].errors[0].path, '/agent_id');

  // Signatures of later revisions are not checked again: a revision that keeps the fields
  // (here without any signature) is stored, and the rating stays signed.
  const { context_signature: _, ...unsignedRev } = { ...first, revision: 2, answers: [answer({ score: 4 })] };
  assert.equal(statusOf(await post(server, unsignedRev)), 'accepted');
  assert.equal(await trustOf(server, first.rating_id), 'signed');

  // An unsigned rating may change its internal claim (it is not honoured anyway).
  const loose = recordV2({ internal: false });
  assert.equal(statusOf(await post(server, loose)), 'accepted');
  assert.equal(statusOf(await post(server, { ...loose, revision: 2, internal: true })), 'accepted');
});

test('GET /v1/ratings?context_trust= filters; a bad value is 400 at /query/context_trust', async (t) => {
  const server = await startCollector(t, { args: ['--context-secret', SECRET] });
  const good = signed();
  const bare = recordV2();
  const bad = signed({}, { secret: OTHER });
  for (const r of [good, bare, bad]) assert.equal(statusOf(await post(server, r)), 'accepted');
  const ids = async (value) => (await admin(server, `/v1/ratings?context_trust=${value}`)).json.ratings
    .map((r) => r.rating_id);
  assert.deepEqual(await ids('signed'), [good.rating_id]);
  assert.deepEqual(await ids('unsigned'), [bare.rating_id]);
  assert.deepEqual(await ids('invalid'), [bad.rating_id]);
  assert.deepEqual(await ids('expired'), []);
  assert.deepEqual(await ids('none'), []);
  const wrong = await admin(server, '/v1/ratings?context_trust=trusted');
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.errors[0].path, '/query/context_trust');
  assert.equal(wrong.json.errors[0].code, 'invalid_value');
});

test('migration 6 → 7: a version 6 store keeps every rating, each with trust "none"', async (t) => {
  const dir = tempDir(t);
  // A SQLite store of version 6 (PostgreSQL stores start at version 7: docs/store.md).
  const first = await startCollector(t, { dir, db: sqliteFile(dir) });
  const kept = [recordV2({ internal: true }), recordV2(), recordV2({ agent_id: 'agent-4' })];
  for (const r of kept) assert.equal(statusOf(await post(first, r)), 'accepted');
  await first.stop();
  // What a version 6 collector left: the same tables without ratings.context_trust (nor
  // webhook_outbox.lease_until, version 8).
  sqlite(first.db, 'ALTER TABLE ratings DROP COLUMN context_trust; ALTER TABLE webhook_outbox DROP COLUMN lease_until; PRAGMA user_version = 6;');
  assert.equal(sqlite(first.db, 'PRAGMA user_version'), '6');
  const before = sqlite(first.db, 'SELECT rating_id, record FROM ratings ORDER BY id');

  const second = await startCollector(t, { dir, db: first.db, args: ['--context-secret', SECRET] });
  assert.equal(sqlite(first.db, 'PRAGMA user_version'), SCHEMA_VERSION);  // 6 → 7 → … → latest
  assert.equal(sqlite(first.db, 'SELECT rating_id, record FROM ratings ORDER BY id'), before);
  assert.equal(sqlite(first.db, "SELECT count(*) FROM ratings WHERE context_trust = 'none'"), '3');
  const list = await admin(second, '/v1/ratings');
  assert.deepEqual(list.json.ratings.map((r) => r.context_trust), ['none', 'none', 'none']);
  // Stored before any secret: the internal claim is honoured as before.
  const ins = await admin(second, '/v1/insights');
  assert.equal(ins.json.excluded_internal, 1);
});

test('session-rating sign makes tokens the collector accepts as signed', async (t) => {
  if (!CLI) throw new Error('session-rating CLI is not built');
  const server = await startCollector(t, { args: ['--context-secret', SECRET] });
  const r = recordV2({ rater_id: 'u-1', subject_id: 'm-3', agent_id: 'agent-2', internal: true });
  const out = spawnSync(CLI, ['sign', '--session', r.session_id, '--rater', 'u-1', '--subject', 'm-3',
    '--agent', 'agent-2', '--internal', '--expires-in', '600'],
  { encoding: 'utf8', env: { ...process.env, SESSION_RATING_CONTEXT_SECRET: SECRET } });
  assert.equal(out.status, 0, out.stderr);
  const sig = out.stdout.trim();
  assert.match(sig, /^sr1\.\d{1,16}\.[A-Za-z0-9_-]{43}$/);
  assert.equal(statusOf(await post(server, { ...r, context_signature: sig })), 'accepted');
  assert.equal(await trustOf(server, r.rating_id), 'signed');
});

test('feedback through the server route (server token) is signed by the collector itself', async (t) => {
  const serverToken = 'server-token-0123456789';
  const server = await startCollector(t, { args: ['--context-secret', SECRET_2, '--context-secret', SECRET,
    '--token', `server:${serverToken}`] });
  const res = await fetch(`${server.url}/v1/sessions/fb-1/feedback`, {
    method: 'POST', headers: { Authorization: `Bearer ${serverToken}` }, body: JSON.stringify({ rating: true, rater_id: 'u-3' }),
  });
  assert.equal(res.status, 200, await res.text());
  const list = await admin(server, '/v1/ratings?session_id=fb-1');
  assert.equal(list.json.ratings.length, 1);
  const row = list.json.ratings[0];
  assert.equal(row.context_trust, 'signed');
  const exp = Number(row.context_signature.split('.')[1]);
  assert.equal(row.context_signature, token(SECRET_2, exp, row), 'made with the first configured secret');
});
