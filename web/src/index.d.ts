// Types for the npm package `session-rating` (the ES module API) — see docs/widget.md.

/** One question's answer in a record (contract 3). */
export interface RatingAnswer {
  /** The question's id ("overall" for the one-question shorthand). */
  question: string;
  scale: 'stars' | 'emoji' | 'thumbs' | 'numeric' | 'nps';
  range: [number, number];
  score: number;
  positive: boolean;
  sentiment: 'positive' | 'neutral' | 'negative';
  problems: string[];
  comment: string;
  redactions: Array<{ kind: string; count: number }>;
  thresholds: { low_score_max: number; positive_min: number };
}

/** A rating record exactly as delivered (contract 3, schema "rating.v2"). */
export interface RatingRecord {
  schema: 'rating.v2';
  rating_id: string;
  session_id: string;
  rater_id: string | null;
  subject_id: string | null;
  revision: number;
  final: boolean;
  /** One per answered question, in config order. */
  answers: RatingAnswer[];
  submitted_at: number;
  first_submitted_at: number;
  edit_deadline: number | null;
  internal: boolean;
  topic: string | null;
  agent_id: string | null;
  properties: Record<string, string | number | boolean>;
  /** Present (last) only when the context had a signature (`contextSignature`). */
  context_signature?: string;
}

/** `detail` of `rating-error`. */
export interface RatingError {
  /** wasm_unavailable | config_unavailable | invalid_config | invalid_options | invalid_context |
   *  rejected (the endpoint answered a non-retryable status) | internal | start_failed */
  code: string;
  message: string;
  /** HTTP status, for `rejected`. */
  status?: number;
  /** The core's or the endpoint's structured errors, when there are some. */
  errors?: Array<{ path?: string; code: string; message?: string }>;
  /** The record that was refused, for `rejected`. */
  record?: RatingRecord;
}

/** `detail` of `rating-suppressed`. */
export interface RatingSuppressed {
  /** `disabled`: the collector has ratings switched off (403 / 404 `ratings_disabled`). */
  reason: 'cooldown' | 'sampled_out' | 'already_rated' | 'disabled';
  /** The throttle key (not for `disabled`). */
  key?: string;
  session_id: string;
  /** Not for a config refused with `disabled` (no rating was made). */
  rating_id?: string;
  /** `disabled`: the record the collector refused (it is not queued or retried). */
  record?: RatingRecord;
}

/** `detail` of `rating-requested` (with `listen`): the collector's event data. */
export interface RatingRequested {
  request_id: string;
  session_id: string;
  agent_id: string;
  channel: string;
  requested_at: number;
}

/** `detail` of `rating-dismiss`. */
export interface RatingDismiss {
  session_id: string;
  rating_id: string;
  subject_id: string | null;
  step: string;
  revision: number;
}

export interface MountOptions {
  /** Session being rated (1–128 chars of [A-Za-z0-9._:-]). */
  sessionId: string;
  /** Default: derived by the core from (session, subject, rater) — docs/contracts.md. */
  ratingId?: string;
  /** Who rates; default: the origin's pseudonymous id (docs/widget.md, "Rater id"). */
  raterId?: string;
  /** What inside the session is rated (a message or answer id). */
  subjectId?: string;
  /** Custom properties copied into every record: at most 20, keys [a-z0-9_]{1,40}. */
  properties?: Record<string, string | number | boolean>;
  /** Where records are POSTed (absolute or relative URL). */
  endpoint: string;
  /** Public write key; sent as `?key=` so requests stay CORS-simple. */
  writeKey?: string;
  /** Config (contract 1), as an object or JSON text. */
  config?: object | string;
  /** URL of a JSON config, used when `config` is not given. */
  configUrl?: string;
  /** Extra context fields (contract 2); the options above win over the same fields here. */
  context?: { topic?: string | null; agent_id?: string | null; internal?: boolean; session_ended_at?: number | null;
    rater_id?: string | null; subject_id?: string | null; properties?: Record<string, string | number | boolean>;
    context_signature?: string };
  /**
   * Signed context: the token `sr1.<exp>.<mac>` your backend made over session, rater, subject,
   * agent and internal (docs/security.md, "Signed context"); passed through as
   * `context.context_signature`. With it and no `raterId`, no pseudonymous rater id is added.
   */
  contextSignature?: string;
  /** 'inline' (default) renders in place; 'popup' is a dismissible prompt in the bottom corner;
   *  'button' is a small trigger that opens the prompt in place (per-answer ratings). */
  mode?: 'inline' | 'popup' | 'button';
  /** Button mode: the trigger's label (default: the locale's "Rate this answer"). */
  triggerLabel?: string;
  /** Open as soon as ready (default true); otherwise wait for open(). */
  autoOpen?: boolean;
  /**
   * Open the prompt when an agent asks for a rating: listens to the collector's event stream
   * of the session (`…/sessions/{id}/events?key=`, derived from `endpoint`); fires
   * `rating-requested`. Default false.
   */
  listen?: boolean;
  /** Where the .wasm is; default: session-rating.wasm next to the module. */
  wasmUrl?: string;
  /** Retry backoff: first delay and cap in ms (defaults 1000 and 300000). */
  retry?: { baseMs?: number; maxMs?: number };
}

export interface Controller {
  element: SessionRatingElement;
  /** Resolves true once running, false if it could not start (a `rating-error` says why). */
  ready: Promise<boolean>;
  /** Shows the prompt if the core's should_prompt allows it (button mode: unfolds it); false otherwise. */
  open(): boolean;
  /** Dismisses the prompt (button mode: folds it into its trigger). */
  close(): void;
  /** Stops the widget and removes an element that mount() created. */
  destroy(): void;
}

export declare class SessionRatingElement extends HTMLElement {
  readonly ready: Promise<boolean>;
  readonly view: object | null;
  start(options: MountOptions): Promise<boolean>;
  open(): boolean;
  close(): void;
  destroy(): void;
}

export declare function mount(target: Element | null, options: MountOptions): Controller;
/** Registers <session-rating> (idempotent). */
export declare function define(name?: string): CustomElementConstructor;
export declare const version: string;

declare global {
  interface HTMLElementTagNameMap {
    'session-rating': SessionRatingElement;
  }
  interface HTMLElementEventMap {
    'rating-submit': CustomEvent<RatingRecord>;
    'rating-final': CustomEvent<RatingRecord>;
    'rating-delivered': CustomEvent<RatingRecord>;
    'rating-error': CustomEvent<RatingError>;
    'rating-dismiss': CustomEvent<RatingDismiss>;
    'rating-suppressed': CustomEvent<RatingSuppressed>;
    'rating-requested': CustomEvent<RatingRequested>;
  }
}
