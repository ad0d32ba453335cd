// Internal: the core's one JSON seam. Everything in core/src that reads or writes JSON text
// goes through this header; the public headers (core/include/session_rating/) speak JSON text
// and the core's own types only. Decisions and measurements: docs/json.md.
//
// The JSON library of the core is nlohmann/json (the value type, nlohmann::json). Two pieces
// are purpose-built, for measured reasons, and share one lexer:
//
//  * JsonLexer — the tokens of RFC 8259: whitespace, punctuation, literals, strings (escapes,
//    surrogate pairs, control characters and UTF-8 checked exactly as nlohmann does) and
//    numbers (grammar only). parse_json() builds nlohmann values with it; scan_record()
//    (record_scan.cpp) reads records straight into the Record struct with it; scan_event()
//    (flow.cpp) reads plain events into their fields with it, and leaves everything else,
//    every refusal included, to parse_json() (docs/wasm.md).
//  * parse_json(text) — what nlohmann::json::parse(text, nullptr, false) gives, without
//    nlohmann's lexer/parser/SAX machinery, which would put the WASM build over its size cap
//    (measured in docs/json.md). Differential-tested against nlohmann in
//    native-tests/json_parse_test.cpp. Implementation: core/src/json.cpp.
//  * JsonWriter — an append-only writer for the outputs (view, dispatch results, records,
//    errors, insights). No floats: every number the core writes is an integer (or formatted
//    by the caller as a decimal string of digits).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace session_rating::internal {

// ---------------------------------------------------------------------------------------------
// Reading

// Tokens of JSON text in [p, end). Never reads outside that range, never throws, never
// allocates (except string()). "After whitespace" members skip JSON whitespace first.
class JsonLexer {
 public:
  JsonLexer(const char* p, const char* end) : p_(p), end_(end) {}
  explicit JsonLexer(std::string_view text) : JsonLexer(text.data(), text.data() + text.size()) {}

  // Skips whitespace; false at the end of the input.
  bool skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    return p_ < end_;
  }
  // After whitespace: true at the end of the input.
  bool at_end() { return !skip_ws(); }
  // After whitespace: the next character is `c` (not consumed).
  bool peek(char c) { return skip_ws() && *p_ == c; }
  // After whitespace: consumes `c` when it is next.
  bool lit(char c) {
    if (!peek(c)) return false;
    ++p_;
    return true;
  }
  // The next character; only after skip_ws() returned true.
  char current() const { return *p_; }
  void skip(std::size_t n) { p_ += n; }
  // Consumes the literal word `w` (n bytes) when it is next (no whitespace skipped).
  bool word(const char* w, std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n || std::memcmp(p_, w, n) != 0) return false;
    p_ += n;
    return true;
  }

  // After whitespace: a string token. `raw` is the text between the quotes; `escaped` tells
  // whether it holds any backslash escape. Refuses (false) what nlohmann refuses: raw control
  // characters, unknown escapes, malformed \u escapes, unpaired surrogates, invalid UTF-8
  // (RFC 3629: no overlongs, no surrogates, <= U+10FFFF), a missing closing quote.
  bool string_token(std::string_view& raw, bool& escaped);

  // After whitespace: a string token decoded into `out`.
  bool string(std::string& out) {
    std::string_view raw;
    bool escaped = false;
    if (!string_token(raw, escaped)) return false;
    if (escaped) {
      unescape(raw, out);
    } else {
      out.clear();
      out.append(raw.data(), raw.size());
    }
    return true;
  }

  // Decodes the inside of a string token that string_token() accepted.
  static void unescape(std::string_view raw, std::string& out);

  // After whitespace: a number token by the JSON grammar, -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
  // `integral` is false when it has a fraction or an exponent.
  bool number_token(std::string_view& token, bool& integral);

  // For the one-pass readers of flat objects (Flow's events, should_prompt's history), which
  // leave every other text to the tree path. After whitespace: a member name without escapes
  // and its ':'; `index` is its position in `names` (NUL-separated, ended by an empty name),
  // and its bit (1 << index) is added to `seen`. False for an escaped, unknown or repeated
  // name (the tree path names or refuses it) and for a missing ':'.
  bool member(const char* names, unsigned& seen, unsigned& index);
  // After whitespace: a non-negative integer of at most 15 digits, without a fraction or an
  // exponent (anything else: false, for the tree path).
  bool small_uint(int64_t& n);

 private:
  const char* p_;
  const char* end_;
};

