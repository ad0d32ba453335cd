// describe.h — the summary lines of sr_fuzz_describe(): what fuzz/wasm-agree.mjs compares with
// the WASM core's answers (accept/reject, and every error as [path, code]).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "session_rating/error.h"

namespace sr_fuzz {

// [[path, code], ...] of the errors, in order.
inline nlohmann::json error_list(const session_rating::Errors& errors) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : errors) list.push_back({e.path, e.code});
  return list;
}

// One line of JSON (invalid UTF-8 would be replaced; the core's errors never hold any).
inline std::string line(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sr_fuzz
