// Issue 13, a full disk for real: the collector runs with a small RLIMIT_FSIZE (prlimit, with
// SIGXFSZ ignored so a write past it fails with EFBIG instead of killing the process), ratings
// are posted until writes fail, /healthz must say 503 degraded; the limit is then lifted from
// outside (prlimit --pid), /healthz recovers after the next successful write, and every
// acknowledged rating is in the store with PRAGMA integrity_check ok.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startCollector, record, post, sqlite, sqliteFile, tempDir } from './helpers.mjs';

const health = async (s) => {
  const r = await fetch(`${s.url}/healthz`);
  return { status: r.status, json: await r.json() };
};

test('disk full: 500 storage_error, /healthz 503 degraded, recovery once writes succeed, nothing acknowledged lost', async (t) => {
  if (spawnSync('prlimit', ['--version']).status !== 0) throw new Error('prlimit (util-linux) is needed');
  // Limit in bytes: the fresh store (schema, WAL, the enable PATCH) fits; a few hundred
  // ratings with padded comments do not.
  const limit = 1536 * 1024;
  // The limit binds the collector's own writes: SQLite's file (a PostgreSQL server is another
  // process; its full disk needs a test of its own, docs/store.md).
  const dir = tempDir(t);
  const s = await startCollector(t, {
    dir, db: sqliteFile(dir),
    wrap: ['sh', '-c', `trap '' XFSZ; exec prlimit --fsize=${limit}:unlimited -- "$@"`, 'sh'],
    args: ['--quiet'],
  });
  assert.equal((await health(s)).status, 200);
  const acknowledged = [];
  let failed = null;
  for (let i = 0; i < 3000 && !failed; i++) {
    const rec = record({ score: 1, problems: [], comment: `padding ${i} ` + 'x'.repeat(900) });
    const r = await post(s, rec);
    if (r.status === 200) {
      assert.equal(r.json.results[0].status, 'accepted', r.text);
      acknowledged.push(rec.rating_id);
    } else {
      failed = r;
    }
  }
  assert.ok(failed, 'writes never failed: the file size limit did not bite');
  assert.equal(failed.status, 500, failed.text);
  assert.equal(failed.json.errors[0].code, 'storage_error');
  assert.ok(acknowledged.length > 10, `only ${acknowledged.length} stored before the limit`);
  assert.equal(s.proc.exitCode, null, 'the collector survived (SIGXFSZ ignored)');
  t.diagnostic(`${acknowledged.length} ratings acknowledged before the first storage_error`);

  let h = await health(s);
  assert.equal(h.status, 503, JSON.stringify(h.json));
  assert.equal(h.json.status, 'degraded');
  assert.ok(h.json.writes.failures >= 1);
  assert.equal(typeof h.json.writes.last_error, 'string');
  // Still degraded a while later, whatever the periodic jobs did meanwhile (they change nothing).
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal((await health(s)).status, 503);

  // Space again: lift the limit of the running process.
  const lift = spawnSync('prlimit', ['--pid', String(s.proc.pid), '--fsize=unlimited:unlimited']);
  assert.equal(lift.status, 0, String(lift.stderr));
  const after = record({ score: 4 });
  let r;
  for (let k = 0; k < 20; k++) { // the first write after an I/O error may still be refused once
    r = await post(s, after);
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(r.status, 200, r.text);
  acknowledged.push(after.rating_id);
  h = await health(s);
  assert.equal(h.status, 200, JSON.stringify(h.json));
  assert.equal(h.json.status, 'ok');

  const exit = await s.stop();
  assert.equal(exit.code, 0);
  assert.equal(sqlite(s.db, 'PRAGMA integrity_check'), 'ok');
  const stored = new Set(sqlite(s.db, 'SELECT rating_id FROM ratings').split('\n'));
  const missing = acknowledged.filter((id) => !stored.has(id));
  assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged ratings missing`);
});
