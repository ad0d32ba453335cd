// session_rating/utf8.h — the few UTF-8 helpers every module needs.
#pragma once

#include <cstddef>
#include <string_view>

namespace session_rating {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Number of Unicode code points in valid UTF-8 `text`.
std::size_t code_points(std::string_view text);

}  // namespace session_rating
