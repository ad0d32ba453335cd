// Internal: a small append-only JSON writer. Faster than building a nlohmann DOM for the
// hot paths (view, records, dispatch results) and free of floating-point formatting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace session_rating::internal {

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

// Appends a signed integer in decimal.
inline void append_int(std::string& out, int64_t v) {
  char buf[24];
  int n = 0;
  uint64_t u = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    buf[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  if (v < 0) out.push_back('-');
  while (n > 0) out.push_back(buf[--n]);
}

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
    if (!first_) out_.push_back(',');
    append_json_string(out_, k);
    out_.push_back(':');
    after_key_ = true;
  }
  void string(std::string_view s) { value_prefix(); append_json_string(out_, s); first_ = false; }
  void integer(int64_t v) { value_prefix(); append_int(out_, v); first_ = false; }
  void boolean(bool b) { value_prefix(); out_.append(b ? "true" : "false"); first_ = false; }
  void null() { value_prefix(); out_.append("null"); first_ = false; }
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
