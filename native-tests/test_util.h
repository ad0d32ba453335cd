// Shared helpers for the native tests.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "session_rating/flow.h"

namespace sr_test {

using nlohmann::json;

// Parses JSON text; fails the test on invalid JSON.
inline json parse(const std::string& text) {
  json v = json::parse(text, nullptr, false);
  EXPECT_FALSE(v.is_discarded()) << "not JSON: " << text;
  return v;
}

// Creates a flow from JSON config/context; fails the test on errors.
inline std::unique_ptr<session_rating::Flow> make(const json& config,
                                                  const json& context = json{{"session_id", "s-1"},
                                                                             {"rating_id", "r-1"}}) {
  std::unique_ptr<session_rating::Flow> flow;
  session_rating::Errors errors = session_rating::make_flow(config.dump(), context.dump(), flow);
  EXPECT_TRUE(errors.empty()) << session_rating::errors_to_json(errors);
  return flow;
}

// Dispatches an event and returns the parsed result.
inline json send(session_rating::Flow& flow, const json& event) {
  return parse(flow.dispatch_json(event.dump()));
}

// True when `errors` holds an error with this path and code.
inline bool has_error(const session_rating::Errors& errors, const std::string& path,
                      const std::string& code) {
  for (const session_rating::Error& e : errors)
    if (e.path == path && e.code == code) return true;
  return false;
}

inline json ev(const char* type, long long at) { return json{{"type", type}, {"at", at}}; }
inline json score(int value, long long at) { return json{{"type", "score"}, {"value", value}, {"at", at}}; }

}  // namespace sr_test
