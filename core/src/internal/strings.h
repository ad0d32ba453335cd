// Internal: built-in UI strings per locale.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace session_rating::internal {

// Fills `out` with every UI string for `locale` ("de-AT" uses "de"; unknown → "en").
// Returns the base language actually used ("en", "de", ...).
std::string builtin_strings(std::string_view locale, std::map<std::string, std::string>& out);

// True when `key` is one of the documented string keys (docs/view.md).
bool is_string_key(std::string_view key);

// True for right-to-left languages (ar, he, fa, ur).
bool is_rtl_locale(std::string_view locale);

}  // namespace session_rating::internal
