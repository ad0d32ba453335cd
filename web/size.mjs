#!/usr/bin/env node
// web/size.mjs — bytes a site downloads for the widget (dist/: JS + WASM + CSS), raw, gzip
// (level 9) and brotli (quality 11). Exits 1 when the gzip total is above the hard cap.
//
//   node web/size.mjs [--json] [--cap-kb 60]
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const args = process.argv.slice(2);
const capKb = Number(args[args.indexOf('--cap-kb') + 1]) || 60;

export function sizes(dir = dist) {
  const files = readdirSync(dir).filter((f) => /\.(js|wasm|css)$/.test(f)).sort();
  const rows = files.map((f) => {
    const data = readFileSync(join(dir, f));
    return {
      file: f,
      raw: data.length,
      gzip: gzipSync(data, { level: 9 }).length,
      brotli: brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
  const total = { file: 'total', raw: 0, gzip: 0, brotli: 0 };
  for (const r of rows) for (const k of ['raw', 'gzip', 'brotli']) total[k] += r[k];
  return { rows, total };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { rows, total } = sizes();
  if (args.includes('--json')) {
    console.log(JSON.stringify({ rows, total, cap_gzip: capKb * 1024 }));
  } else {
    const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';
    console.log('file                       raw        gzip      brotli');
    for (const r of [...rows, total]) console.log(`${r.file.padEnd(22)}${kb(r.raw)}  ${kb(r.gzip)}  ${kb(r.brotli)}`);
    console.log(`cap: ${capKb} KB gzip total (target: 32 KB brotli total)`);
  }
  if (total.gzip > capKb * 1024) {
    console.error(`size: FAILED — ${total.gzip} bytes gzip is above the ${capKb} KB cap`);
    process.exit(1);
  }
}
