#!/usr/bin/env node
// Server-Sent Events fan-out figures of session-rating-collector on 127.0.0.1 (issue 12),
// bounded in count and time:
//  1. opens N event streams (GET /v1/sessions/{id}/events): `--per-session` of them on one
//     session ("hot"), the rest spread one per session; the collector's memory (VmRSS) before
//     and after → memory per open stream, and its thread count;
//  2. publishes R rating requests to the hot session (POST …/rating-requests, admin token):
//     for each, the time from sending the POST to each hot stream receiving the frame
//     (median, p99, max over streams) and the POST's own answer time;
//  3. a normal request (GET /healthz) on a new connection while all streams are held;
//  4. SIGTERM with every stream open: time until the process has exited.
//
//   node scripts/bench-sse.mjs [--collector BIN] [--streams 5000] [--per-session 1000]
//        [--requests 5]
// Needs `ulimit -n` above N + 100 for this process (the collector raises its own).
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const BIN = arg('collector', join(ROOT, 'build/native/collector/session-rating-collector'));
const N = Number(arg('streams', 5000));
const HOT = Math.min(N, Number(arg('per-session', 1000)));
const R = Number(arg('requests', 5));
const KEY = 'bench-write-key';
const ADMIN = 'bench-admin-token-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (f) => Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(text)[1]);
  return { rss_kb: get('VmRSS'), threads: get('Threads') };
}

function openStream(port, session) {
  return new Promise((res, rej) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.write(`GET /v1/sessions/${session}/events?key=${KEY} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
    });
    s.setEncoding('utf8');
    s.buf = '';
    s.events = [];
    s.on('data', (d) => {
      s.buf += d;
      if (!s.ready && s.buf.includes('retry: 2000')) { s.ready = true; res(s); }
      let i;
      while ((i = s.buf.indexOf('event: rating-requested')) >= 0) {
        s.events.push(performance.now());
        s.buf = s.buf.slice(i + 10);
      }
      if (s.buf.length > 4096) s.buf = s.buf.slice(-100);
    });
    s.once('error', rej);
  });
}

async function request(port, method, path, body) {
  const t0 = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method, headers: { Authorization: `Bearer ${ADMIN}` }, body: body ? JSON.stringify(body) : undefined,
  });
  await r.text();
  return { status: r.status, ms: performance.now() - t0 };
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

const dir = mkdtempSync(join(tmpdir(), 'sr-bench-sse-'));
const proc = spawn(BIN, ['--listen', '127.0.0.1:0', '--db', join(dir, 'db.sqlite3'), '--write-key', KEY,
  '--admin-token', ADMIN, '--quiet', '--rate-limit', '0', '--max-connections', String(N + 200)],
{ stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((res) => {
  proc.stdout.on('data', (d) => { const m = /"port":(\d+)/.exec(String(d)); if (m) res(Number(m[1])); });
});
try {
  console.log(`collector pid ${proc.pid} port ${port}; streams ${N} (${HOT} on one session), requests ${R}`);
  await request(port, 'PATCH', '/v1/config', { enabled: true });
  await sleep(300);
  const base = status(proc.pid);
  const t0 = performance.now();
  const streams = [];
  for (let i = 0; i < N; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 200); j++) batch.push(openStream(port, j < HOT ? 'hot' : `s-${j}`));
    streams.push(...await Promise.all(batch));
  }
  const openMs = performance.now() - t0;
  await sleep(500);
  const held = status(proc.pid);
  console.log(`opened ${streams.length} streams in ${openMs.toFixed(0)} ms`);
  console.log(`VmRSS ${(base.rss_kb / 1024).toFixed(1)} MB → ${(held.rss_kb / 1024).toFixed(1)} MB: ` +
    `${((held.rss_kb - base.rss_kb) * 1024 / N / 1024).toFixed(2)} KB per stream; threads ${base.threads} → ${held.threads}`);
  const hot = streams.slice(0, HOT);
  for (let r = 0; r < R; r++) {
    const sent = performance.now();
    const post = await request(port, 'POST', '/v1/sessions/hot/rating-requests', { agent_id: `agent-${r}`, channel: 'chat' });
    if (post.status !== 201) throw new Error('rating request: ' + post.status);
    const deadline = Date.now() + 10000;
    while (hot.some((s) => s.events.length <= r) && Date.now() < deadline) await sleep(5);
    const lat = hot.map((s) => (s.events[r] ?? NaN) - sent);
    const missing = lat.filter((x) => Number.isNaN(x)).length;
    const got = lat.filter((x) => !Number.isNaN(x));
    console.log(`request ${r + 1}: POST answered in ${post.ms.toFixed(1)} ms; frame at ${got.length}/${HOT} hot streams` +
      `${missing ? ` (${missing} missing)` : ''}: median ${pct(got, 0.5).toFixed(1)} ms, p99 ${pct(got, 0.99).toFixed(1)} ms, max ${Math.max(...got).toFixed(1)} ms`);
  }
  const others = streams.slice(HOT).filter((s) => s.events.length > 0).length;
  console.log(`streams of other sessions that got a frame: ${others} (expected 0)`);
  const h = await request(port, 'GET', '/healthz');
  console.log(`GET /healthz on a new connection with ${N} streams open: ${h.status} in ${h.ms.toFixed(1)} ms`);
  const ended = streams.map((s) => new Promise((r) => s.once('close', r)));
  const k0 = performance.now();
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));
  console.log(`SIGTERM with ${N} streams open: exited after ${(performance.now() - k0).toFixed(0)} ms`);
  await Promise.race([Promise.all(ended), sleep(2000)]);
} finally {
  if (proc.exitCode === null) proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
