// Shared helpers for the collector integration tests: start the real binary on a free
// loopback port with a temp database, build valid records, call the API.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WRITE_KEY = 'test-write-key';
export const ADMIN_TOKEN = 'test-admin-token';
// The schema version the collector under test writes (store.h's kSchemaVersion).
export const SCHEMA_VERSION = '8';

function firstExisting(paths) {
  return paths.find((p) => p && existsSync(p));
}

export const COLLECTOR = firstExisting([
  process.env.SR_COLLECTOR,
  join(ROOT, 'build/native/collector/session-rating-collector'),
  join(ROOT, 'build/collector/collector/session-rating-collector'),
]);
export const CLI = firstExisting([
  process.env.SR_CLI,
  join(ROOT, 'build/native/core/session-rating'),
  join(ROOT, 'build/collector/core/session-rating'),
]);

// The demo's URL layout as --mount flags (the binary has no paths of this repository built in).
export const SITE_MOUNTS = [
  '--mount', `/dist/=${join(ROOT, 'dist')}`,
  '--mount', `/examples/script-tag/=${join(ROOT, 'examples/script-tag')}`,
  '--mount', `/examples/call-end-screen/=${join(ROOT, 'examples/call-end-screen')}`,
  '--mount', `/examples/ai-answers/=${join(ROOT, 'examples/ai-answers')}`,
  '--mount', `/dashboard/=${join(ROOT, 'collector/dashboard')}`,
];

// SR_TEST_DB=postgres (run under `scripts/pg.sh run`, which sets SR_PG_URL): every collector a
// test starts gets a fresh database on that cluster instead of a fresh SQLite file
// (docs/store.md). Anything else: SQLite.
export const TEST_DB = process.env.SR_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
let pgDatabases = 0;

// psql against `url`; returns its unaligned output (rows on lines, columns joined by '|').
export function psql(url, sql) {
  const r = spawnSync('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('psql failed: ' + r.stderr);
  return r.stdout.trim();
}

// A SQLite database file in `dir`, whatever SR_TEST_DB says: for the tests of SQLite's own
// behaviour (its migrations from versions before 7, a full disk under the database file).
export function sqliteFile(dir) {
  return join(dir, 'ratings.sqlite3');
}

// A new, empty database on the SR_PG_URL cluster; returns its URL.
export function freshPgDatabase() {
  const base = process.env.SR_PG_URL;
  if (!base) throw new Error('SR_TEST_DB=postgres needs SR_PG_URL: run the tests under scripts/pg.sh run');
  const name = `t_${process.pid}_${++pgDatabases}`;
  psql(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = '/' + name;
  return url.toString();
}

export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'sr-collector-'));
  t?.after?.(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Starts the collector; resolves once it prints its "listening" line.
// opts.db reuses a database file; opts.args adds flags; opts.wrap starts it through a command; opts.env adds environment variables; opts.enable = false leaves the ratings
// switch as the database has it (off when fresh).
export async function startCollector(t, opts = {}) {
  if (!COLLECTOR) throw new Error('session-rating-collector is not built (cmake --build build/native)');
  const dir = opts.dir ?? tempDir(t);
  const db = opts.db ?? (TEST_DB === 'postgres' ? freshPgDatabase() : join(dir, 'ratings.sqlite3'));
  const args = [
    '--listen', '127.0.0.1:0', '--db', db,
    '--write-key', WRITE_KEY, '--admin-token', ADMIN_TOKEN,
    '--test-clock', '--rate-limit', '0',
    ...(opts.args ?? []),
  ];
  // opts.wrap: a command the collector is started through (it must exec it, so that the
  // process is the collector), e.g. a shell that sets a resource limit first.
  const [cmd, ...cmdArgs] = opts.wrap ? [...opts.wrap, COLLECTOR, ...args] : [COLLECTOR, ...args];
  const proc = spawn(cmd, cmdArgs, {
    stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ? { ...process.env, ...opts.env } : process.env,
  });
  const lines = [];
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const rl = createInterface({ input: proc.stdout });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const port = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('collector did not start: ' + stderr)), 10000);
    rl.on('line', (line) => {
      lines.push(line);
      try {
        const j = JSON.parse(line);
        if (j.event === 'listening') { clearTimeout(timer); res(j.port); }
      } catch { /* not JSON */ }
    });
    exited.then(({ code }) => { clearTimeout(timer); rej(new Error(`collector exited (${code}): ${stderr}`)); });
  });
  const server = {
    proc, port, db, dir, lines, exited,
    url: `http://127.0.0.1:${port}`,
    get stderr() { return stderr; },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      return exited;
    },
  };
  t?.after?.(() => server.kill9());
  // Ratings are off on a fresh database (docs/programme.md): tests that post ratings turn
  // them on the way an operator does, unless they ask for the collector as it starts.
  if (opts.enable !== false) {
    const res = await fetch(`${server.url}/v1/config`, {
      method: 'PATCH', headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, body: '{"enabled":true}',
    });
    if (res.status !== 200) throw new Error(`PATCH /v1/config enabled: ${res.status} ${await res.text()}`);
  }
  return server;
}

const FIXED_RANGES = { stars: [1, 5], emoji: [1, 5], thumbs: [0, 1], nps: [0, 10] };

