// storage.mjs — localStorage that never throws into the widget.
//
// Every read and write goes through here. When localStorage is missing or throws (private
// mode, quota, sandboxed frame, a page that replaced it), values live in a per-page Map
// instead, so delivery and the flow keep working for the life of the page.
// All keys start with PREFIX; values are JSON.

export const PREFIX = 'session-rating:v1:';

const memory = new Map();

function backing() {
  try {
    return globalThis.localStorage || null;
  } catch {
    return null;
  }
}

/** Reads and parses a value; null when absent or unreadable. */
export function read(key) {
  let text = memory.get(key);
  if (text === undefined) {
    try {
      text = backing()?.getItem(key);
    } catch {
      text = null;
    }
  }
  if (text == null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Writes a value (JSON). Returns true when it reached localStorage, false when kept in memory. */
export function write(key, value) {
  const text = JSON.stringify(value);
  try {
    const s = backing();
    if (s) {
      s.setItem(key, text);
      memory.delete(key);
      return true;
    }
  } catch {
    /* fall through to memory */
  }
  memory.set(key, text);
  return false;
}

/** Removes a value from both places. */
export function remove(key) {
  memory.delete(key);
  try {
    backing()?.removeItem(key);
  } catch {
    /* nothing to do */
  }
}

/** Keys (both places) that start with PREFIX + `start`. */
export function keys(start) {
  const p = PREFIX + start;
  const out = new Set();
  for (const k of memory.keys()) if (k.startsWith(p)) out.add(k);
  try {
    const s = backing();
    if (s) for (let i = 0; i < s.length; i++) {
      const k = s.key(i);
      if (k && k.startsWith(p)) out.add(k);
    }
  } catch {
    /* memory only */
  }
  return [...out];
}

/** A short, stable hash (FNV-1a 32-bit, base 36) for building keys from long strings. */
export function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}
