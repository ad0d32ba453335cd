// wasm/bridge.cpp — the WebAssembly boundary of the core: a thin extern "C" layer.
//
// Conventions (the JS side, web/core.mjs, is the only caller):
//  * Inputs are UTF-8 byte ranges (pointer + length) in WASM memory; the caller owns them
//    (web/core.mjs writes them into one reusable buffer from sr_alloc) — no NUL needed.
//  * Every `char*` result is a NUL-terminated UTF-8 JSON string allocated with malloc;
//    the caller reads it and releases it with sr_free. NULL means "no such flow" (misuse:
//    a destroyed handle) or out of memory — never bad input. One exception: the answer of
//    sr_flow_dispatch (one per event, the hot path) is the bridge's own buffer, valid until
//    the next sr_flow_dispatch, and is not freed by the caller; its length is returned.
//  * Flows are opaque integer handles (> 0). sr_flow_destroy releases one.
//  * Nothing here throws (the whole build is -fno-exceptions) and every bad input comes
//    back as the core's structured error JSON, never as a trap.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "session_rating/config.h"
#include "session_rating/error.h"
#include "session_rating/flow.h"
#include "session_rating/insights.h"
#include "session_rating/record.h"
#include "session_rating/redact.h"
#include "session_rating/throttle.h"

// Not `used`: the export list of each link (wasm/exports.txt for the widget,
// exports-tools.txt for the tools build) decides what is kept; the rest is dropped by LTO.
#define SR_EXPORT extern "C" __attribute__((visibility("default")))

namespace sr = session_rating;

namespace {

// Live flows; handle = index + 1. Freed slots are reused (lowest first is not needed).
std::vector<std::unique_ptr<sr::Flow>> g_flows;
std::vector<int32_t> g_free;
int32_t g_live = 0;

// sr_flow_dispatch's answer: one buffer for every event of every flow. It keeps the capacity
// of the longest answer so far (bounded: a comment is at most 5,000 code points).
std::string g_answer;

char* to_c(std::string_view s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) return nullptr;
  std::memcpy(out, s.data(), s.size());
  out[s.size()] = '\0';
  return out;
}

std::string_view view_of(const char* p, size_t n) {
  return p == nullptr ? std::string_view() : std::string_view(p, n);
}

sr::Flow* flow_at(int32_t handle) {
  if (handle <= 0 || static_cast<size_t>(handle) > g_flows.size()) return nullptr;
  return g_flows[static_cast<size_t>(handle) - 1].get();
}

int32_t adopt(std::unique_ptr<sr::Flow> flow) {
  size_t index;
  if (!g_free.empty()) {
    index = static_cast<size_t>(g_free.back());
    g_free.pop_back();
    g_flows[index] = std::move(flow);
  } else {
    index = g_flows.size();
    g_flows.push_back(std::move(flow));
  }
  ++g_live;
  return static_cast<int32_t>(index + 1);
}

// {"ok":true|false,"errors":[...]}
std::string verdict(const sr::Errors& errors) {
  std::string out = errors.empty() ? "{\"ok\":true,\"errors\":" : "{\"ok\":false,\"errors\":";
  out += sr::errors_to_json(errors);
  out += '}';
  return out;
}

// Creation results: a handle, or 0 with the errors JSON written to *errors_out. No errors and
// no flow (not expected) is reported as one error, written as text (no Error built for it).
int32_t created(const sr::Errors& errors, std::unique_ptr<sr::Flow> flow, char** errors_out) {
  if (errors.empty() && flow) {
    if (errors_out != nullptr) *errors_out = nullptr;
    return adopt(std::move(flow));
  }
  if (errors_out != nullptr)
    *errors_out = errors.empty() ? to_c("[{\"path\":\"\",\"code\":\"invalid_value\","
                                        "\"message\":\"the flow could not be created\"}]")
                                 : to_c(sr::errors_to_json(errors));
  return 0;
}

}  // namespace

// ---- memory -------------------------------------------------------------------------------

SR_EXPORT void* sr_alloc(size_t size) { return std::malloc(size == 0 ? 1 : size); }
SR_EXPORT void sr_free(void* p) { std::free(p); }

// ---- flows --------------------------------------------------------------------------------

// Validates config + context (contracts 1 and 2) and creates a flow in step "score".
SR_EXPORT int32_t sr_flow_create(const char* config, size_t config_len, const char* context,
                                 size_t context_len, char** errors_out) {
  std::unique_ptr<sr::Flow> flow;
  sr::Errors errors =
      sr::make_flow(view_of(config, config_len), view_of(context, context_len), flow);
  return created(errors, std::move(flow), errors_out);
}

