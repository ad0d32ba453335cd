#!/usr/bin/env node
// node web/bin/session-rating.mjs test PATH... [--dump FILE]
//
// The scenario runner of the native `session-rating test` (core/cli/scenario.cpp), running
// every scenario through the WebAssembly core and the JS API (web/core.mjs). Same command
// line, same file order, same messages, same exit codes (0 all passed, 1 any failed, 2 bad
// usage or an unreadable / invalid scenario file), same --dump file (one JSON line per
// scenario with every step's actual result). JSON is JavaScript's own (JSON.parse /
// JSON.stringify, object keys printed in byte order like the native tool); the outputs are
// compared as parsed values by scripts/test.d/30-wasm.sh (docs/json.md, "Parity").
// Scenario format: docs/scenarios.md.
import { readFileSync, readdirSync, statSync, writeFileSync, appendFileSync } from 'node:fs';

import { loadBuiltCore } from './built-core.mjs';

const USAGE =
  'usage: session-rating <command> [args]\n' +
  '\n' +
  'commands:\n' +
  '  test PATH... [--dump FILE]   run scenario files (a file, or every *.json under a folder)\n' +
  '\n' +
  'This is the WebAssembly build of the scenario runner; the native tool has more commands.\n' +
  'exit codes: 0 ok, 1 failures/errors found, 2 bad usage or unreadable input\n';

let stdout = '';
const print = (s) => {
  stdout += s;
};

