// Issue 13, trusted names and logins: DNS rebinding (Host checked against the configured
// names for every request; an Origin equal to http:// + an unknown Host gets no CORS grant),
// failed token logins throttled per client IP, token minimum 16 characters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { COLLECTOR, startCollector, record, WRITE_KEY, ADMIN_TOKEN, setClock } from './helpers.mjs';

// One request with full control of Host and the local address (fetch sets Host itself).
function request(s, { method = 'GET', path = '/healthz', headers = {}, body, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: s.port, method, path, headers, localAddress, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('DNS rebinding: a Host the collector was not configured for is refused (421 unknown_host) on every route', async (t) => {
  const s = await startCollector(t, { args: ['--public-host', 'ratings.example.com', '--public-host', 'Other.Example:8443'] });
  const rec = record();
  const rebinding = { Host: `evil.example:${s.port}`, Origin: `http://evil.example:${s.port}` };
  // The rebinding page posts a rating and reads with a token it phished: both 421, no CORS.
  let r = await request(s, { method: 'POST', path: '/v1/ratings', headers: { ...rebinding, Authorization: `Bearer ${WRITE_KEY}`, 'Content-Type': 'text/plain' }, body: JSON.stringify(rec) });
  assert.equal(r.status, 421, r.text);
  assert.equal(r.json.errors[0].code, 'unknown_host');
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  for (const path of ['/healthz', '/v1/ratings', '/v1/widget-config', '/dashboard/', '/nope']) {
    r = await request(s, { path, headers: { ...rebinding, Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(r.status, 421, `${path}: ${r.text}`);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  }
  r = await request(s, { method: 'OPTIONS', path: '/v1/ratings', headers: { ...rebinding, 'Access-Control-Request-Method': 'POST' } });
  assert.equal(r.status, 421);
  assert.equal(r.headers['access-control-allow-origin'], undefined);
  // Configured names: any port for a bare name, exactly the given port otherwise; case-insensitive.
  for (const host of ['ratings.example.com', `ratings.example.com:${s.port}`, 'RATINGS.example.com:1', 'other.example:8443',
    `127.0.0.1:${s.port}`, 'localhost', `localhost:${s.port}`, '[::1]:80']) {
    r = await request(s, { headers: { Host: host } });
    assert.equal(r.status, 200, `${host}: ${r.text}`);
  }
  for (const host of ['other.example', 'other.example:8444', 'ratings.example.com.evil.example', '10.0.0.1']) {
    r = await request(s, { headers: { Host: host } });
    assert.equal(r.status, 421, host);
  }
  // The collector's own page (Origin = http:// + a configured Host) still counts as same-origin.
  r = await request(s, { method: 'POST', path: '/v1/ratings', body: JSON.stringify(rec),
    headers: { Host: 'ratings.example.com', Origin: 'http://ratings.example.com', Authorization: `Bearer ${WRITE_KEY}`, 'Content-Type': 'text/plain' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['access-control-allow-origin'], 'http://ratings.example.com');
  // Nothing of the refused POST was stored: only the accepted one.
  r = await request(s, { path: '/v1/ratings', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(r.json.ratings.length, 1);
  // Refusals are logged with their own method and path.
  assert.ok(s.lines.some((l) => l.includes('"status":421') && l.includes('"path":"/v1/ratings"')));
});

test('without --public-host: the listen address and loopback names only', async (t) => {
  const s = await startCollector(t);
  assert.equal((await request(s, { headers: { Host: `127.0.0.1:${s.port}` } })).status, 200);
  assert.equal((await request(s, { headers: { Host: 'localhost' } })).status, 200);
  const r = await request(s, { path: '/v1/ratings', headers: { Host: `attacker.example:${s.port}`, Origin: `http://attacker.example:${s.port}`, Authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(r.status, 421);
  // HTTP/1.0 without Host (no browser sends that) is still served.
  const raw = await new Promise((resolve) => {
    import('node:net').then(({ default: net }) => {
      const sock = net.connect({ host: '127.0.0.1', port: s.port }, () => sock.write('GET /healthz HTTP/1.0\r\n\r\n'));
      let text = '';
      sock.on('data', (d) => { text += d; });
      sock.on('close', () => resolve(text));
    });
  });
  assert.match(raw, /^HTTP\/1\.[01] 200/);
  assert.equal(spawnSync(COLLECTOR, ['--listen', '127.0.0.1:0', '--db', ':memory:', '--write-key', 'k', '--admin-token', ADMIN_TOKEN,
    '--public-host', 'a:b:c'], { timeout: 5000 }).status, 2);
});

test('failed token logins: 10 in a minute from one IP → 429 with Retry-After on every token route for that IP', async (t) => {
  const s = await startCollector(t);
  const wrong = { Authorization: 'Bearer wrong-token-0123456789' };
  const routes = ['/v1/ratings', '/v1/insights', '/v1/config', '/v1/export.jsonl', '/v1/sessions/s-1'];
  for (let i = 0; i < 10; i++) {
    const r = await request(s, { path: routes[i % routes.length], headers: wrong });
    assert.equal(r.status, 401, `attempt ${i + 1}`);
  }
  // Successes before the limit do not count, and a known token lacking a scope is no failure:
  // covered by the counts above being exactly 10 wrong tokens.
  for (const path of routes) {
    const r = await request(s, { path, headers: wrong });
    assert.equal(r.status, 429, `${path}: ${r.text}`);
    assert.equal(r.json.errors[0].code, 'too_many_failures');
    const after = Number(r.headers['retry-after']);
    assert.ok(after >= 1 && after <= 60, `Retry-After ${after}`);
  }
  // The right token from that IP waits too (the guesser cannot learn it is right) ...
  let r = await request(s, { path: '/v1/insights', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(r.status, 429);
  // ... another client IP is not affected, and the public routes still answer the first.
  r = await request(s, { path: '/v1/insights', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, localAddress: '127.0.0.2' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await request(s, { path: '/healthz' })).status, 200);
  const rec = record();
  r = await request(s, { method: 'POST', path: '/v1/ratings', headers: { Authorization: `Bearer ${WRITE_KEY}`, 'Content-Type': 'text/plain' }, body: JSON.stringify(rec) });
  assert.equal(r.status, 200, r.text);
  // A minute later (the collector's clock) the IP may try again.
  await setClock(s, 61_000).catch(() => {}); // PUT /v1/test/clock is a token route: throttled too
  r = await request(s, { method: 'PUT', path: '/v1/test/clock', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, body: '{"offset_ms":61000}', localAddress: '127.0.0.2' });
  assert.equal(r.status, 200, r.text);
  r = await request(s, { path: '/v1/insights', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(r.status, 200, r.text);
});

test('successful logins neither count nor reset the count (--auth-failures 3)', async (t) => {
  const s = await startCollector(t, { args: ['--auth-failures', '3'] });
  const ok = { Authorization: `Bearer ${ADMIN_TOKEN}` };
  for (let i = 0; i < 20; i++) assert.equal((await request(s, { path: '/v1/insights', headers: ok })).status, 200);
  for (let i = 0; i < 2; i++) assert.equal((await request(s, { path: '/v1/insights', headers: { Authorization: 'Bearer nope' } })).status, 401);
  assert.equal((await request(s, { path: '/v1/insights', headers: ok })).status, 200);
  assert.equal((await request(s, { path: '/v1/insights' })).status, 401); // no token at all counts too
  assert.equal((await request(s, { path: '/v1/insights', headers: ok })).status, 429);
});

test('tokens need 16 characters: --admin-token and --token', () => {
  // A collector that accepted the token would start and listen: the timeout ends it (status null).
  const run = (args) => spawnSync(COLLECTOR, ['--listen', '127.0.0.1:0', '--db', ':memory:', '--write-key', 'k', ...args],
    { encoding: 'utf8', timeout: 5000 });
  let r = run(['--admin-token', '123456789012345']); // 15
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /at least 16 characters/);
  r = run(['--admin-token', ADMIN_TOKEN, '--token', 'read:123456789012345']);
  assert.equal(r.status, 2, r.stderr);
  r = run(['--admin-token', 'has a space 0123456']);
  assert.equal(r.status, 2, r.stderr);
});
