// json_util.h — small JSON helpers shared by the collector's modules. The collector builds with
// JSON_NOEXCEPTION (collector/CMakeLists.txt), so nothing here may rely on nlohmann throwing: parse without exceptions,
// dump with invalid UTF-8 replaced, and check types before reading values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "session_rating/error.h"

namespace collector {

using nlohmann::json;

// Parses without exceptions; a discarded value (is_discarded()) means invalid JSON.
json parse_json(std::string_view text);

// True when `text` has an object with two equal keys (nlohmann keeps the last one; the core
// refuses them): `out` gets the core's error, `duplicate_key` at the second key's pointer.
// Request bodies are checked with it before they are read (docs/security.md).
bool has_duplicate_key(std::string_view text, session_rating::Error& out);

// Compact serialisation that never throws or aborts (invalid UTF-8 is replaced).
std::string dump(const json& value);

// {"errors":[...]} for a whole-request error.
std::string errors_body(const session_rating::Errors& errors);
std::string error_body(const std::string& code, const std::string& message,
                       const std::string& path = "");

// The contract's error objects as JSON values.
json errors_to_value(const session_rating::Errors& errors);

// Parses a time given as ms since the epoch ("1700000000000") or a UTC date "YYYY-MM-DD"
// (start of that day; with end_of_day, the first ms of the next day). nullopt when invalid.
std::optional<int64_t> parse_time_param(std::string_view text, bool end_of_day);

// Parses a non-negative decimal integer; nullopt when invalid or out of range.
std::optional<int64_t> parse_int(std::string_view text);

}  // namespace collector
