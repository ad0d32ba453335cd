// session_rating/utf8.h — the few UTF-8 helpers every module needs.
#pragma once

#include <cstddef>
#include <string_view>

namespace session_rating {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Number of Unicode code points in valid UTF-8 `text`.
std::size_t code_points(std::string_view text);

// True when valid UTF-8 `text` holds a control character: U+0000–U+001F, U+007F or
// U+0080–U+009F. With `allow_line_breaks` (comments), tab, line feed and carriage return
// (U+0009, U+000A, U+000D) are allowed. Refused in topics, property strings, config texts
// (code invalid_value) and, except those three, in comments (docs/contracts.md).
bool has_control_chars(std::string_view text, bool allow_line_breaks = false);

}  // namespace session_rating
