// Types of web/core.mjs — the JavaScript API of the session-rating WebAssembly core.
// Shapes follow the contracts in docs/ (view: docs/view.md; WASM specifics: docs/wasm.md).

/** Any JSON value; a string argument is taken as JSON text (see loadCore docs). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** An object to serialise, or its JSON text. */
export type JsonInput = Json | object;

// Records (contract 3) have one set of types, the npm package's.
import type { RatingAnswer, RatingRecord } from './src/index.js';
export type { RatingAnswer, RatingRecord };

export interface LoadOptions {
  /** The glue's default export (session_rating_core.mjs). Default: dynamic import of glueUrl. */
  moduleFactory?: (moduleArg: object) => Promise<object>;
  /** Where the glue is; default ./session_rating_core.mjs next to core.mjs (as shipped).
   *  No build folder is searched: in a source checkout pass this (or moduleFactory). */
  glueUrl?: string | URL;
  /** The .wasm bytes. In Node, when neither this nor wasmUrl is given and the glue is a
   *  file, the .wasm beside the glue is read from disk. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where the .wasm is (browser); default session_rating_core.wasm next to the glue. */
  wasmUrl?: string | URL;
  /** The class of the result: ToolsCore for the tools build (session_rating_tools). */
  coreClass?: typeof ToolsCore;
}

/** One problem found in input (contracts 1–4). */
export interface CoreError {
  path: string;
  code: string;
  message: string;
}

export interface ErrorResult {
  ok: false;
  errors: CoreError[];
}

export interface Verdict {
  ok: boolean;
  errors: CoreError[];
}

export type Step = 'score' | 'details' | 'thanks' | 'final' | 'dismissed';
export type Scale = 'stars' | 'emoji' | 'thumbs' | 'numeric' | 'nps';

/** One question of a view (docs/view.md). */
export interface ViewQuestion {
  id: string;
  text: string;
  scale: Scale;
  /** [min, max] scores. Shared by every view of the flow: read it, do not change it. */
  range: [number, number];
  /** Accessible names, min..max. Shared by every view of the flow. */
  options: { value: number; label: string }[];
  /** numeric and nps: the labels of the scale's ends; null otherwise. Shared. */
  end_labels: { min: string; max: string } | null;
  required: boolean;
  /** The draft score; null until picked. */
  score: number | null;
  /** The draft score is low: this question's problem picks (and comment) are shown. */
  low: boolean;
  /** Shared by every view of the flow and frozen: read them, do not change them. */
  problems: { readonly id: string; readonly label: string; readonly selected: boolean }[];
  comment: { enabled: boolean; required: boolean; text: string; max_length: number; remaining: number };
}

/** Contract 2's view (docs/view.md): what the widget renders. */
export interface View {
  step: Step;
  open: boolean;
  locale: string;
  dir: 'ltr' | 'rtl';
  /** Config order; one entry ("overall") for the one-question shorthand. */
  questions: ViewQuestion[];
  can_submit: boolean;
  can_edit: boolean;
  revision: number;
  edit_deadline: number | null;
  final: boolean;
  /** Every UI string, locale and overrides applied. Shared by every view of the flow. */
  strings: Record<string, string>;
}

export type DispatchResult =
  | { ok: true; view: View; emit: RatingRecord[] }
  | { ok: false; error: { code: string; message: string }; view: View; emit: RatingRecord[] };

export interface Flow {
  /** Always true (createFlow/restoreFlow give {ok: false, errors} instead of a flow). */
  readonly ok: true;
  readonly destroyed: boolean;
  /** Applies one event ({type, at, ...}). */
  dispatch(event: JsonInput): DispatchResult;
  view(): View;
  /** Plain object; restoreFlow(config, snapshot) with the same config resumes it. */
  snapshot(): { [key: string]: Json };
  /** Low-level text variants: JSON text in, JSON text out. dispatchJSON() is dispatch()'s
   *  result as JSON.stringify writes it (the core sends the view in its wire form, docs/view.md);
   *  viewJSON() is the core's own text. */
  dispatchJSON(eventText: string): string;
  viewJSON(): string;
  snapshotJSON(): string;
  /** Frees the flow's WASM memory; idempotent. Any other call afterwards throws CoreUsageError. */
  destroy(): void;
}

export interface RedactResult {
  text: string;
  redactions: { kind: 'email' | 'phone' | 'card' | 'iban' | 'ssn'; count: number }[];
}

/** The figures of one set of answers (docs/insights.md). */
export interface Figures {
  ratings: number;
  answers: number;
  raters: number;
  csat: number | null;
  mean: number | null;
  nps: { promoters: number; passives: number; detractors: number; responses: number; score: number } | null;
  distribution: Record<string, number>;
  sentiment: { positive: number; neutral: number; negative: number };
  problems: Record<string, number>;
  thumbs: { down: number; up: number };
}

export interface Summary extends Figures {
  excluded_internal: number;
  /** Question id → the figures of its answers. */
  questions: Record<string, Figures>;
}

export interface Insights extends Summary {
  groups?: Record<string, Summary>;
  /** The question filter, when one was given. */
  question?: string;
}

export interface PromptDecision {
  key: string;
  prompt: boolean;
  reason: 'ok' | 'cooldown' | 'sampled_out' | 'already_rated';
}

export interface PromptHistoryEntry {
  key: string;
  prompted_at: number;
  rated: boolean;
}

/** What the widget's build (session_rating_core) offers. */
export interface Core {
  createFlow(config: JsonInput, context: JsonInput): Flow | ErrorResult;
  restoreFlow(config: JsonInput, snapshot: JsonInput): Flow | ErrorResult;
  validateConfig(config: JsonInput): Verdict;
  shouldPrompt(
    history: PromptHistoryEntry[] | JsonInput,
    context: JsonInput,
    now: number,
    throttle?: JsonInput,
  ): PromptDecision | { error: CoreError[] };
  /** Bytes of WASM memory (diagnostics, leak tests). */
  readonly memoryBytes: number;
  /** Flows created and not yet destroyed or collected. */
  readonly liveFlows: number;
}

/** The tools build (session_rating_tools): the widget's functions plus these. Calling them on
 *  a core loaded from the widget's build throws CoreUsageError. */
export interface ToolsCoreApi extends Core {
  validateRecord(record: JsonInput): Verdict;
  /** The text itself (not JSON). */
  redact(text: string): RedactResult | { error: CoreError };
  aggregate(
    records: RatingRecord[] | JsonInput,
    options?: { by?: 'topic' | 'agent' | 'day' | `property:${string}` | ''; question?: string },
  ): Insights | { error: CoreError[] };
}
export declare const ToolsCore: { prototype: ToolsCoreApi };

/** Thrown only for misuse (a destroyed flow, redact() of a non-string, out of memory). */
export class CoreUsageError extends Error {
  name: 'CoreUsageError';
}

/** Loads the core once; later calls return the same instance. */
export function loadCore(options?: LoadOptions): Promise<Core>;

/** A new core from the glue's default export, with no search for the glue and no load-once
 *  cache (loadCore() uses it): for bundles that import the glue themselves (the widget). */
export function createCore(
  moduleFactory: NonNullable<LoadOptions['moduleFactory']>,
  where?: { wasmBinary?: ArrayBuffer | Uint8Array; wasmUrl?: string | URL },
  coreClass?: typeof ToolsCore,
): Promise<Core>;