// Byte order of std::sort on std::string (and of std::map keys): UTF-8 bytes, unsigned.
function byteCompare(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (obj, key) => isObject(obj) && Object.hasOwn(obj, key);
const get = (obj, key) => (has(obj, key) ? obj[key] : undefined);
const sortedKeys = (obj) => Object.keys(obj).sort(byteCompare);

// Scenario file bytes → value; undefined when not valid JSON (strict UTF-8; a leading BOM is
// skipped, as the native tool's JSON library does).
function parseBytes(bytes) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Compact JSON with object keys in byte order (the native tool's order), for reports and
// the --dump file.
function dump(v) {
  if (Array.isArray(v)) return '[' + v.map(dump).join(',') + ']';
  if (isObject(v)) {
    return '{' + sortedKeys(v).map((k) => JSON.stringify(k) + ':' + dump(v[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

// JSON equality (objects: same keys, values equal; numbers numerically).
function equal(a, b) {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => has(b, k) && equal(a[k], b[k]));
  }
  return a === b;
}

function isDirectory(p) {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isRegularFile(p) {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

// std::filesystem::path(dir) / name, as generic_string().
function join(dir, name) {
  return dir.endsWith('/') ? dir + name : dir + '/' + name;
}

// fs::recursive_directory_iterator: does not descend into symlinked folders; entries are
// regular files (symlinks followed) whose extension is ".json" (".json" alone has none).
function walk(dir, found) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      walk(p, found);
      continue;
    }
    const name = entry.name;
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? name.slice(dot) : '';
    if (ext === '.json' && isRegularFile(p)) found.push(p);
  }
}

function collect(arg, files) {
  if (isDirectory(arg)) {
    const found = [];
    try {
      walk(arg, found);
    } catch {
      return false;
    }
    found.sort(byteCompare);
    files.push(...found);
    return true;
  }
  if (isRegularFile(arg)) {
    files.push(arg);
    return true;
  }
  return false;
}

// Expected matches actual: objects partially, arrays in length and element by element,
// numbers numerically, everything else by value.
function matches(expected, actual) {
  if (isObject(expected)) {
    if (!isObject(actual)) return false;
    for (const k of Object.keys(expected)) {
      if (!has(actual, k) || !matches(expected[k], actual[k])) return false;
    }
    return true;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((e, i) => matches(e, actual[i]));
  }
  return equal(expected, actual);
}

function shapeError(s) {
  if (!isObject(s)) return 'a scenario must be a JSON object';
  const allowed = ['name', 'config', 'context', 'steps', 'expect_config_error', 'description'];
  for (const k of sortedKeys(s)) {
    if (!allowed.includes(k)) return `unknown scenario field "${k}"`;
  }
  if (!has(s, 'name') || typeof get(s, 'name') !== 'string') return '"name" must be a string';
  if (!has(s, 'config')) return '"config" is missing';
  if (!has(s, 'context')) return '"context" is missing';
  const hasSteps = has(s, 'steps');
  const hasExpect = has(s, 'expect_config_error');
  if (hasSteps === hasExpect) return 'give exactly one of "steps" and "expect_config_error"';
  if (hasExpect) {
    const e = get(s, 'expect_config_error');
    if (!Array.isArray(e) || e.length === 0) return '"expect_config_error" must be a non-empty array';
    for (const x of e) {
      if (!isObject(x)) return 'each expected config error must be an object {path, code}';
    }
    return '';
  }
  const steps = get(s, 'steps');
  if (!Array.isArray(steps)) return '"steps" must be an array';
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i];
    const where = `step ${i + 1}: `;
    if (!isObject(st)) return where + 'must be an object';
    const restore = has(st, 'restore');
    const kinds = Number(has(st, 'event')) + Number(has(st, 'event_text')) + Number(restore);
    if (kinds !== 1) return where + 'give exactly one of "event", "event_text", "restore"';
    if (restore && get(st, 'restore') !== true) return where + '"restore" must be true';
    if (has(st, 'event_text') && typeof get(st, 'event_text') !== 'string') {
      return where + '"event_text" must be a string';
    }
    for (const k of sortedKeys(st)) {
      if (k !== 'event' && k !== 'event_text' && k !== 'restore' && k !== 'expect') {
        return where + `unknown field "${k}"`;
      }
    }
    if (has(st, 'expect')) {
      const ex = get(st, 'expect');
      if (!isObject(ex)) return where + '"expect" must be an object';
      for (const k of sortedKeys(ex)) {
        if (k !== 'view' && k !== 'emit' && k !== 'error') return where + `unknown expect field "${k}"`;
      }
      if (has(ex, 'emit') && !Array.isArray(get(ex, 'emit'))) return where + '"emit" must be an array';
      if (has(ex, 'error') && typeof get(ex, 'error') !== 'string') {
        return where + '"error" must be an error code string';
      }
    }
  }
  return '';
}

function runScenario(core, s, dumpSteps) {
  const configText = dump(get(s, 'config'));
  const contextText = dump(get(s, 'context'));
  let flow = core.createFlow(configText, contextText);
  const errors = flow.ok ? [] : flow.errors;
  const errorsText = JSON.stringify(errors); // the core's errors_to_json text
  try {
    if (has(s, 'expect_config_error')) {
      const actualErrors = errors;
      if (dumpSteps) dumpSteps.push(actualErrors);
      for (const want of get(s, 'expect_config_error')) {
        if (!actualErrors.some((got) => matches(want, got))) {
          return {
            passed: false,
            report: `  expected config error: ${dump(want)}\n  actual errors: ${dump(actualErrors)}`,
          };
        }
      }
      return { passed: true };
    }
    if (!flow.ok) return { passed: false, report: `  config/context refused: ${errorsText}` };
    const steps = get(s, 'steps');
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i];
      const label = `  step ${i + 1}`;
      if (has(st, 'restore')) {
        const snap = flow.snapshotJSON();
        const restored = core.restoreFlow(configText, snap);
        if (dumpSteps) dumpSteps.push(JSON.parse(snap));
        if (!restored.ok) {
          return {
            passed: false,
            report: `${label}: restore\n  snapshot refused: ${JSON.stringify(restored.errors)}`,
          };
        }
        flow.destroy();
        flow = restored;
        continue;
      }
      const eventText = has(st, 'event_text') ? get(st, 'event_text') : dump(get(st, 'event'));
      const actual = JSON.parse(flow.dispatchJSON(eventText));
      if (dumpSteps) dumpSteps.push(actual);
      const expect = has(st, 'expect') ? get(st, 'expect') : {};
      let why = '';
      if (has(expect, 'error')) {
        const err = get(actual, 'error');
        if (get(actual, 'ok') !== false || !has(actual, 'error') || !equal(get(err, 'code') ?? null, get(expect, 'error'))) {
          why = 'error';
        }
      } else if (get(actual, 'ok') !== true) {
        why = 'ok';
      }
      if (!why && has(expect, 'view') && !matches(get(expect, 'view'), get(actual, 'view') ?? null)) why = 'view';
      if (!why && has(expect, 'emit') && !matches(get(expect, 'emit'), get(actual, 'emit') ?? null)) why = 'emit';
      if (why) {
        return {
          passed: false,
          report:
            `${label}: ${eventText}\n  mismatch in: ${why}\n  expected: ${dump(expect)}\n` +
            `  actual: ${dump(actual)}`,
        };
      }
    }
    return { passed: true };
  } finally {
    if (flow.ok) flow.destroy();
  }
}

