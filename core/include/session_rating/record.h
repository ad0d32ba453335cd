// session_rating/record.h — the delivered rating record (contract 3): build, serialise,
// and validate records received from outside.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session_rating/config.h"
#include "session_rating/error.h"

namespace session_rating {

enum class Sentiment { Negative, Neutral, Positive };

// "negative" | "neutral" | "positive".
const char* sentiment_name(Sentiment sentiment);

// Reads a sentiment_name(); false (and `out` unchanged) for any other text.
bool parse_sentiment(std::string_view name, Sentiment& out);

// How many items of one kind redaction replaced; `kind` is a redaction_kind_name() (redact.h).
struct Redaction {
  std::string kind;
  int64_t count = 0;
};

// One question's answer inside a record.
struct Answer {
  std::string question = "overall";     // the question's id
  Scale scale = Scale::Stars;
  int min = 1;                          // the scale's range ("range": [min, max])
  int max = 5;
  int score = 0;                        // min–max
  bool positive = false;                // score >= positive_min
  Sentiment sentiment = Sentiment::Neutral;
  std::vector<std::string> problems;    // ids in config order; empty unless low
  std::string comment;                  // redacted text; empty unless low
  std::vector<Redaction> redactions;    // counts per kind; empty when nothing was redacted
  int low_score_max = 3;                // thresholds used when the record was made
  int positive_min = 4;
};

// One revision of one rating, exactly as delivered ("schema": "rating.v2").
struct Record {
  std::string rating_id;
  std::string session_id;
  std::optional<std::string> rater_id;
  std::optional<std::string> subject_id;
  int64_t revision = 1;                 // >= 1; each submitted change adds one
  bool final = false;                   // true once the edit window closed
  std::vector<Answer> answers;          // 1–5, config order, distinct questions
  int64_t submitted_at = 0;             // ms since epoch of this revision's submit
  int64_t first_submitted_at = 0;       // ms since epoch of revision 1's submit
  std::optional<int64_t> edit_deadline; // ms since epoch when the rating becomes final; null
                                        // while unknown (finalise.from "session_end" and the
                                        // live session's end not reported yet)
  bool internal = false;
  std::optional<std::string> topic;
  std::optional<std::string> agent_id;
  Properties properties;                // sorted by key
  // The context's "sr1.<exp>.<mac>" token (sign.h); written last, and only when present
  std::optional<std::string> context_signature;
};

// Whether `score` is low / positive, and its sentiment, on a scale over [min, max].
// Sentiment: >= positive_min positive; thumbs 0 negative; nps <= 6 negative; stars/emoji
// <= 2 negative; numeric <= min + (max - min) * 2 / 5 negative; otherwise neutral.
bool is_low(Scale scale, int score, int low_score_max);
bool is_positive(Scale scale, int score, int positive_min);
Sentiment sentiment_of(Scale scale, int min, int max, int score, int positive_min);

// The [min, max] of a fixed scale (stars/emoji 1–5, thumbs 0–1, nps 0–10); numeric has none
// (returns false).
bool fixed_range(Scale scale, int& min, int& max);

// Longest comment a record may carry, in code points (the largest comment.max_length).
constexpr int64_t kMaxRecordComment = 5000;

// Serialises a record as compact "rating.v2" JSON with the contract's key order.
std::string record_to_json(const Record& record);

// Checks that `json_text` is JSON as the core reads it: empty when it is; else one error,
// `duplicate_key` at the JSON pointer of a key's second occurrence ("/3/topic" in a batch),
// `invalid_utf8` or `invalid_json` at "". For callers that parse a text with another JSON
// library first (the collector's batch bodies): nlohmann keeps the last of two equal keys.
Errors check_json_text(std::string_view json_text);

// Reads a "rating.v2" record, or a "rating.v1" one (converted: one answer, question
// "overall", no rater/subject, no properties), and checks it (shape, types, unknown fields,
// schema, and the consistency rules of check_record). `out` is filled only when no error is
// returned. `schema_version`, when given, receives 1 or 2.
Errors record_from_json(std::string_view json_text, Record& out, int* schema_version = nullptr);

// Consistency checks on an already typed record: for each answer positive and sentiment
// agree with the score and thresholds, the score is within the range, the range and the
// thresholds fit the scale, problems valid and unique, problems/comment empty unless low,
// comment within kMaxRecordComment, redaction kinds known and counts >= 1; 1–5 answers with
// distinct question ids; revision >= 1, ids valid, properties valid, times >= 0,
// submitted_at >= first_submitted_at, edit_deadline >= first_submitted_at.
Errors check_record(const Record& record);

}  // namespace session_rating
