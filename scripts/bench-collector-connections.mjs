#!/usr/bin/env node
// Connection figures of session-rating-collector on 127.0.0.1 (issue 10), bounded in time:
//  1. N idle keep-alive connections (each made one request, then stays open): the collector's
//     memory (VmRSS) and thread count from /proc, and the time a normal request then takes;
//  2. S slow clients (one request-head byte per second) on top: a normal request again;
//  3. SIGTERM with all of them held: time until the process has exited.
//
//   node scripts/bench-collector-connections.mjs [--collector BIN] [--idle 10000] [--slow 200]
//        [--flags "--max-connections 10100"]
// Needs `ulimit -n` above N + S + 100 for this process (the collector raises its own).
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
const IDLE = Number(arg('idle', 10000));
const SLOW = Number(arg('slow', 200));
const EXTRA = arg('flags', `--max-connections ${IDLE + SLOW + 100} --idle-timeout 300`).split(' ').filter(Boolean);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (f) => Number(new RegExp(`^${f}:\\s+(\\d+)`, 'm').exec(text)[1]);
  return { rss_kb: get('VmRSS'), hwm_kb: get('VmHWM'), threads: get('Threads') };
}

function connect(port) {
  return new Promise((res, rej) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => res(s));
    s.once('error', rej);
  });
}

// One request on a fresh connection; ms until its answer's first byte, or null after 30 s.
async function probe(port) {
  const t0 = performance.now();
  const s = await connect(port).catch(() => null);
  if (!s) return null;
  return new Promise((res) => {
    const timer = setTimeout(() => { s.destroy(); res(null); }, 30000);
    s.once('data', () => { clearTimeout(timer); s.destroy(); res(Math.round((performance.now() - t0) * 10) / 10); });
    s.on('error', () => { clearTimeout(timer); res(null); });
    s.write('GET /v1/widget-config HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sr-conns-'));
const proc = spawn(BIN, ['--listen', '127.0.0.1:0', '--db', join(dir, 'c.sqlite3'), '--write-key', 'k',
  '--admin-token', 'bench-admin-token', '--quiet', ...EXTRA], { stdio: ['ignore', 'pipe', 'inherit'] });
const exited = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig, at: performance.now() })));
const port = await new Promise((res, rej) => {
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
    const m = /"port":(\d+)/.exec(out);
    if (m) res(Number(m[1]));
  });
  setTimeout(() => rej(new Error('collector did not start')), 10000);
});
const sockets = [];
const report = { collector: BIN, flags: EXTRA.join(' '), load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') };
report.start = status(proc.pid);

// 1. idle keep-alive connections, opened in batches of 500.
const t0 = performance.now();
let answered = 0;
for (let i = 0; i < IDLE; i += 500) {
  const batch = await Promise.all(Array.from({ length: Math.min(500, IDLE - i) }, () => connect(port).catch(() => null)));
  await Promise.all(batch.filter(Boolean).map((s) => new Promise((res) => {
    sockets.push(s);
    s.on('error', () => {});
    const timer = setTimeout(res, 5000);
    s.once('data', () => { answered++; clearTimeout(timer); res(); });
    s.write('GET /v1/widget-config HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  })));
}
report.idle = { opened: sockets.length, answered, open_s: Math.round(performance.now() - t0) / 1000 };
await sleep(1000);
report.idle.collector = status(proc.pid);
report.idle.probe_ms = await probe(port);

// 2. slow clients on top.
const head = 'POST /v1/ratings HTTP/1.1\r\nHost: 127.0.0.1\r\n';
const slow = (await Promise.all(Array.from({ length: SLOW }, () => connect(port).catch(() => null)))).filter(Boolean);
for (const s of slow) { s.on('error', () => {}); s.write(head[0]); sockets.push(s); }
let k = 0;
const drip = setInterval(() => { k = Math.min(k + 1, head.length - 1); for (const s of slow) if (!s.destroyed) s.write(head[k]); }, 1000);
await sleep(3000);
report.slow = { held: slow.length, collector: status(proc.pid), probe_ms: await probe(port) };

// 3. SIGTERM with everything held.
const still = sockets.filter((s) => !s.destroyed).length;
const tStop = performance.now();
proc.kill('SIGTERM');
const stop = await Promise.race([exited, sleep(30000).then(() => null)]);
report.sigterm = { connections_held: still, exit_ms: stop ? Math.round(stop.at - tStop) : '> 30000 (killed)', code: stop?.code ?? null };
if (!stop) proc.kill('SIGKILL');
clearInterval(drip);
for (const s of sockets) s.destroy();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(report, null, 2));
process.exit(0);
