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

}  // namespace

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
        uint32_t cp = static_cast<uint32_t>(json_detail::hex4(raw.data() + i + 1));
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // paired (string_token checked it)
          const uint32_t lo = static_cast<uint32_t>(json_detail::hex4(raw.data() + i + 3));
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

namespace {

// The JSON pointer of member `key` of the innermost container in `open` (open[0] is the root):
// built only when a duplicate key is found, by finding each container in its parent.
std::string pointer_to(const std::vector<nlohmann::json*>& open, const std::string& key) {
  std::string path;
  auto token = [&path](std::string_view k) {
    path.push_back('/');
    for (const char c : k) {
      if (c == '~') path += "~0";
      else if (c == '/') path += "~1";
      else path.push_back(c);
    }
  };
  for (std::size_t i = 0; i + 1 < open.size(); ++i) {
    const nlohmann::json* child = open[i + 1];
    if (open[i]->is_array()) {
      const auto& items = open[i]->get_ref<const nlohmann::json::array_t&>();
      std::string index;
      append_int(index, static_cast<int64_t>(child - items.data()));
      token(index);
    } else {
      for (const auto& [k, v] : open[i]->get_ref<const nlohmann::json::object_t&>())
        if (&v == child) token(k);
    }
  }
  token(key);
  return path;
}

}  // namespace

std::string int_text(int64_t v) {
  std::string out;
  append_int(out, v);
  return out;
}

nlohmann::json parse_json(std::string_view text, std::string* duplicate_path) {
  using nlohmann::json;
  const char* begin = text.data();
  const char* end = static_cast<const char*>(std::memchr(begin, '\0', text.size()));
  if (end == nullptr) end = begin + text.size();
  if (end - begin >= 3 && std::memcmp(begin, "\xEF\xBB\xBF", 3) == 0) begin += 3;
  JsonLexer in(begin, end);
  // A new value each time, never a copy of one: copying a const json instantiates nlohmann's
  // recursive copy constructor (1.4 KB of WASM code) for nothing.
  const auto discarded = [] { return json(json::value_t::discarded); };

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
      if (!in.string(key) || !in.lit(':')) return discarded();
      auto [it, inserted] = open.back()->get_ref<json::object_t&>().emplace(key, nullptr);
      if (!inserted) {  // a duplicate key: refused (nlohmann keeps the last one)
        if (duplicate_path) *duplicate_path = pointer_to(open, key);
        return discarded();
      }
      slot = &it->second;
    }
    // A value into *slot.
    if (!in.skip_ws()) return discarded();
    const char c = in.current();
    if (c == '{' || c == '[') {
      in.skip(1);
      // basic_json(value_t), not json::object()/array(): those go through the initializer-list
      // constructor, 670 B of WASM code nothing else needs.
      *slot = json(c == '{' ? json::value_t::object : json::value_t::array);
      if (!in.lit(c == '{' ? '}' : ']')) {
        open.push_back(slot);
        next = c == '{' ? kMember : kItem;
        continue;
      }
    } else if (c == '"') {
      std::string s;
      if (!in.string(s)) return discarded();
      *slot = std::move(s);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::string_view token;
      bool integral = true;
      if (!in.number_token(token, integral) || !number_value(token, integral, *slot))
        return discarded();
    } else if (c == 't') {
      if (!in.word("true", 4)) return discarded();
      *slot = true;
    } else if (c == 'f') {
      if (!in.word("false", 5)) return discarded();
      *slot = false;
    } else if (c == 'n') {
      if (!in.word("null", 4)) return discarded();
      *slot = nullptr;
    } else {
      return discarded();
    }

    // After a complete value: close containers, or a comma before the next element.
    for (;;) {
      if (open.empty()) {
        if (!in.at_end()) return discarded();  // trailing content
        return root;                         // moved, never copied (a copy would recurse)
      }
      const bool array = open.back()->is_array();
      if (in.lit(array ? ']' : '}')) {
        open.pop_back();
        continue;
      }
      if (!in.lit(',')) return discarded();
      next = array ? kItem : kMember;
      break;
    }
  }
}

bool append_short_number(std::string& out, double v) {
  if (!(v > -9e15 && v < 9e15)) return false;  // also NaN
  if (v == static_cast<double>(static_cast<int64_t>(v))) {
    append_int(out, static_cast<int64_t>(v));
    return true;
  }
  const bool negative = v < 0;
  const double a = negative ? -v : v;
  double scale = 1;
  std::string text;
  for (int decimals = 1; decimals <= 15; ++decimals) {
    scale *= 10;
    const double scaled = a * scale + 0.5;
    if (scaled >= 9007199254740992.0) return false;
    std::string digits;
    append_int(digits, static_cast<int64_t>(scaled));
    if (digits.size() <= static_cast<std::size_t>(decimals))
      digits.insert(0, static_cast<std::size_t>(decimals) + 1 - digits.size(), '0');
    text.assign(negative ? "-" : "");
    text.append(digits, 0, digits.size() - static_cast<std::size_t>(decimals));
    text.push_back('.');
    text.append(digits, digits.size() - static_cast<std::size_t>(decimals), std::string::npos);
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') continue;  // rounded to an integer: not v
    if (std::strtod(text.c_str(), nullptr) == v) {
      out += text;
      return true;
    }
  }
  return false;
}

}  // namespace session_rating::internal
