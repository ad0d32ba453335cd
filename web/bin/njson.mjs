// JSON exactly as nlohmann::json sees it — for the scenario runner, whose output must be
// byte-identical to the native `session-rating test` (core/cli/scenario.cpp).
//
// Values: null, booleans and strings are JS primitives; arrays are JS arrays; objects are
// Maps (insertion order kept; dump() sorts keys by UTF-8 bytes like std::map<std::string>);
// numbers are Num objects that keep nlohmann's three number types: 'u' (number_unsigned,
// BigInt), 'i' (number_integer, BigInt), 'f' (number_float, JS number).
//
// parse() accepts exactly what nlohmann::json::parse(text, nullptr, false) accepts (strict
// RFC 8259; a NUL ends the input; floats overflowing to infinity refused). dump() writes what
// nlohmann's dump() writes (compact, keys sorted, ensure_ascii off, floats like its to_chars).

export class Num {
  constructor(kind, value) {
    this.kind = kind; // 'u' | 'i' | 'f'
    this.value = value; // BigInt for 'u' and 'i', number for 'f'
  }
  toDouble() {
    return typeof this.value === 'bigint' ? Number(this.value) : this.value;
  }
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);

class Invalid extends Error {}

/** Parses JSON text (a JS string); undefined when nlohmann would refuse it. */
export function parse(text) {
  const nul = text.indexOf('\0');
  const s = nul >= 0 ? text.slice(0, nul) : text;
  let p = 0;
  const n = s.length;
  const fail = () => {
    throw new Invalid();
  };
  const ws = () => {
    while (p < n) {
      const c = s.charCodeAt(p);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) p++;
      else break;
    }
  };
  const hex4 = () => {
    if (p + 4 > n) fail();
    const h = s.slice(p, p + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail();
    p += 4;
    return parseInt(h, 16);
  };
  const string = () => {
    p++; // opening quote
    let out = '';
    let run = p;
    for (;;) {
      if (p >= n) fail();
      const c = s.charCodeAt(p);
      if (c === 0x22) {
        out += s.slice(run, p);
        p++;
        return out;
      }
      if (c < 0x20) fail();
      if (c >= 0xd800 && c <= 0xdfff) {
        // A raw surrogate in decoded text: only a proper pair is valid UTF-8.
        const d = s.charCodeAt(p + 1);
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          p += 2;
          continue;
        }
        fail();
      }
      if (c !== 0x5c) {
        p++;
        continue;
      }
      out += s.slice(run, p);
      p++;
      if (p >= n) fail();
      const e = s[p++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          let cp = hex4();
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (s[p] !== '\\' || s[p + 1] !== 'u') fail();
            p += 2;
            const lo = hex4();
            if (lo < 0xdc00 || lo > 0xdfff) fail();
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            fail();
          }
          out += String.fromCodePoint(cp);
          break;
        }
        default:
          fail();
      }
      run = p;
    }
  };
  const digits = () => {
    const start = p;
    while (p < n && s.charCodeAt(p) >= 0x30 && s.charCodeAt(p) <= 0x39) p++;
    return p - start;
  };
  const number = () => {
    const start = p;
    const negative = s[p] === '-';
    if (negative) p++;
    if (s[p] === '0') p++;
    else if (s[p] >= '1' && s[p] <= '9') digits();
    else fail();
    let isFloat = false;
    if (s[p] === '.') {
      p++;
      if (!digits()) fail();
      isFloat = true;
    }
    if (s[p] === 'e' || s[p] === 'E') {
      p++;
      if (s[p] === '+' || s[p] === '-') p++;
      if (!digits()) fail();
      isFloat = true;
    }
    const token = s.slice(start, p);
    if (!isFloat) {
      const v = BigInt(token);
      if (!negative && v <= U64_MAX) return new Num('u', v);
      if (negative && v >= I64_MIN) return new Num('i', v);
    }
    const d = Number(token);
    if (!Number.isFinite(d)) fail(); // nlohmann: "number overflow"
    return new Num('f', d);
  };
  const literal = (word, value) => {
    if (s.startsWith(word, p)) {
      p += word.length;
      return value;
    }
    return fail();
  };
  const value = () => {
    ws();
    if (p >= n) fail();
    const c = s[p];
    if (c === '"') return string();
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c !== '{' && c !== '[') return fail();
    return container();
  };
  // Containers without recursion on nesting depth (like nlohmann's parser).
  const container = () => {
    const stack = [];
    let result;
    const open = () => {
      const c = s[p++];
      const node = c === '{' ? new Map() : [];
      ws();
      if (s[p] === (c === '{' ? '}' : ']')) {
        p++;
        return { done: node };
      }
      stack.push({ node, key: null });
      return null;
    };
    const add = (v) => {
      const top = stack[stack.length - 1];
      if (Array.isArray(top.node)) top.node.push(v);
      else top.node.set(top.key, v);
    };
    const first = open();
    if (first) return first.done;
    for (;;) {
      const top = stack[stack.length - 1];
      // Before a value: an object needs its key first.
      if (!Array.isArray(top.node)) {
        ws();
        if (s[p] !== '"') fail();
        top.key = string();
        ws();
        if (s[p] !== ':') fail();
        p++;
      }
      ws();
      if (p >= n) fail();
      let v;
      if (s[p] === '{' || s[p] === '[') {
        const r = open();
        if (!r) continue; // descended into a new container
        v = r.done;
      } else {
        v = value();
      }
      add(v);
      // After a value: close containers or continue with the next element.
      for (;;) {
        ws();
        if (p >= n) fail();
        const cur = stack[stack.length - 1];
        const d = s[p++];
        const closer = Array.isArray(cur.node) ? ']' : '}';
        if (d === ',') break;
        if (d !== closer) fail();
        stack.pop();
        if (stack.length === 0) {
          result = cur.node;
          return result;
        }
        add(cur.node);
      }
    }
  };
  try {
    const v = value();
    ws();
    if (p < n) return undefined; // trailing content
    return v;
  } catch (e) {
    if (e instanceof Invalid) return undefined;
    throw e;
  }
}

