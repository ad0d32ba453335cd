// Internal: the readers behind the public *_json/parse_* functions, taking a JSON value the
// core has already parsed (internal/json.h). Not public: the public headers speak JSON text
// and the core's own types only, so no consumer depends on the core's JSON library.
// Each has the documented behaviour of its text counterpart in the public header, minus the
// invalid_json check.
#pragma once

#include <vector>

#include "internal/json.h"
#include "session_rating/config.h"
#include "session_rating/error.h"
#include "session_rating/record.h"
#include "session_rating/throttle.h"

namespace session_rating {

// parse_config() of a parsed value (paths from the root).
Errors parse_config_value(const nlohmann::json& value, Config& out);

// parse_context() of a parsed value (paths "/context/...").
Errors parse_context_value(const nlohmann::json& value, const Config& config, Context& out);

// record_from_json() of a parsed value.
Errors record_from_value(const nlohmann::json& value, Record& out, int* schema_version = nullptr);

// A prompt history: a JSON array of {"key": string (1–257 chars), "prompted_at": integer >= 0,
// "rated": bool}; all three required, no other fields. Reports every problem, paths
// "/history/<i>/<field>". `out` is filled only when no error is returned.
Errors parse_prompt_history_value(const nlohmann::json& value, std::vector<PromptHistoryEntry>& out);

}  // namespace session_rating
