// Internal: single-pass record reader (see record_scan.h). Conservative by design: whenever
// it is not certain that record_from_json() would read the text into exactly this Record,
// it answers false and the caller falls back to the DOM reader.
#include "internal/record_scan.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "internal/json.h"

namespace session_rating::internal {
namespace {

// Top-level fields of both schemas. rating.v2: the shared ones plus rater_id, subject_id,
// answers, properties; rating.v1: the shared ones plus the answer's fields at the top level.
enum Field : int {
  kSchema, kRatingId, kSessionId, kRaterId, kSubjectId, kRevision, kFinal, kAnswers,
  kScale, kScore, kPositive, kSentiment, kProblems, kComment, kRedactions,
  kSubmittedAt, kFirstSubmittedAt, kEditDeadline, kInternal, kTopic, kAgentId,
  kProperties, kThresholds, kFieldCount
};

constexpr uint32_t bit(int f) { return 1u << f; }
constexpr uint32_t kShared = bit(kSchema) | bit(kRatingId) | bit(kSessionId) | bit(kRevision) |
                             bit(kFinal) | bit(kSubmittedAt) | bit(kFirstSubmittedAt) |
                             bit(kEditDeadline) | bit(kInternal) | bit(kTopic) | bit(kAgentId);
constexpr uint32_t kV2Fields =
    kShared | bit(kRaterId) | bit(kSubjectId) | bit(kAnswers) | bit(kProperties);
constexpr uint32_t kV1Fields = kShared | bit(kScale) | bit(kScore) | bit(kPositive) |
                               bit(kSentiment) | bit(kProblems) | bit(kComment) |
                               bit(kRedactions) | bit(kThresholds);

// Field names, indexed by Field.
constexpr std::string_view kFieldNames[kFieldCount] = {
    "schema", "rating_id", "session_id", "rater_id", "subject_id", "revision", "final",
    "answers", "scale", "score", "positive", "sentiment", "problems", "comment", "redactions",
    "submitted_at", "first_submitted_at", "edit_deadline", "internal", "topic", "agent_id",
    "properties", "thresholds"};

// The contract's key orders (what record_to_json writes, and old cores wrote for v1).
constexpr int kV2Order[] = {kSchema, kRatingId, kSessionId, kRaterId, kSubjectId, kRevision,
                            kFinal, kAnswers, kSubmittedAt, kFirstSubmittedAt, kEditDeadline,
                            kInternal, kTopic, kAgentId, kProperties};
constexpr int kV1Order[] = {kSchema, kRatingId, kSessionId, kRevision, kFinal, kScale, kScore,
                            kPositive, kSentiment, kProblems, kComment, kRedactions,
                            kSubmittedAt, kFirstSubmittedAt, kEditDeadline, kInternal, kTopic,
                            kAgentId, kThresholds};

// The field named `k`, or -1. `hint` (the field expected next) is tried first, so records in
// the contract's key order cost one comparison per key.
int field_of(std::string_view k, int hint) {
  if (hint >= 0 && k == kFieldNames[hint]) return hint;
  for (int f = 0; f < kFieldCount; ++f) {
    if (k == kFieldNames[f]) return f;
  }
  return -1;
}

// Fields of one answer object (rating.v2), in the contract's order.
enum AnswerField : int {
  aQuestion, aScale, aRange, aScore, aPositive, aSentiment, aProblems, aComment, aRedactions,
  aThresholds, kAnswerFieldCount
};
constexpr uint32_t kAllAnswerFields = (1u << kAnswerFieldCount) - 1;
constexpr std::string_view kAnswerFieldNames[kAnswerFieldCount] = {
    "question", "scale", "range", "score", "positive", "sentiment", "problems", "comment",
    "redactions", "thresholds"};

// The record's tokens, read with the core's one JSON lexer (internal/json.h).
class Scanner {
 public:
  explicit Scanner(std::string_view text) : lex_(text) {}

  bool at_end() { return lex_.at_end(); }
  bool lit(char c) { return lex_.lit(c); }

  // A string token decoded into `out` (the same decoding parse_json() does).
  bool string(std::string& out) { return lex_.string(out); }

  // A string token that must not contain escapes (names, enum values).
  bool plain_string(std::string_view& out) {
    bool escaped = false;
    return lex_.string_token(out, escaped) && !escaped;
  }

