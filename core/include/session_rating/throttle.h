// session_rating/throttle.h — whether to show the rating prompt at all (contract 7):
// already-rated check, cooldown per key, and deterministic sampling by session id.
// Details and examples: docs/throttle.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "session_rating/config.h"
#include "session_rating/error.h"

namespace session_rating {

// One remembered prompt, kept by the caller (the widget: in localStorage).
struct PromptHistoryEntry {
  std::string key;          // throttle_key() of the context the prompt was shown for
  int64_t prompted_at = 0;  // ms since epoch when the prompt was shown
  bool rated = false;       // true once a rating was submitted from that prompt
};

// Why should_prompt() answered as it did.
enum class PromptReason { Ok, Cooldown, SampledOut, AlreadyRated };

// "ok" | "cooldown" | "sampled_out" | "already_rated".
const char* prompt_reason_name(PromptReason reason);

// The decision, plus the key the caller stores in its history when it shows the prompt.
struct PromptDecision {
  bool prompt = true;                     // show the prompt
  PromptReason reason = PromptReason::Ok; // Ok exactly when prompt is true
  std::string key;                        // throttle_key(throttle.key, context)
};

// The history key for a context: "session" → session_id; "agent_session" →
// agent_id + "|" + session_id ('|' never occurs in ids), or session_id when agent_id is null.
std::string throttle_key(ThrottleKey key, const Context& context);

// The session's sampling bucket: fnv1a_64(session_id) % 10000 (hash.h), in 0–9999.
int sample_bucket(std::string_view session_id);

// True when the session is sampled in: sample_bucket(session_id) < round(sample_percent * 100).
// 100 → always, 0 → never; the same session always gets the same answer.
bool sampled_in(std::string_view session_id, double sample_percent);

// The decision. Checks in this order, first match wins:
//   1. already_rated — a history entry with this key has rated == true;
//   2. cooldown      — cooldown_days > 0 and a history entry with this key has
//                      now_ms - prompted_at < cooldown_days * 86400000 (a prompted_at in
//                      the future also counts as within the cooldown);
//   3. sampled_out   — !sampled_in(context.session_id, sample_percent);
//   otherwise ok. Entries with other keys are ignored.
PromptDecision should_prompt(const std::vector<PromptHistoryEntry>& history,
                             const Context& context, int64_t now_ms,
                             const ThrottleConfig& throttle);

// {"key": "...", "prompt": bool, "reason": "..."} (keys sorted).
std::string prompt_decision_to_json(const PromptDecision& decision);

// JSON in, JSON out (for the WebAssembly bridge). `history_json`: a JSON array of
// {"key": string (1–257 chars), "prompted_at": integer >= 0, "rated": bool}, all three
// required, no other fields (every problem reported, paths "/history/<i>/<field>");
// `context_json` a flow context (contract 2; errors at "/context/..."); `throttle_json` the
// config's "throttle" object ({} = defaults; errors at "/throttle/..."); `now_ms` >= 0
// (else out_of_range at "/now"). Returns prompt_decision_to_json(), or
// {"error": [{"path","code","message"}, ...]} listing every problem in all inputs.
std::string should_prompt_json(std::string_view history_json, std::string_view context_json,
                               int64_t now_ms, std::string_view throttle_json);

}  // namespace session_rating
