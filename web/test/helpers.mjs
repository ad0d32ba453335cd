// Shared helpers for the JS tests of the WASM core (node --test web/test/).
import { loadBuiltCore } from '../bin/built-core.mjs';

export const getCore = () => loadBuiltCore();
export const ev = (type, at) => ({ type, at });
export const score = (value, at) => ({ type: 'score', value, at });
export const CTX = { session_id: 's-1', rating_id: 'r-1' };

/** A flow or a failed assertion. */
export function make(core, config = {}, context = CTX) {
  const flow = core.createFlow(config, context);
  if (!flow.ok) throw new Error(`createFlow refused: ${JSON.stringify(flow.errors)}`);
  return flow;
}

/** A small deterministic PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