// The two scanners, inline: record_scan.cpp calls them in its inner loop.
namespace json_detail {

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at p (p + 4 <= end checked by the caller), or -1.
inline int32_t hex4(const char* p) {
  int32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int h = hex_value(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// SWAR: true when any of the 8 bytes in `w` is '"', '\\', a control character (< 0x20) or
// non-ASCII (>= 0x80) — the bytes a string scan has to look at one by one.
inline bool needs_attention(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ULL;
  constexpr uint64_t high = 0x8080808080808080ULL;
  const uint64_t q = w ^ (ones * '"');
  const uint64_t b = w ^ (ones * '\\');
  const uint64_t zero_q = (q - ones) & ~q;
  const uint64_t zero_b = (b - ones) & ~b;
  const uint64_t ctrl = (w - ones * 0x20) & ~w;
  return ((zero_q | zero_b | ctrl) & high) != 0 || (w & high) != 0;
}

}  // namespace json_detail

inline bool JsonLexer::string_token(std::string_view& raw, bool& escaped) {
  if (!peek('"')) return false;
  ++p_;
  const char* start = p_;
  escaped = false;
  for (;;) {
#ifndef __EMSCRIPTEN__  // 8 bytes at a time natively; byte by byte in the size-first WASM build
    while (end_ - p_ >= 8) {
      uint64_t w;
      std::memcpy(&w, p_, 8);
      if (json_detail::needs_attention(w)) break;
      p_ += 8;
    }
#endif
    if (p_ >= end_) return false;
    const unsigned char c = static_cast<unsigned char>(*p_);
    if (c == '"') break;
    if (c < 0x20) return false;
    if (c < 0x80 && c != '\\') {
      ++p_;
      continue;
    }
    if (c == '\\') {
      if (end_ - p_ < 2) return false;
      escaped = true;
      switch (p_[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p_ += 2;
          continue;
        case 'u': break;
        default: return false;
      }
      if (end_ - p_ < 6) return false;
      const int32_t cp = json_detail::hex4(p_ + 2);
      if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;
      p_ += 6;
      if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate: a low one must follow
        if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') return false;
        const int32_t lo = json_detail::hex4(p_ + 2);
        if (lo < 0xDC00 || lo > 0xDFFF) return false;
        p_ += 6;
      }
      continue;
    }
    // A multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
    int extra;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (end_ - p_ < extra + 1) return false;
    for (int i = 1; i <= extra; ++i) {
      const unsigned char d = static_cast<unsigned char>(p_[i]);
      if (i == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return false;
    }
    p_ += extra + 1;
  }
  raw = std::string_view(start, static_cast<std::size_t>(p_ - start));
  ++p_;
  return true;
}

inline bool JsonLexer::number_token(std::string_view& token, bool& integral) {
  if (!skip_ws()) return false;
  const char* start = p_;
  if (*p_ == '-') ++p_;
  if (p_ >= end_) return false;
  if (*p_ == '0') {
    ++p_;
  } else if (*p_ >= '1' && *p_ <= '9') {
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
  } else {
    return false;
  }
  integral = true;
  if (p_ < end_ && *p_ == '.') {
    ++p_;
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') return false;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    integral = false;
  }
  if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
    ++p_;
    if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') return false;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    integral = false;
  }
  token = std::string_view(start, static_cast<std::size_t>(p_ - start));
  return true;
}

inline bool JsonLexer::member(const char* names, unsigned& seen, unsigned& index) {
  std::string_view key;
  bool escaped = false;
  if (!string_token(key, escaped) || escaped || !lit(':')) return false;
  // One pass over `names` (no strlen per name: the size-first WebAssembly build calls it).
  index = 0;
  for (const char* n = names; *n; ++index) {
    std::size_t i = 0;
    while (n[i] != '\0' && i < key.size() && n[i] == key[i]) ++i;
    const bool match = n[i] == '\0' && i == key.size();
    while (n[i] != '\0') ++i;
    if (match) {
      if (seen & (1u << index)) return false;
      seen |= 1u << index;
      return true;
    }
    n += i + 1;
  }
  return false;
}

inline bool JsonLexer::small_uint(int64_t& n) {
  std::string_view token;
  bool integral = false;
  if (!number_token(token, integral) || !integral || token[0] == '-' || token.size() > 15)
    return false;
  n = 0;
  for (char c : token) n = n * 10 + (c - '0');
  return true;
}

// Parses JSON text: exactly what nlohmann::json::parse(text.begin(), text.end(), nullptr,
// false) gives — the same values (integers as number_unsigned when not negative,
// number_integer when negative, number_float with a fraction/exponent or beyond 64 bits; a
// float overflowing to infinity refused; a leading UTF-8 BOM skipped; like nlohmann, a NUL
// byte ends the input) and a `discarded` value (is_discarded()) for anything nlohmann
// refuses. One deliberate difference: an object with a duplicate key is refused (discarded;
// nlohmann keeps the last one), and `*duplicate_path` (when given) is set to the JSON pointer
// of the second occurrence ("/topic", "/answers/0/score"); it stays untouched otherwise, so
// a non-empty path after a discarded result means "duplicate key". It never recurses (no
// depth limit, no stack overflow on deep nesting) and never reads past `text`.
nlohmann::json parse_json(std::string_view text, std::string* duplicate_path = nullptr);

// ---------------------------------------------------------------------------------------------
// Writing

// Appends `s` (valid UTF-8) as a JSON string literal, quotes included.
inline void append_json_string(std::string& out, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes that need no escaping
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

// append_json_string() into a buffer the caller has made big enough (6 bytes per byte of `s`,
// + 2): returns the end of what it wrote. Same escapes, byte for byte.
inline char* write_json_string(char* p, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  *p++ = '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != '"' && c != '\\') { *p++ = ch; continue; }
    *p++ = '\\';
    switch (c) {
      case '"': *p++ = '"'; break;
      case '\\': *p++ = '\\'; break;
      case '\n': *p++ = 'n'; break;
      case '\r': *p++ = 'r'; break;
      case '\t': *p++ = 't'; break;
      case '\b': *p++ = 'b'; break;
      case '\f': *p++ = 'f'; break;
      default:
        *p++ = 'u'; *p++ = '0'; *p++ = '0';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 15];
    }
  }
  *p++ = '"';
  return p;
}

// append_int() into a buffer with room for 20 bytes: returns the end of what it wrote.
inline char* write_int(char* p, int64_t v) {
  char buf[24];
  int n = 24;
  uint64_t u = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    buf[--n] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) buf[--n] = '-';
  std::memcpy(p, buf + n, static_cast<std::size_t>(24 - n));
  return p + (24 - n);
}