/** Parses a file's bytes like nlohmann (UTF-8 checked; a leading BOM skipped). */
export function parseBytes(bytes) {
  let end = bytes.indexOf(0);
  if (end < 0) end = bytes.length;
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end));
  } catch {
    return undefined;
  }
  return parse(text);
}

// ---- dump ------------------------------------------------------------------------------------

const utf8 = new TextEncoder();

export function compareKeys(a, b) {
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(utf8.encode(a)), Buffer.from(utf8.encode(b)));
}

function dumpString(str) {
  let out = '"';
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c < 0x20) {
      if (c === 0x08) out += '\\b';
      else if (c === 0x09) out += '\\t';
      else if (c === 0x0a) out += '\\n';
      else if (c === 0x0c) out += '\\f';
      else if (c === 0x0d) out += '\\r';
      else out += '\\u' + c.toString(16).padStart(4, '0');
    } else out += str[i];
  }
  return out + '"';
}

// nlohmann::detail::to_chars: shortest digits, then its format_buffer rules.
function dumpFloat(x) {
  if (!Number.isFinite(x)) return 'null';
  let sign = '';
  if (x < 0 || Object.is(x, -0)) {
    sign = '-';
    x = -x;
  }
  if (x === 0) return sign + '0.0';
  const [mant, exp] = x.toExponential().split('e');
  const digits = mant.replace('.', '');
  const k = digits.length;
  const nn = Number(exp) + 1; // position of the decimal point
  const maxExp = 15;
  const minExp = -4;
  let body;
  if (k <= nn && nn <= maxExp) body = digits + '0'.repeat(nn - k) + '.0';
  else if (0 < nn && nn <= maxExp) body = digits.slice(0, nn) + '.' + digits.slice(nn);
  else if (minExp < nn && nn <= 0) body = '0.' + '0'.repeat(-nn) + digits;
  else {
    const e = nn - 1;
    const ae = Math.abs(e);
    body =
      (k === 1 ? digits : digits[0] + '.' + digits.slice(1)) +
      'e' +
      (e < 0 ? '-' : '+') +
      (ae < 10 ? '0' + ae : String(ae));
  }
  return sign + body;
}

export function dump(v) {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return dumpString(v);
  if (v instanceof Num) return v.kind === 'f' ? dumpFloat(v.value) : v.value.toString();
  if (Array.isArray(v)) return '[' + v.map(dump).join(',') + ']';
  if (v instanceof Map) {
    const keys = [...v.keys()].sort(compareKeys);
    return '{' + keys.map((k) => dumpString(k) + ':' + dump(v.get(k))).join(',') + '}';
  }
  throw new TypeError('njson.dump: not a JSON value');
}

// ---- comparisons -----------------------------------------------------------------------------

/** nlohmann's operator== for scalars (numbers compare by value across number types). */
export function equal(a, b) {
  if (a instanceof Num && b instanceof Num) {
    if (a.kind !== 'f' && b.kind !== 'f') return a.value === b.value;
    return a.toDouble() === b.toDouble();
  }
  if (a instanceof Num || b instanceof Num) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => equal(x, b[i]));
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, x] of a) if (!b.has(k) || !equal(x, b.get(k))) return false;
    return true;
  }
  return a === b;
}

/** Member lookup like const operator[] / find: undefined when absent or not an object. */
export function get(obj, key) {
  return obj instanceof Map ? obj.get(key) : undefined;
}
