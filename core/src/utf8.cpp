#include "session_rating/utf8.h"

namespace session_rating {

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) { ++p; continue; }
    int n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) { n = 2; lo = 0xA0; }
    else if (c >= 0xE1 && c <= 0xEC) n = 2;
    else if (c == 0xED) { n = 2; hi = 0x9F; }  // no UTF-16 surrogates
    else if (c >= 0xEE && c <= 0xEF) n = 2;
    else if (c == 0xF0) { n = 3; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) { n = 3; hi = 0x8F; }  // <= U+10FFFF
    else return false;
    if (end - p < n + 1) return false;  // truncated sequence
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= n; ++i)
      if ((p[i] & 0xC0) != 0x80) return false;
    p += n + 1;
  }
  return true;
}

bool has_control_chars(std::string_view text, bool allow_line_breaks) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  for (; p < end; ++p) {
    const unsigned char c = *p;
    if (c < 0x20) {
      if (!(allow_line_breaks && (c == '\t' || c == '\n' || c == '\r'))) return true;
    } else if (c == 0x7F) {
      return true;
    } else if (c == 0xC2 && p + 1 < end && p[1] <= 0x9F) {  // U+0080–U+009F
      return true;
    }
  }
  return false;
}

std::size_t code_points(std::string_view text) {
  std::size_t n = 0;
  for (char ch : text)
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace session_rating
