// rater.mjs — the pseudonymous rater id the widget puts in the context when the host sets none.
//
// One per origin, created once and kept in localStorage (key `session-rating:v1:rater`):
// "sr-" and 32 lowercase hex digits, 128 random bits from crypto.getRandomValues. It is never
// derived from anything about the person or the device, so it only tells "the same browser
// rated again". When localStorage throws or is missing, storage.mjs keeps it in memory: a
// per-page id (a reload gets a new one). docs/widget.md ("Rater id").

import { PREFIX, read, write } from './storage.mjs';

export const RATER_KEY = PREFIX + 'rater';
const FORMAT = /^sr-[0-9a-f]{32}$/;

/** A new id: "sr-" + 32 hex digits of crypto.getRandomValues. */
export function newRaterId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'sr-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The origin's rater id (made and stored on first use; a per-page one without storage). */
export function raterId() {
  const stored = read(RATER_KEY);
  if (typeof stored === 'string' && FORMAT.test(stored)) return stored;
  const id = newRaterId();
  write(RATER_KEY, id);
  return id;
}
