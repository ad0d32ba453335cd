// Internal: a compact strict JSON parser that builds nlohmann::json values.
//
// parse_json(text) gives exactly what nlohmann::json::parse(text.begin(), text.end(),
// nullptr, false) gives — the same values (integers as number_unsigned when not negative,
// number_integer when negative, number_float when they have a fraction/exponent or overflow
// 64 bits; a float that overflows to infinity is refused; duplicate keys: the last one wins; a leading UTF-8 BOM skipped) and a
// `discarded` value for anything nlohmann refuses (RFC 8259 grammar, control characters and
// invalid UTF-8 in strings, unpaired surrogate escapes, trailing content; and, like
// nlohmann, a NUL byte ends the input) — in far less code:
// nlohmann's lexer/parser/SAX machinery and its error-message tables are ~20 KB of WASM, this
// is ~3 KB. It never recurses (no depth limit, no stack overflow on deep nesting), never
// throws, and never reads past `text` (the input need not be NUL-terminated).
//
// Written for the WebAssembly build's size budget (issue 4, docs/wasm.md); it is plain C++17
// and behaves identically in the native build.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace session_rating::internal {

namespace json_parse_detail {

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

struct Cursor {
  const char* p;
  const char* end;

  // Skips whitespace; false at the end of the input.
  bool skip_ws() {
    while (p < end && is_ws(*p)) ++p;
    return p < end;
  }

  bool read_hex4(uint32_t& out) {
    if (end - p < 4) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex_value(p[i]);
      if (h < 0) return false;
      v = v * 16 + static_cast<uint32_t>(h);
    }
    p += 4;
    out = v;
    return true;
  }

  // At the opening quote. Reads the string into `out` (UTF-8 checked as nlohmann does).
  bool read_string(std::string& out) {
    ++p;
    out.clear();
    for (;;) {
      const char* run = p;  // plain ASCII run, copied in one go
      while (p < end) {
        unsigned char c = static_cast<unsigned char>(*p);
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
        ++p;
      }
      out.append(run, static_cast<std::size_t>(p - run));
      if (p >= end) return false;
      unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"') {
        ++p;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        if (end - p < 2) return false;
        char e = p[1];
        p += 2;
        switch (e) {
          case '"': out.push_back('"'); break;
          case '\\': out.push_back('\\'); break;
          case '/': out.push_back('/'); break;
          case 'b': out.push_back('\b'); break;
          case 'f': out.push_back('\f'); break;
          case 'n': out.push_back('\n'); break;
          case 'r': out.push_back('\r'); break;
          case 't': out.push_back('\t'); break;
          case 'u': {
            uint32_t cp;
            if (!read_hex4(cp)) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              uint32_t lo;
              if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return false;
              p += 2;
              if (!read_hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              return false;
            }
            append_utf8(out, cp);
            break;
          }
          default:
            return false;
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
      if (end - p < extra + 1) return false;
      for (int i = 1; i <= extra; ++i) {
        unsigned char d = static_cast<unsigned char>(p[i]);
        if (i == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return false;
      }
      out.append(p, static_cast<std::size_t>(extra + 1));
      p += extra + 1;
    }
  }

  // At '-' or a digit. Reads a number with nlohmann's typing rules.
  bool read_number(nlohmann::json& out) {
    const char* start = p;
    bool negative = false;
    if (*p == '-') {
      negative = true;
      ++p;
    }
    if (p >= end) return false;
    if (*p == '0') {
      ++p;
    } else if (*p >= '1' && *p <= '9') {
      while (p < end && *p >= '0' && *p <= '9') ++p;
    } else {
      return false;
    }
    bool is_float = false;
    if (p < end && *p == '.') {
      ++p;
      if (p >= end || *p < '0' || *p > '9') return false;
      while (p < end && *p >= '0' && *p <= '9') ++p;
      is_float = true;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < end && (*p == '+' || *p == '-')) ++p;
      if (p >= end || *p < '0' || *p > '9') return false;
      while (p < end && *p >= '0' && *p <= '9') ++p;
      is_float = true;
    }
    if (!is_float) {
      // Integer: exact in 64 bits, else (overflow) a float like nlohmann.
      uint64_t v = 0;
      bool overflow = false;
      for (const char* q = start + (negative ? 1 : 0); q < p; ++q) {
        uint64_t digit = static_cast<uint64_t>(*q - '0');
        if (v > (UINT64_MAX - digit) / 10) {
          overflow = true;
          break;
        }
        v = v * 10 + digit;
      }
      if (!overflow) {
        if (!negative) {
          out = static_cast<nlohmann::json::number_unsigned_t>(v);
          return true;
        }
        if (v <= uint64_t(INT64_MAX) + 1) {
          out = static_cast<nlohmann::json::number_integer_t>(
              v == uint64_t(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(v));
          return true;
        }
      }
    }
    std::string token(start, p);  // NUL-terminated copy for strtod
    double d = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(d)) return false;  // nlohmann: "number overflow"
    out = static_cast<nlohmann::json::number_float_t>(d);
    return true;
  }

  bool read_literal(const char* word, std::size_t n) {
    if (static_cast<std::size_t>(end - p) < n) return false;
    for (std::size_t i = 0; i < n; ++i)
      if (p[i] != word[i]) return false;
    p += n;
    return true;
  }
};

}  // namespace json_parse_detail