  // An integer token: -?(0|[1-9][0-9]{0,17}), no fraction, no exponent.
  bool integer(int64_t& out) {
    std::string_view t;
    bool integral = false;
    if (!lex_.number_token(t, integral) || !integral) return false;
    return to_int(t, out);
  }

  // Any number token as the DOM reader's double: integers of up to 18 digits converted from
  // their exact value; fractions/exponents by strtod, as parse_json() does; refused when not
  // finite (parse_json refuses an overflow) or an integer of more than 18 digits.
  bool number(double& out) {
    std::string_view t;
    bool integral = false;
    if (!lex_.number_token(t, integral)) return false;
    if (integral) {
      int64_t v = 0;
      if (!to_int(t, v)) return false;
      out = static_cast<double>(v);
      return true;
    }
    copy_.assign(t.data(), t.size());
    out = std::strtod(copy_.c_str(), nullptr);
    return std::isfinite(out);
  }

  bool boolean(bool& out) {
    if (!lex_.skip_ws()) return false;
    if (lex_.word("true", 4)) {
      out = true;
      return true;
    }
    if (lex_.word("false", 5)) {
      out = false;
      return true;
    }
    return false;
  }

  // true / false, or false when the next token is neither (nothing consumed then).
  bool maybe_boolean(bool& out) { return boolean(out); }

  // null → nullopt, integer → value.
  bool nullable_integer(std::optional<int64_t>& out) {
    if (!lex_.skip_ws()) return false;
    if (lex_.word("null", 4)) {
      out.reset();
      return true;
    }
    int64_t v = 0;
    if (!integer(v)) return false;
    out = v;
    return true;
  }

  // null → nullopt, string → value.
  bool nullable_string(std::optional<std::string>& out) {
    if (!lex_.skip_ws()) return false;
    if (lex_.word("null", 4)) {
      out.reset();
      return true;
    }
    if (!out) out.emplace();
    return string(*out);
  }

  bool peek(char c) { return lex_.peek(c); }

 private:
  static bool to_int(std::string_view t, int64_t& out) {
    const bool neg = t[0] == '-';
    if (t.size() - (neg ? 1 : 0) > 18) return false;
    int64_t v = 0;
    for (std::size_t i = neg ? 1 : 0; i < t.size(); ++i) v = v * 10 + (t[i] - '0');
    out = neg ? -v : v;
    return true;
  }

