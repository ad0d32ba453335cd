// The core's JSON reading (declared in internal/json.h): the lexer and parse_json().
#include "internal/json.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace session_rating::internal {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at p (p + 4 <= end checked by the caller), or -1.
int32_t hex4(const char* p) {
  int32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int h = hex_value(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

void append_utf8(std::string& out, uint32_t cp) {
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

// SWAR: true when any of the 8 bytes in `w` is '"', '\\', a control character (< 0x20) or
// non-ASCII (>= 0x80) — the bytes a string scan has to look at one by one.
bool needs_attention(uint64_t w) {
  constexpr uint64_t ones = 0x0101010101010101ULL;
  constexpr uint64_t high = 0x8080808080808080ULL;
  const uint64_t q = w ^ (ones * '"');
  const uint64_t b = w ^ (ones * '\\');
  const uint64_t zero_q = (q - ones) & ~q;
  const uint64_t zero_b = (b - ones) & ~b;
  const uint64_t ctrl = (w - ones * 0x20) & ~w;
  return ((zero_q | zero_b | ctrl) & high) != 0 || (w & high) != 0;
}

}  // namespace

bool JsonLexer::string_token(std::string_view& raw, bool& escaped) {
  if (!peek('"')) return false;
  ++p_;
  const char* start = p_;
  escaped = false;
  for (;;) {
    while (end_ - p_ >= 8) {
      uint64_t w;
      std::memcpy(&w, p_, 8);
      if (needs_attention(w)) break;
      p_ += 8;
    }
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
      const int32_t cp = hex4(p_ + 2);
      if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;
      p_ += 6;
      if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate: a low one must follow
        if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u') return false;
        const int32_t lo = hex4(p_ + 2);
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

void JsonLexer::unescape(std::string_view raw, std::string& out) {
  out.clear();
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') continue;
    out.append(raw.data() + run, i - run);
    const char e = raw[i + 1];
    i += 1;
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        uint32_t cp = static_cast<uint32_t>(hex4(raw.data() + i + 1));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // paired (string_token checked it)
          const uint32_t lo = static_cast<uint32_t>(hex4(raw.data() + i + 3));
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          i += 6;
        }
        append_utf8(out, cp);
        break;
      }
      default: out.push_back(e); break;  // " \ /
    }
    run = i + 1;
  }
  out.append(raw.data() + run, raw.size() - run);
}

bool JsonLexer::number_token(std::string_view& token, bool& integral) {
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

namespace {

// A number token as nlohmann types it: number_unsigned when not negative, number_integer when
// negative, number_float with a fraction/exponent or beyond 64 bits; false when a float
// overflows to infinity (nlohmann: "number overflow").
bool number_value(std::string_view token, bool integral, nlohmann::json& out) {
  const bool negative = token[0] == '-';
  if (integral) {
    uint64_t v = 0;
    bool overflow = false;
    for (std::size_t i = negative ? 1 : 0; i < token.size(); ++i) {
      const uint64_t digit = static_cast<uint64_t>(token[i] - '0');
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
  const std::string copy(token);  // NUL-terminated for strtod
  const double d = std::strtod(copy.c_str(), nullptr);
  if (!std::isfinite(d)) return false;
  out = static_cast<nlohmann::json::number_float_t>(d);
  return true;
}

}  // namespace

nlohmann::json parse_json(std::string_view text) {
  using nlohmann::json;
  const char* begin = text.data();
  const char* end = static_cast<const char*>(std::memchr(begin, '\0', text.size()));
  if (end == nullptr) end = begin + text.size();
  if (end - begin >= 3 && std::memcmp(begin, "\xEF\xBB\xBF", 3) == 0) begin += 3;
  JsonLexer in(begin, end);
  const json discarded(json::value_t::discarded);

  json root;
  json* slot = &root;       // where the next value goes
  std::vector<json*> open;  // the arrays and objects being filled, innermost last
  std::string key;
  enum { kValue, kItem, kMember } next = kValue;  // what comes before the next value
  for (;;) {
    if (next == kItem) {  // the next element of the innermost (array) container
      auto& items = open.back()->get_ref<json::array_t&>();
      items.emplace_back();
      slot = &items.back();
    } else if (next == kMember) {  // `"key":` in the innermost (object) container
      if (!in.string(key) || !in.lit(':')) return discarded;
      slot = &open.back()->get_ref<json::object_t&>()[key];
    }
    // A value into *slot.
    if (!in.skip_ws()) return discarded;
    const char c = in.current();
    if (c == '{' || c == '[') {
      in.skip(1);
      *slot = c == '{' ? json::object() : json::array();
      if (!in.lit(c == '{' ? '}' : ']')) {
        open.push_back(slot);
        next = c == '{' ? kMember : kItem;
        continue;
      }
    } else if (c == '"') {
      std::string s;
      if (!in.string(s)) return discarded;
      *slot = std::move(s);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::string_view token;
      bool integral = true;
      if (!in.number_token(token, integral) || !number_value(token, integral, *slot))
        return discarded;
    } else if (c == 't') {
      if (!in.word("true", 4)) return discarded;
      *slot = true;
    } else if (c == 'f') {
      if (!in.word("false", 5)) return discarded;
      *slot = false;
    } else if (c == 'n') {
      if (!in.word("null", 4)) return discarded;
      *slot = nullptr;
    } else {
      return discarded;
    }

    // After a complete value: close containers, or a comma before the next element.
    for (;;) {
      if (open.empty()) {
        if (!in.at_end()) return discarded;  // trailing content
        return root;                         // moved, never copied (a copy would recurse)
      }
      const bool array = open.back()->is_array();
      if (in.lit(array ? ']' : '}')) {
        open.pop_back();
        continue;
      }
      if (!in.lit(',')) return discarded;
      next = array ? kItem : kMember;
      break;
    }
  }
}

}  // namespace session_rating::internal