// Parses JSON text; a `discarded` value (is_discarded()) when it is not valid JSON.
inline nlohmann::json parse_json(std::string_view text) {
  using nlohmann::json;
  // Like nlohmann, a NUL byte ends the input (inside a string it is then an unterminated
  // string, which nlohmann also refuses, as a control character).
  const char* end = text.data() + text.size();
  for (const char* q = text.data(); q < end; ++q) {
    if (*q == '\0') {
      end = q;
      break;
    }
  }
  json_parse_detail::Cursor in{text.data(), end};
  const json discarded(json::value_t::discarded);
  if (end - text.data() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
    in.p += 3;

  json root;
  json* slot = &root;             // where the next value goes
  std::vector<json*> open;        // the arrays and objects being filled, innermost last
  std::string key;
  for (;;) {
    // A value into *slot.
    if (!in.skip_ws()) return discarded;
    const char c = *in.p;
    bool container_opened = false;
    if (c == '{' || c == '[') {
      ++in.p;
      *slot = c == '{' ? json::object() : json::array();
      if (!in.skip_ws()) return discarded;
      if (*in.p == (c == '{' ? '}' : ']')) {
        ++in.p;  // empty container: a complete value
      } else {
        open.push_back(slot);
        container_opened = true;
      }
    } else if (c == '"') {
      std::string s;
      if (!in.read_string(s)) return discarded;
      *slot = std::move(s);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      if (!in.read_number(*slot)) return discarded;
    } else if (c == 't') {
      if (!in.read_literal("true", 4)) return discarded;
      *slot = true;
    } else if (c == 'f') {
      if (!in.read_literal("false", 5)) return discarded;
      *slot = false;
    } else if (c == 'n') {
      if (!in.read_literal("null", 4)) return discarded;
      *slot = nullptr;
    } else {
      return discarded;
    }

    if (container_opened) {
      json* top = open.back();
      if (top->is_array()) {
        auto& items = top->get_ref<json::array_t&>();
        items.emplace_back();
        slot = &items.back();
        continue;
      }
      // First key of an object: in.p is at the first non-space character.
      if (*in.p != '"' || !in.read_string(key)) return discarded;
      if (!in.skip_ws() || *in.p != ':') return discarded;
      ++in.p;
      slot = &top->get_ref<json::object_t&>()[key];
      continue;
    }

    // After a complete value: close containers or move to the next element.
    for (;;) {
      if (open.empty()) {
        if (in.skip_ws()) return discarded;  // trailing content
        return root;
      }
      if (!in.skip_ws()) return discarded;
      json* top = open.back();
      const char d = *in.p++;
      if (top->is_array()) {
        if (d == ']') {
          open.pop_back();
          continue;
        }
        if (d != ',') return discarded;
        auto& items = top->get_ref<json::array_t&>();
        items.emplace_back();
        slot = &items.back();
        break;
      }
      if (d == '}') {
        open.pop_back();
        continue;
      }
      if (d != ',') return discarded;
      if (!in.skip_ws() || *in.p != '"' || !in.read_string(key)) return discarded;
      if (!in.skip_ws() || *in.p != ':') return discarded;
      ++in.p;
      slot = &top->get_ref<json::object_t&>()[key];
      break;
    }
  }
}

}  // namespace session_rating::internal