  JsonLexer lex_;
  std::string copy_;
};

bool small_int(Scanner& s, int& out) {
  int64_t v = 0;
  if (!s.integer(v) || v < -1000 || v > 1000) return false;
  out = static_cast<int>(v);
  return true;
}

bool read_scale(Scanner& s, Scale& out) {
  std::string_view v;
  if (!s.plain_string(v)) return false;
  if (v == "stars") out = Scale::Stars;
  else if (v == "emoji") out = Scale::Emoji;
  else if (v == "thumbs") out = Scale::Thumbs;
  else if (v == "numeric") out = Scale::Numeric;
  else if (v == "nps") out = Scale::Nps;
  else return false;
  return true;
}

bool read_sentiment(Scanner& s, Sentiment& out) {
  std::string_view v;
  if (!s.plain_string(v)) return false;
  if (v == "positive") out = Sentiment::Positive;
  else if (v == "neutral") out = Sentiment::Neutral;
  else if (v == "negative") out = Sentiment::Negative;
  else return false;
  return true;
}

bool read_problems(Scanner& s, std::vector<std::string>& out) {
  if (!s.lit('[')) return false;
  std::size_t n = 0;
  if (!s.lit(']')) {
    do {
      if (n == out.size()) out.emplace_back();
      if (!s.string(out[n])) return false;
      ++n;
    } while (s.lit(','));
    if (!s.lit(']')) return false;
  }
  out.resize(n);
  return true;
}

bool read_redaction(Scanner& s, Redaction& out) {
  if (!s.lit('{')) return false;
  bool kind = false;
  bool count = false;
  do {
    std::string_view key;
    if (!s.plain_string(key) || !s.lit(':')) return false;
    if (key == "kind" && !kind) {
      if (!s.string(out.kind)) return false;
      kind = true;
    } else if (key == "count" && !count) {
      if (!s.integer(out.count)) return false;
      count = true;
    } else {
      return false;
    }
  } while (s.lit(','));
  return s.lit('}') && kind && count;
}

bool read_redactions(Scanner& s, std::vector<Redaction>& out) {
  if (!s.lit('[')) return false;
  std::size_t n = 0;
  if (!s.lit(']')) {
    do {
      if (n == out.size()) out.emplace_back();
      if (!read_redaction(s, out[n])) return false;
      ++n;
    } while (s.lit(','));
    if (!s.lit(']')) return false;
  }
  out.resize(n);
  return true;
}

bool read_thresholds(Scanner& s, Answer& out) {
  if (!s.lit('{')) return false;
  bool low = false;
  bool pos = false;
  do {
    std::string_view key;
    if (!s.plain_string(key) || !s.lit(':')) return false;
    if (key == "low_score_max" && !low) {
      if (!small_int(s, out.low_score_max)) return false;
      low = true;
    } else if (key == "positive_min" && !pos) {
      if (!small_int(s, out.positive_min)) return false;
      pos = true;
    } else {
      return false;
    }
  } while (s.lit(','));
  return s.lit('}') && low && pos;
}

// "range": [min, max], two small integers.
bool read_range(Scanner& s, Answer& out) {
  return s.lit('[') && small_int(s, out.min) && s.lit(',') && small_int(s, out.max) &&
         s.lit(']');
}

// The answer-level fields shared by a v2 answer object and a v1 record's top level.
bool read_answer_value(Scanner& s, int field, Answer& a) {
  switch (field) {
    case aScale: return read_scale(s, a.scale);
    case aScore: return small_int(s, a.score);
    case aPositive: return s.boolean(a.positive);
    case aSentiment: return read_sentiment(s, a.sentiment);
    case aProblems: return read_problems(s, a.problems);
    case aComment: return s.string(a.comment);
    case aRedactions: return read_redactions(s, a.redactions);
    case aThresholds: return read_thresholds(s, a);
    case aQuestion: return s.string(a.question);
    case aRange: return read_range(s, a);
    default: return false;
  }
}

bool read_answer(Scanner& s, Answer& a) {
  if (!s.lit('{')) return false;
  uint32_t seen = 0;
  int next = 0;
  do {
    std::string_view key;
    if (!s.plain_string(key) || !s.lit(':')) return false;
    int field = -1;
    if (next < kAnswerFieldCount && key == kAnswerFieldNames[next]) {
      field = next;
    } else {
      for (int f = 0; f < kAnswerFieldCount; ++f)
        if (key == kAnswerFieldNames[f]) field = f;
    }
    if (field < 0 || (seen & (1u << field))) return false;
    seen |= 1u << field;
    if (!read_answer_value(s, field, a)) return false;
    next = field + 1;
  } while (s.lit(','));
  return s.lit('}') && seen == kAllAnswerFields;
}

bool read_answers(Scanner& s, std::vector<Answer>& out) {
  if (!s.lit('[')) return false;
  std::size_t n = 0;
  if (!s.lit(']')) {
    do {
      if (n == 5) return false;  // more than the contract allows: the DOM reader reports it
      if (n == out.size()) out.emplace_back();
      if (!read_answer(s, out[n])) return false;
      ++n;
    } while (s.lit(','));
    if (!s.lit(']')) return false;
  }
  out.resize(n);
  return true;
}

// {"key": string | number | bool, ...}; sorted by key afterwards. Duplicate keys (refused by
// parse_json with duplicate_key) and anything else unusual are left to the DOM reader.
bool read_properties(Scanner& s, Properties& out) {
  if (!s.lit('{')) return false;
  std::size_t n = 0;
  if (!s.lit('}')) {
    do {
      if (n == kMaxProperties) return false;
      std::string_view key;
      if (!s.plain_string(key) || !s.lit(':')) return false;
      if (n == out.size()) out.emplace_back();
      auto& [k, v] = out[n];
      k.assign(key.data(), key.size());
      if (s.peek('"')) {
        v.kind = PropertyValue::Kind::String;
        if (!s.string(v.text)) return false;
        v.number = 0;
        v.boolean = false;
      } else if (s.maybe_boolean(v.boolean)) {
        v.kind = PropertyValue::Kind::Bool;
        v.text.clear();
        v.number = 0;
      } else {
        v.kind = PropertyValue::Kind::Number;
        if (!s.number(v.number)) return false;
        v.text.clear();
        v.boolean = false;
      }
      ++n;
    } while (s.lit(','));
    if (!s.lit('}')) return false;
  }
  out.resize(n);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i - 1].first == out[i].first) return false;
  return true;
}

