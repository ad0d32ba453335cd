// Node only: loads the core from the WASM build tree (used by the CLI runner, tests, benchmarks).
//
// The build writes build/wasm/wasm/session_rating_core.{mjs,wasm} (the widget's: flows only)
// and session_rating_tools.{mjs,wasm} (everything: + validateRecord, redact, aggregate);
// this loads the tools build unless `name` says otherwise. SR_WASM_DIR overrides the folder. The glue is the -sENVIRONMENT=web build, which loads in Node when given wasmBinary.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { loadCore, ToolsCore } from '../core.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function builtWasmDir() {
  return path.resolve(process.env.SR_WASM_DIR || path.join(repoRoot, 'build/wasm/wasm'));
}

/** Loads (once) the core built in the build tree; throws a clear Error when it is missing. */
export async function loadBuiltCore(name = 'session_rating_tools') {
  const dir = builtWasmDir();
  const glue = path.join(dir, `${name}.mjs`);
  const wasm = path.join(dir, `${name}.wasm`);
  if (!existsSync(glue) || !existsSync(wasm)) {
    throw new Error(
      `the WASM core is not built (${path.relative(process.cwd(), wasm) || wasm} missing); ` +
        'build it with: cmake --preset wasm && cmake --build --preset wasm',
    );
  }
  const { default: moduleFactory } = await import(pathToFileURL(glue).href);
  return loadCore({ moduleFactory, wasmBinary: readFileSync(wasm), coreClass: ToolsCore });
}