async function cmdTest(argv) {
  const args = [];
  let dumpPath = '';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dump') {
      if (i + 1 >= argv.length) {
        process.stderr.write('session-rating test: --dump needs a file\n');
        return 2;
      }
      dumpPath = argv[++i];
    } else {
      args.push(argv[i]);
    }
  }
  if (args.length === 0) {
    process.stderr.write('usage: session-rating test PATH... [--dump FILE]\n');
    return 2;
  }
  let core;
  try {
    core = await loadBuiltCore();
  } catch (e) {
    process.stderr.write(`session-rating test: ${e.message}\n`);
    return 2;
  }
  const files = [];
  let badInput = false;
  for (const a of args) {
    if (!collect(a, files)) {
      print(`ERROR ${a}: no such file or folder\n`);
      badInput = true;
    }
  }
  let passed = 0;
  let failed = 0;
  let dumpOpen = false;
  if (dumpPath) {
    try {
      writeFileSync(dumpPath, '');
      dumpOpen = true;
    } catch {
      dumpOpen = false; // like an ofstream that failed to open: no dump
    }
  }
  for (const file of files) {
    let bytes;
    try {
      bytes = readFileSync(file);
    } catch {
      print(`ERROR ${file}: cannot read the file\n`);
      badInput = true;
      continue;
    }
    const s = parseBytes(bytes);
    if (s === undefined) {
      print(`ERROR ${file}: not valid JSON\n`);
      badInput = true;
      continue;
    }
    const shape = shapeError(s);
    if (shape) {
      print(`ERROR ${file}: not a valid scenario: ${shape}\n`);
      badInput = true;
      continue;
    }
    const steps = dumpPath ? [] : null;
    const o = runScenario(core, s, steps);
    if (dumpOpen) {
      const line = { file, scenario: get(s, 'name'), passed: o.passed, steps };
      appendFileSync(dumpPath, dump(line) + '\n');
    }
    if (o.passed) {
      passed++;
    } else {
      failed++;
      print(`FAIL ${file}: ${get(s, 'name')}\n${o.report}\n`);
    }
  }
  if (files.length === 0 && !badInput) {
    print('ERROR no scenario files found\n');
    badInput = true;
  }
  print(`${passed} passed, ${failed} failed\n`);
  if (badInput) return 2;
  return failed ? 1 : 0;
}

async function main(argv) {
  if (argv.length < 1) {
    process.stderr.write(USAGE);
    return 2;
  }
  const cmd = argv[0];
  if (cmd === 'test') return cmdTest(argv.slice(1));
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    print(USAGE);
    return 0;
  }
  process.stderr.write(`session-rating: unknown command "${cmd}"\n\n${USAGE}`);
  return 2;
}

const code = await main(process.argv.slice(2));
process.stdout.write(stdout);
process.exitCode = code;