// Appends a signed integer in decimal (one append: in the -Oz WASM build every std::string
// call is a real call, so the digits are written into a buffer first).
inline void append_int(std::string& out, int64_t v) {
  char buf[24];
  out.append(buf, static_cast<std::size_t>(write_int(buf, v) - buf));
}

// object.find(key) through one instantiation of nlohmann's find() template (it has one per
// key type and string-literal length: 0.2 KB of WASM code each).
inline nlohmann::json::const_iterator find_key(const nlohmann::json& object, const char* key) {
  return object.find(key);
}

// append_int as a new string: the core's std::to_string (in the WASM build, libc++'s
// to_string pulls in to_chars and its 200-byte digit table; docs/wasm.md).
std::string int_text(int64_t v);

// Writes a finite double as the shortest decimal text with at most 15 digits after the point
// that reads back (strtod) to exactly `v`: integers below 2^53 as integers ("3"), others as
// "0.5", "-12.25", "0.1". False (nothing written) when no such text exists: |v| >= 9e15,
// more than 15 decimals needed (1e-20), NaN or infinite. Deterministic (IEEE double
// arithmetic only), native and WebAssembly alike; no printf / Grisu tables in the WASM.
bool append_short_number(std::string& out, double v);

// Writes one JSON object or array at a time, tracking commas.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  void begin_object() { value_prefix(); out_.push_back('{'); first_ = true; }
  void end_object() { out_.push_back('}'); first_ = false; }
  void begin_array() { value_prefix(); out_.push_back('['); first_ = true; }
  void end_array() { out_.push_back(']'); first_ = false; }
  // Object member name; the next call writes its value.
  void key(std::string_view k) {
    after_key_ = true;
    // Member names are short and plain (the core's own names, config string keys): one
    // append of ,"name": instead of four string calls per key (dispatch speed, docs/wasm.md).
    char buf[64];
    std::size_t n = 0;
    if (!first_) buf[n++] = ',';
    buf[n++] = '"';
    if (k.size() <= sizeof buf - 4) {
      for (char ch : k) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == '"' || c == '\\') { n = 0; break; }
        buf[n++] = ch;
      }
      if (n != 0) {
        buf[n++] = '"';
        buf[n++] = ':';
        out_.append(buf, n);
        return;
      }
    }
    if (!first_) out_.push_back(',');
    append_json_string(out_, k);
    out_.push_back(':');
  }
  void string(std::string_view s) { value_prefix(); append_json_string(out_, s); first_ = false; }
  void integer(int64_t v) { value_prefix(); append_int(out_, v); first_ = false; }
  void boolean(bool b) {
    value_prefix();
    out_.append(b ? "true" : "false", b ? 4 : 5);
    first_ = false;
  }
  void null() { value_prefix(); out_.append("null", 4); first_ = false; }
  // A number that append_short_number() can write (callers check it first).
  void number(double v) {
    value_prefix();
    append_short_number(out_, v);
    first_ = false;
  }
  // Pre-serialised JSON value.
  void raw(std::string_view json) { value_prefix(); out_.append(json); first_ = false; }

 private:
  void value_prefix() {
    if (after_key_) { after_key_ = false; return; }
    if (!first_) out_.push_back(',');
  }
  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace session_rating::internal