// Maps a v1 top-level field to its answer field.
int v1_answer_field(int field) {
  switch (field) {
    case kScale: return aScale;
    case kScore: return aScore;
    case kPositive: return aPositive;
    case kSentiment: return aSentiment;
    case kProblems: return aProblems;
    case kComment: return aComment;
    case kRedactions: return aRedactions;
    case kThresholds: return aThresholds;
    default: return -1;
  }
}

// `version`: 0 until "schema" is read, then 1 or 2.
bool read_field(Scanner& s, int field, Record& out, int& version) {
  std::string_view v;
  switch (field) {
    case kSchema:
      if (!s.plain_string(v)) return false;
      if (v == "rating.v2") version = 2;
      else if (v == "rating.v1") version = 1;
      else return false;
      return true;
    case kRatingId: return s.string(out.rating_id);
    case kSessionId: return s.string(out.session_id);
    case kRaterId: return s.nullable_string(out.rater_id);
    case kSubjectId: return s.nullable_string(out.subject_id);
    case kRevision: return s.integer(out.revision);
    case kFinal: return s.boolean(out.final);
    case kAnswers: return read_answers(s, out.answers);
    case kSubmittedAt: return s.integer(out.submitted_at);
    case kFirstSubmittedAt: return s.integer(out.first_submitted_at);
    case kEditDeadline: return s.nullable_integer(out.edit_deadline);  // v1 null: see scan_record
    case kInternal: return s.boolean(out.internal);
    case kTopic: return s.nullable_string(out.topic);
    case kAgentId: return s.nullable_string(out.agent_id);
    case kProperties: return read_properties(s, out.properties);
    default: {
      // A v1 answer field at the top level: read into the first answer.
      const int af = v1_answer_field(field);
      if (af < 0) return false;
      if (out.answers.empty()) out.answers.emplace_back();
      return read_answer_value(s, af, out.answers[0]);
    }
  }
}

// The reader-level limits that check_record() does not repeat (it runs after a true answer):
// the DOM reader refuses more than 20 problems and more than 5 redaction entries per answer.
bool plausible(const Record& r) {
  for (const Answer& a : r.answers)
    if (a.problems.size() > 20 || a.redactions.size() > 5) return false;
  return !r.answers.empty();
}

// A rating.v1 record as record_from_json converts it: one answer, question "overall", the
// scale's fixed range, no rater/subject, no properties.
bool convert_v1(Record& out) {
  out.answers.resize(1);
  Answer& a = out.answers[0];
  a.question = "overall";
  // rating.v1 knew stars, emoji and thumbs only, and no null edit_deadline: the DOM reader
  // reports those.
  if (a.scale == Scale::Nps || !fixed_range(a.scale, a.min, a.max)) return false;
  if (!out.edit_deadline) return false;
  out.rater_id.reset();
  out.subject_id.reset();
  out.properties.clear();
  return true;
}

}  // namespace

bool scan_record(std::string_view text, Record& out) {
  out.context_signature.reset();  // not scanned: a record holding one goes to the DOM reader
  Scanner s(text);
  if (!s.lit('{')) return false;
  uint32_t seen = 0;
  int version = 0;
  std::size_t pos = 0;  // position in the expected key order
  do {
    std::string_view key;
    if (!s.plain_string(key) || !s.lit(':')) return false;
    int hint = -1;
    if (version == 2 && pos < std::size(kV2Order)) hint = kV2Order[pos];
    else if (version == 1 && pos < std::size(kV1Order)) hint = kV1Order[pos];
    else if (version == 0) hint = kSchema;
    const int field = field_of(key, hint);
    if (field < 0) return false;
    if (seen & bit(field)) return false;  // a duplicate key: the DOM reader reports it
    seen |= bit(field);
    if (!read_field(s, field, out, version)) return false;
    ++pos;
  } while (s.lit(','));
  if (!s.lit('}') || !s.at_end()) return false;
  if (version == 2) {
    if (seen != kV2Fields) return false;
  } else if (version == 1) {
    if (seen != kV1Fields || !convert_v1(out)) return false;
  } else {
    return false;
  }
  return plausible(out);
}

}  // namespace session_rating::internal
