// session_rating/config.h — the prompt's configuration (contract 1) and the flow context
// (contract 2), parsed and validated into plain structs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session_rating/error.h"

namespace session_rating {

// The rating scale. Stars and emoji score 1–5, thumbs 0 (down) or 1 (up).
enum class Scale { Stars, Emoji, Thumbs };

// "stars" | "emoji" | "thumbs".
const char* scale_name(Scale scale);

// Reads a scale_name(); false (and `out` unchanged) for any other text.
bool parse_scale(std::string_view name, Scale& out);

// One problem a person can pick after a low score.
struct Problem {
  std::string id;     // [a-z0-9_-]{1,40}, unique within the config
  std::string label;  // 1–80 code points, shown as the checkbox's accessible name
};

// The comment box shown after a low score.
struct CommentConfig {
  bool enabled = false;    // off by default
  bool required = false;   // only valid when enabled
  int max_length = 500;    // 1–5000 Unicode code points
};

// When a rating stops being editable.
enum class FinaliseFrom { FirstSubmit, SessionEnd };

struct FinaliseConfig {
  int64_t window_seconds = 3600;               // 0–2592000; 0 = final at first submit
  FinaliseFrom from = FinaliseFrom::FirstSubmit;
};

// Whose prompts share a cooldown (see throttle.h).
enum class ThrottleKey { Session, AgentSession };

struct ThrottleConfig {
  ThrottleKey key = ThrottleKey::Session;  // "session" | "agent_session"
  int cooldown_days = 0;                   // 0–365
  double sample_percent = 100;             // 0–100
};

// A validated configuration with every default filled in.
struct Config {
  Scale scale = Scale::Stars;
  std::string question;                    // resolved: config value, else locale default
  int low_score_max = 3;                   // 1–4; a score <= this is low (thumbs: 0 is low)
  int positive_min = 4;                    // 2–5; a score >= this is positive (thumbs: 1)
  std::vector<Problem> problems;           // resolved: config list, else the preset's
  std::string preset = "call";             // "call" | "chat"
  CommentConfig comment;
  FinaliseConfig finalise;
  bool redact_pii = true;
  std::string locale = "en";               // as given; strings fall back to en
  bool rtl = false;                        // true for right-to-left locales (ar, he, fa, ur)
  std::map<std::string, std::string> strings;  // every UI string, overrides applied
  ThrottleConfig throttle;
  uint64_t fingerprint = 0;                // fnv1a_64 of the canonical config; snapshots carry it
  uint64_t fingerprint_v1 = 0;             // the same text as flow.v1 snapshots hashed it
                                           // (mistyped offset basis); accepted on restore only
};

// Parses and validates a config given as JSON text. Reports every problem at once
// (codes: invalid_json, not_an_object, unknown_field, wrong_type, out_of_range,
// duplicate_id, invalid_value, conflict). `out` is filled only when no error is returned.
Errors parse_config(std::string_view json_text, Config& out);

// Who and what is being rated (contract 2).
struct Context {
  std::string session_id;                  // 1–128 chars of [A-Za-z0-9._:-]
  std::string rating_id;                   // same charset; defaults to session_id
  std::optional<int64_t> session_ended_at; // ms since epoch
  bool internal = false;                   // staff/admin rating: excluded from insights
  std::optional<std::string> topic;        // free text, 1–128 code points
  std::optional<std::string> agent_id;     // same charset as ids
};

// Parses and validates a context (paths are "/context/..."). Also reports the cross-check
// with the config: finalise.from "session_end" needs session_ended_at (conflict at
// "/finalise/from").
Errors parse_context(std::string_view json_text, const Config& config, Context& out);

// True when `id` matches [A-Za-z0-9._:-]{1,128}.
bool is_valid_id(std::string_view id);

}  // namespace session_rating