// Rebuilds a flow from sr_flow_snapshot() output with the same config (contract 4).
SR_EXPORT int32_t sr_flow_restore(const char* config, size_t config_len, const char* snapshot,
                                  size_t snapshot_len, char** errors_out) {
  sr::Config parsed;
  sr::Errors errors = sr::parse_config(view_of(config, config_len), parsed);
  std::unique_ptr<sr::Flow> flow;
  if (errors.empty())
    errors = sr::Flow::restore(std::move(parsed), view_of(snapshot, snapshot_len), flow);
  return created(errors, std::move(flow), errors_out);
}

// One event in, the answer out in the wire form (Flow::dispatch_wire): the view without its
// config-only parts, which web/core.mjs takes from sr_flow_view(), alone or inside
// {"ok",...,"view","emit"} (docs/view.md, "The wire form"). Returns the answer's length in
// bytes and points *answer_out at it (NUL-terminated too), or returns -1 for no such flow.
// The text is g_answer's: read it before the next dispatch, do not free it.
SR_EXPORT int32_t sr_flow_dispatch(int32_t handle, const char* event, size_t event_len,
                                   const char** answer_out) {
  sr::Flow* flow = flow_at(handle);
  if (flow == nullptr) return -1;
  flow->dispatch_wire(view_of(event, event_len), g_answer);
  if (answer_out != nullptr) *answer_out = g_answer.c_str();
  return static_cast<int32_t>(g_answer.size());
}

SR_EXPORT char* sr_flow_view(int32_t handle) {
  sr::Flow* flow = flow_at(handle);
  return flow == nullptr ? nullptr : to_c(flow->view_json());
}

SR_EXPORT char* sr_flow_snapshot(int32_t handle) {
  sr::Flow* flow = flow_at(handle);
  return flow == nullptr ? nullptr : to_c(flow->snapshot_json());
}

// 1 when the handle was live and is now released, 0 when it was not live.
SR_EXPORT int32_t sr_flow_destroy(int32_t handle) {
  if (flow_at(handle) == nullptr) return 0;
  g_flows[static_cast<size_t>(handle) - 1].reset();
  g_free.push_back(handle - 1);
  --g_live;
  return 1;
}

// Number of live flows (tests use it to prove that destroy and the JS finalizer free them).
SR_EXPORT int32_t sr_flow_count() { return g_live; }

// ---- stateless calls ----------------------------------------------------------------------

// {"ok":bool,"errors":[...]} for a config (contract 1).
SR_EXPORT char* sr_validate_config(const char* config, size_t len) {
  sr::Config parsed;
  return to_c(verdict(sr::parse_config(view_of(config, len), parsed)));
}

// {"ok":bool,"errors":[...]} for a record received from outside (contract 3).
SR_EXPORT char* sr_validate_record(const char* record, size_t len) {
  sr::Record parsed;
  return to_c(verdict(sr::record_from_json(view_of(record, len), parsed)));
}

// {"text","redactions"} or {"error":{...}} (contract 5). `text` is raw UTF-8, not JSON.
SR_EXPORT char* sr_redact(const char* text, size_t len) {
  return to_c(sr::redact_result_to_json(sr::redact(view_of(text, len))));
}

// Insights over a JSON array of records, rating.v2 or rating.v1 (contract 6); `by` is "",
// "topic", "agent", "day" or "property:KEY"; `question` is "" (all) or a question id.
SR_EXPORT char* sr_aggregate(const char* records, size_t records_len, const char* by,
                             size_t by_len, const char* question, size_t question_len) {
  return to_c(sr::aggregate_json(view_of(records, records_len), view_of(by, by_len),
                                 view_of(question, question_len)));
}

// should_prompt (contract 7). `now_ms` is a JS number; anything that is not a whole number
// of milliseconds in 0..2^53 is passed on as -1, which the core reports as out_of_range at
// "/now".
SR_EXPORT char* sr_should_prompt(const char* history, size_t history_len, const char* context,
                                 size_t context_len, double now_ms, const char* throttle,
                                 size_t throttle_len) {
  int64_t now = -1;
  if (std::isfinite(now_ms) && now_ms >= 0 && now_ms <= 9007199254740992.0 &&
      std::floor(now_ms) == now_ms) {
    now = static_cast<int64_t>(now_ms);
  }
  return to_c(sr::should_prompt_json(view_of(history, history_len),
                                     view_of(context, context_len), now,
                                     view_of(throttle, throttle_len)));
}
