// Internal: single-pass record reader (see record_scan.h). Conservative by design: whenever
// it is not certain that record_from_json() would read the text into exactly this Record,
// it answers false and the caller falls back to the DOM reader.
#include "internal/record_scan.h"

#include <cstdint>
#include <optional>
#include <string>

#include "internal/json.h"

namespace session_rating::internal {
namespace {

enum Field : int {
  kSchema, kRatingId, kSessionId, kRevision, kFinal, kScale, kScore, kPositive, kSentiment,
  kProblems, kComment, kRedactions, kSubmittedAt, kFirstSubmittedAt, kEditDeadline,
  kInternal, kTopic, kAgentId, kThresholds, kFieldCount
};
constexpr uint32_t kAllFields = (1u << kFieldCount) - 1;

bool eq(std::string_view a, std::string_view b) { return a == b; }

// Field names, indexed by Field (the contract's order, which record_to_json writes).
constexpr std::string_view kFieldNames[kFieldCount] = {
    "schema", "rating_id", "session_id", "revision", "final", "scale", "score", "positive",
    "sentiment", "problems", "comment", "redactions", "submitted_at", "first_submitted_at",
    "edit_deadline", "internal", "topic", "agent_id", "thresholds"};

// The field named `k`, or -1. `hint` (the field expected next) is tried first, so records in
// the contract's key order cost one comparison per key.
int field_of(std::string_view k, int hint) {
  if (hint < kFieldCount && k == kFieldNames[hint]) return hint;
  for (int f = 0; f < kFieldCount; ++f) {
    if (k == kFieldNames[f]) return f;
  }
  return -1;
}

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
    const bool neg = t[0] == '-';
    if (t.size() - (neg ? 1 : 0) > 18) return false;
    int64_t v = 0;
    for (std::size_t i = neg ? 1 : 0; i < t.size(); ++i) v = v * 10 + (t[i] - '0');
    out = neg ? -v : v;
    return true;
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

 private:
  JsonLexer lex_;
};

bool small_int(Scanner& s, int& out) {
  int64_t v = 0;
  if (!s.integer(v) || v < -1000000 || v > 1000000) return false;
  out = static_cast<int>(v);
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
    if (eq(key, "kind") && !kind) {
      if (!s.string(out.kind)) return false;
      kind = true;
    } else if (eq(key, "count") && !count) {
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

bool read_thresholds(Scanner& s, Record& out) {
  if (!s.lit('{')) return false;
  bool low = false;
  bool pos = false;
  do {
    std::string_view key;
    if (!s.plain_string(key) || !s.lit(':')) return false;
    if (eq(key, "low_score_max") && !low) {
      if (!small_int(s, out.low_score_max)) return false;
      low = true;
    } else if (eq(key, "positive_min") && !pos) {
      if (!small_int(s, out.positive_min)) return false;
      pos = true;
    } else {
      return false;
    }
  } while (s.lit(','));
  return s.lit('}') && low && pos;
}

bool read_field(Scanner& s, int field, Record& out) {
  std::string_view v;
  switch (field) {
    case kSchema:
      return s.plain_string(v) && eq(v, "rating.v1");
    case kRatingId: return s.string(out.rating_id);
    case kSessionId: return s.string(out.session_id);
    case kRevision: return s.integer(out.revision);
    case kFinal: return s.boolean(out.final);
    case kScale:
      if (!s.plain_string(v)) return false;
      if (eq(v, "stars")) out.scale = Scale::Stars;
      else if (eq(v, "emoji")) out.scale = Scale::Emoji;
      else if (eq(v, "thumbs")) out.scale = Scale::Thumbs;
      else return false;
      return true;
    case kScore: return small_int(s, out.score);
    case kPositive: return s.boolean(out.positive);
    case kSentiment:
      if (!s.plain_string(v)) return false;
      if (eq(v, "positive")) out.sentiment = Sentiment::Positive;
      else if (eq(v, "neutral")) out.sentiment = Sentiment::Neutral;
      else if (eq(v, "negative")) out.sentiment = Sentiment::Negative;
      else return false;
      return true;
    case kProblems: return read_problems(s, out.problems);
    case kComment: return s.string(out.comment);
    case kRedactions: return read_redactions(s, out.redactions);
    case kSubmittedAt: return s.integer(out.submitted_at);
    case kFirstSubmittedAt: return s.integer(out.first_submitted_at);
    case kEditDeadline: return s.integer(out.edit_deadline);
    case kInternal: return s.boolean(out.internal);
    case kTopic: return s.nullable_string(out.topic);
    case kAgentId: return s.nullable_string(out.agent_id);
    case kThresholds: return read_thresholds(s, out);
    default: return false;
  }
}

// The reader-level checks that check_record() does not repeat (it runs after a true answer):
// record_from_value() refuses more than 20 problems and more than 5 redaction entries.
bool plausible(const Record& r) {
  return r.problems.size() <= 20 && r.redactions.size() <= 5;
}

}  // namespace

bool scan_record(std::string_view text, Record& out) {
  Scanner s(text);
  if (!s.lit('{')) return false;
  uint32_t seen = 0;
  int next = 0;
  do {
    std::string_view key;
    if (!s.plain_string(key) || !s.lit(':')) return false;
    const int field = field_of(key, next);
    if (field < 0) return false;
    const uint32_t bit = 1u << field;
    if (seen & bit) return false;
    seen |= bit;
    if (!read_field(s, field, out)) return false;
    next = field + 1;
  } while (s.lit(','));
  if (!s.lit('}') || !s.at_end()) return false;
  return seen == kAllFields && plausible(out);
}

}  // namespace session_rating::internal
