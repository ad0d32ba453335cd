// session_rating/config.h — the prompt's configuration (contract 1) and the flow context
// (contract 2), parsed and validated into plain structs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "session_rating/error.h"

namespace session_rating {

// The rating scale. Stars and emoji score 1–5, thumbs 0 (down) or 1 (up), numeric
// range.min–range.max (min 0 or 1, max 3–10), nps 0–10.
enum class Scale { Stars, Emoji, Thumbs, Numeric, Nps };

// "stars" | "emoji" | "thumbs" | "numeric" | "nps".
const char* scale_name(Scale scale);

// Reads a scale_name(); false (and `out` unchanged) for any other text.
bool parse_scale(std::string_view name, Scale& out);

// One problem a person can pick after a low score.
struct Problem {
  std::string id;     // [a-z0-9_-]{1,40}, unique within its question
  std::string label;  // 1–80 code points (resolved for the locale), the checkbox's name
};

// Problems per question, at most (more is "out_of_range"). The WebAssembly wire view sends a
// question's picks as one number with a bit per problem (docs/view.md, "The wire form").
inline constexpr std::size_t kMaxProblems = 20;

// The comment box shown after a low score.
struct CommentConfig {
  bool enabled = false;    // off by default
  bool required = false;   // only valid when enabled
  int max_length = 500;    // 1–5000 Unicode code points
};

// One question of the prompt (contract 1, "questions"). The top-level shorthand (scale,
// question, thresholds, problems, comment) is one question with id "overall".
struct Question {
  std::string id = "overall";            // [A-Za-z0-9_-]{1,40}, unique
  std::string text;                       // resolved for the locale; 1–200 code points
  Scale scale = Scale::Stars;
  int min = 1;                            // lowest score: stars/emoji 1, thumbs 0, nps 0,
  int max = 5;                            // highest: 5, 1, 10; numeric: its range
  int low_score_max = 3;                  // a score <= this is low (opens problems/comment)
  int positive_min = 4;                   // a score >= this is positive
  std::vector<Problem> problems;          // resolved labels
  CommentConfig comment;
  bool required = true;                   // submit needs a score (default: first question)
  std::string min_label;                  // numeric/nps end labels (resolved; else empty)
  std::string max_label;
};

// Default thresholds of a scale over [min, max]: stars/emoji 3/4, thumbs 0/1, nps 6/9;
// numeric: positive_min = max - (max - min + 1) / 5, low_score_max = positive_min - 1.
void default_thresholds(Scale scale, int min, int max, int& low_score_max, int& positive_min);

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
  std::vector<Question> questions;         // 1–5, config order; never empty once parsed
  std::string preset = "call";             // "call" | "chat"
  FinaliseConfig finalise;
  bool redact_pii = true;
  std::string locale = "en";               // as given; strings fall back to en
  bool rtl = false;                        // true for right-to-left locales (ar, he, fa, ur)
  std::map<std::string, std::string> strings;  // every UI string, overrides applied
  ThrottleConfig throttle;
  uint64_t fingerprint = 0;                // fnv1a_64 of the canonical config; snapshots carry it
  uint64_t fingerprint_v1 = 0;             // the same text as flow.v1 snapshots hashed it
                                           // (mistyped offset basis); accepted on restore only

  // Index of the question with this id, or -1.
  int question_index(std::string_view id) const;
};

// Parses and validates a config given as JSON text. Reports every problem at once
// (codes: invalid_json, not_an_object, unknown_field, wrong_type, out_of_range,
// duplicate_id, invalid_value, conflict). `out` is filled only when no error is returned.
Errors parse_config(std::string_view json_text, Config& out);

// One custom property value: a string (1–200 code points), a finite number or a boolean.
struct PropertyValue {
  enum class Kind { String, Number, Bool } kind = Kind::String;
  std::string text;      // Kind::String
  double number = 0;     // Kind::Number
  bool boolean = false;  // Kind::Bool
  bool operator==(const PropertyValue& o) const {
    return kind == o.kind && text == o.text && number == o.number && boolean == o.boolean;
  }
};

// Custom properties, sorted by key (keys [a-z0-9_]{1,40}, at most kMaxProperties).
using Properties = std::vector<std::pair<std::string, PropertyValue>>;
constexpr std::size_t kMaxProperties = 20;

// A property value as group/filter text: the string itself, a number as JSON writes it
// ("3", "0.5"), "true" / "false".
std::string property_text(const PropertyValue& value);

// Who and what is being rated (contract 2).
struct Context {
  std::string session_id;                  // 1–128 chars of [A-Za-z0-9._:-]
  std::string rating_id;                   // same charset; default: derive_rating_id()
  std::optional<std::string> rater_id;     // who rates (same charset)
  std::optional<std::string> subject_id;   // what inside the session (same charset)
  std::optional<int64_t> session_ended_at; // ms since epoch; also set by a session_end event
  bool internal = false;                   // staff/admin rating: excluded from insights
  std::optional<std::string> topic;        // free text, 1–128 code points
  std::optional<std::string> agent_id;     // same charset as ids
  Properties properties;                   // copied into every record
  // "sr1.<exp>.<mac>" from the host's backend (sign.h), copied into every record; the core
  // checks only its syntax, the collector its MAC and expiry
  std::optional<std::string> context_signature;
};

// The default rating id of (session, subject, rater): the session id itself when subject and
// rater are both absent (one rating per session, as before); otherwise "rt-" followed by 32
// hex digits of two 64-bit FNV-1a hashes (standard basis, and the basis of "\x01"-prefixed
// text) of the canonical JSON text ["session", subject|null, rater|null]. Deterministic,
// always a valid id; distinct triples give distinct ids (up to a 128-bit hash collision).
std::string derive_rating_id(std::string_view session_id,
                             const std::optional<std::string>& subject_id,
                             const std::optional<std::string>& rater_id);

// Parses and validates a context (paths are "/context/..."). A missing rating_id is
// derived with derive_rating_id().
Errors parse_context(std::string_view json_text, const Config& config, Context& out);

// Reads a properties object (at most 20 entries, keys [a-z0-9_]{1,40}, values string 1–200
// code points, finite number, or boolean) from JSON text; errors carry `base` + "/key".
Errors parse_properties(std::string_view json_text, const std::string& base, Properties& out);

// True when `id` matches [A-Za-z0-9._:-]{1,128}.
bool is_valid_id(std::string_view id);

// True when `id` is a question id: [A-Za-z0-9_-]{1,40} (question codes like HELPFUL_THUMBS).
bool is_valid_question_id(std::string_view id);

}  // namespace session_rating
