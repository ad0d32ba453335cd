// Internal: the one reader and the one writer of custom properties ({"key": string | number |
// bool}), shared by the context, records and flow snapshots.
#pragma once

#include <string>

#include "internal/json.h"
#include "session_rating/config.h"
#include "session_rating/error.h"

namespace session_rating::internal {

// True for [a-z0-9_]{1,40}.
bool is_property_key(std::string_view key);

// Reads a properties object at `path`: at most kMaxProperties entries (else out_range at
// `path`), keys [a-z0-9_]{1,40} (invalid_value at the key's path), values a string of 1–200
// code points, a finite number or a boolean (wrong_type / out_of_range / invalid_utf8 at the
// key's path). Appends errors; `out` holds the valid entries sorted by key.
void read_properties(const nlohmann::json& value, const std::string& path, Errors& errors,
                     Properties& out);

// Writes {"key": value, ...} in `props` order (sorted).
void write_properties(JsonWriter& w, const Properties& props);

}  // namespace session_rating::internal
