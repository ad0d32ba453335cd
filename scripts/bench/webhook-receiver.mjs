#!/usr/bin/env node
// A webhook receiver for scripts/bench-collector.sh (BENCH_WEBHOOKS=1): answers every POST
// 200 at once and counts them; prints {"port": N} when listening, and the count on SIGTERM.
// With --hang it never answers (the collector's deliveries stay in flight: what is left of
// webhooks then is the enqueue in the storing transaction).
import http from 'node:http';

const hang = process.argv.includes('--hang');
let count = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { count++; if (!hang) { res.writeHead(200); res.end(); } });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => { console.log(JSON.stringify({ received: count })); process.exit(0); });