// One answer of a rating.v2 record, consistent with its scale and thresholds (contract 3):
// `over` may set question, scale, range (numeric), score, thresholds, problems, comment.
export function answer(over = {}) {
  const scale = over.scale ?? 'stars';
  const range = over.range ?? FIXED_RANGES[scale];
  const [min, max] = range;
  let th = over.thresholds;
  if (!th) {
    if (scale === 'thumbs') th = { low_score_max: 0, positive_min: 1 };
    else if (scale === 'nps') th = { low_score_max: 6, positive_min: 9 };
    else if (scale === 'numeric') {
      const pos = max - Math.floor((max - min + 1) / 5);
      th = { low_score_max: pos - 1, positive_min: pos };
    } else th = { low_score_max: 3, positive_min: 4 };
  }
  const score = over.score ?? max;
  const positive = scale === 'thumbs' ? score === 1 : score >= th.positive_min;
  const negativeMax = { thumbs: 0, nps: 6, stars: 2, emoji: 2 }[scale] ?? min + Math.floor((max - min) * 2 / 5);
  const sentiment = positive ? 'positive' : score <= negativeMax ? 'negative' : 'neutral';
  const low = scale === 'thumbs' ? score === 0 : score <= th.low_score_max;
  return {
    question: over.question ?? 'overall', scale, range, score, positive, sentiment,
    problems: low ? (over.problems ?? []) : [], comment: low ? (over.comment ?? '') : '',
    redactions: [], thresholds: th,
  };
}

// A valid rating.v2 record (keys in the contract's order); `over` replaces fields, and
// `over.answers` is a list of answer() overrides (default: one 5-star answer).
export function recordV2(over = {}) {
  const now = Date.now();
  const first = over.first_submitted_at ?? now;
  const { answers: answerOver, ...rest } = over;
  return {
    schema: 'rating.v2',
    rating_id: 'r-' + Math.random().toString(36).slice(2, 10),
    session_id: 's-' + Math.random().toString(36).slice(2, 10),
    rater_id: null,
    subject_id: null,
    revision: 1,
    final: false,
    answers: (answerOver ?? [{}]).map(answer),
    submitted_at: first,
    first_submitted_at: first,
    edit_deadline: first + 3600_000,
    internal: false,
    topic: null,
    agent_id: null,
    properties: {},
    ...rest,
  };
}

// A valid rating.v1 record; `over` replaces fields.
export function record(over = {}) {
  const now = Date.now();
  const scale = over.scale ?? 'stars';
  const score = over.score ?? 5;
  const th = over.thresholds ?? { low_score_max: 3, positive_min: 4 };
  const positive = scale === 'thumbs' ? score === 1 : score >= th.positive_min;
  const sentiment = positive ? 'positive'
    : (scale === 'thumbs' || score <= 2) ? 'negative' : 'neutral';
  const low = scale === 'thumbs' ? score === 0 : score <= th.low_score_max;
  const first = over.first_submitted_at ?? now;
  return {
    schema: 'rating.v1',
    rating_id: 'r-' + Math.random().toString(36).slice(2, 10),
    session_id: 's-' + Math.random().toString(36).slice(2, 10),
    revision: 1,
    final: false,
    scale,
    score,
    positive,
    sentiment,
    problems: low ? (over.problems ?? ['audio']) : [],
    comment: low ? (over.comment ?? '') : '',
    redactions: [],
    submitted_at: first,
    first_submitted_at: first,
    edit_deadline: first + 3600_000,
    internal: false,
    topic: null,
    agent_id: null,
    thresholds: th,
    ...over,
    ...(low ? {} : { problems: [], comment: '' }),
  };
}

export async function post(server, body, { key = WRITE_KEY, via = 'header', headers = {}, raw = false } = {}) {
  const h = { 'Content-Type': 'text/plain;charset=UTF-8', ...headers };
  let url = `${server.url}/v1/ratings`;
  if (key !== null && via === 'header') h.Authorization = `Bearer ${key}`;
  if (key !== null && via === 'query') url += `?key=${encodeURIComponent(key)}`;
  const res = await fetch(url, { method: 'POST', headers: h, body: raw ? body : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, json, text };
}

export async function admin(server, path, { method = 'GET', body, token = ADMIN_TOKEN } = {}) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await fetch(server.url + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* JSONL or empty */ }
  return { status: res.status, headers: res.headers, json, text };
}

export async function setClock(server, offsetMs) {
  const r = await admin(server, '/v1/test/clock', { method: 'PUT', body: { offset_ms: offsetMs } });
  if (r.status !== 200) throw new Error('test clock refused: ' + r.text);
}

// Runs `sql` on a collector's database and returns the rows as sqlite3 prints them (columns
// joined by '|', one row per line). On PostgreSQL (db is a URL) through psql, which prints the
// same way; the two SQLite pragmas the tests use get their PostgreSQL equivalents: the schema
// version from schema_version, and an integrity check by amcheck (every B-tree index checked
// against its table; 'ok' when no check raises).
export function sqlite(db, sql) {
  if (/^postgres(ql)?:\/\//.test(db)) {
    if (sql.trim() === 'PRAGMA user_version') return psql(db, 'SELECT max(version) FROM schema_version');
    if (sql.trim() === 'PRAGMA integrity_check') {
      psql(db, 'CREATE EXTENSION IF NOT EXISTS amcheck');
      psql(db, "SELECT bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        + "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
        + "WHERE a.amname = 'btree' AND n.nspname = 'public'");
      return 'ok';
    }
    return psql(db, sql);
  }
  const r = spawnSync('sqlite3', [db, sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('sqlite3 failed: ' + r.stderr);
  return r.stdout.trim();
}
