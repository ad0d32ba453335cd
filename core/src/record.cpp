#include "session_rating/record.h"

#include "internal/from_value.h"
#include "internal/json.h"
#include "internal/redactions_json.h"
#include "internal/validate.h"
#include "session_rating/redact.h"
#include "session_rating/utf8.h"

namespace session_rating {

using internal::add_error;
using internal::ObjectReader;
using nlohmann::json;

const char* sentiment_name(Sentiment sentiment) {
  switch (sentiment) {
    case Sentiment::Positive: return "positive";
    case Sentiment::Negative: return "negative";
    case Sentiment::Neutral: break;
  }
  return "neutral";
}

bool parse_sentiment(std::string_view name, Sentiment& out) {
  for (Sentiment s : {Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive})
    if (name == sentiment_name(s)) {
      out = s;
      return true;
    }
  return false;
}

bool is_low(Scale scale, int score, int low_score_max) {
  return scale == Scale::Thumbs ? score == 0 : score <= low_score_max;
}

bool is_positive(Scale scale, int score, int positive_min) {
  return scale == Scale::Thumbs ? score == 1 : score >= positive_min;
}

Sentiment sentiment_of(Scale scale, int score, int positive_min) {
  if (is_positive(scale, score, positive_min)) return Sentiment::Positive;
  if (scale == Scale::Thumbs || score <= 2) return Sentiment::Negative;
  return Sentiment::Neutral;
}

std::string record_to_json(const Record& r) {
  std::string out;
  out.reserve(512 + r.comment.size());
  internal::JsonWriter w(out);
  w.begin_object();
  w.key("schema"); w.string("rating.v1");
  w.key("rating_id"); w.string(r.rating_id);
  w.key("session_id"); w.string(r.session_id);
  w.key("revision"); w.integer(r.revision);
  w.key("final"); w.boolean(r.final);
  w.key("scale"); w.string(scale_name(r.scale));
  w.key("score"); w.integer(r.score);
  w.key("positive"); w.boolean(r.positive);
  w.key("sentiment"); w.string(sentiment_name(r.sentiment));
  w.key("problems");
  w.begin_array();
  for (const std::string& p : r.problems) w.string(p);
  w.end_array();
  w.key("comment"); w.string(r.comment);
  w.key("redactions"); internal::write_redactions(w, r.redactions);
  w.key("submitted_at"); w.integer(r.submitted_at);
  w.key("first_submitted_at"); w.integer(r.first_submitted_at);
  w.key("edit_deadline"); w.integer(r.edit_deadline);
  w.key("internal"); w.boolean(r.internal);
  w.key("topic");
  if (r.topic) w.string(*r.topic); else w.null();
  w.key("agent_id");
  if (r.agent_id) w.string(*r.agent_id); else w.null();
  w.key("thresholds");
  w.begin_object();
  w.key("low_score_max"); w.integer(r.low_score_max);
  w.key("positive_min"); w.integer(r.positive_min);
  w.end_object();
  w.end_object();
  return out;
}

namespace {

bool is_problem_id(std::string_view id) {
  if (id.empty() || id.size() > 40) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

bool is_redaction_kind(std::string_view k) {
  RedactionKind kind;
  return parse_redaction_kind(k, kind);
}

// "kind must be one of email, phone, card, iban, ssn", from the one list of kinds.
std::string redaction_kinds_message() {
  std::string m = "kind must be one of ";
  for (int k = 0; k < kRedactionKindCount; ++k) {
    if (k) m += ", ";
    m += redaction_kind_name(static_cast<RedactionKind>(k));
  }
  return m;
}

constexpr int64_t kMaxTime = INT64_C(253402300799999);  // 9999-12-31T23:59:59.999Z

void require(ObjectReader& r, Errors& errors, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (!r.find(k)) add_error(errors, r.path(k), "invalid_value", "required field is missing");
}

}  // namespace

Errors check_record(const Record& r) {
  Errors errors;
  if (!is_valid_id(r.rating_id))
    add_error(errors, "/rating_id", "invalid_value", "ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -");
  if (!is_valid_id(r.session_id))
    add_error(errors, "/session_id", "invalid_value", "ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -");
  if (r.revision < 1) add_error(errors, "/revision", "out_of_range", "revision must be >= 1");
  bool thumbs = r.scale == Scale::Thumbs;
  bool score_ok = thumbs ? (r.score == 0 || r.score == 1) : (r.score >= 1 && r.score <= 5);
  if (!score_ok)
    add_error(errors, "/score", "out_of_range",
              thumbs ? "thumbs scores are 0 or 1" : "scores are 1 to 5");
  bool thresholds_ok = true;
  if (r.low_score_max < 1 || r.low_score_max > 4) {
    add_error(errors, "/thresholds/low_score_max", "out_of_range", "must be between 1 and 4");
    thresholds_ok = false;
  }
  if (r.positive_min < 2 || r.positive_min > 5) {
    add_error(errors, "/thresholds/positive_min", "out_of_range", "must be between 2 and 5");
    thresholds_ok = false;
  }
  if (thresholds_ok && !thumbs && r.positive_min <= r.low_score_max) {
    add_error(errors, "/thresholds/positive_min", "conflict",
              "positive_min must be greater than low_score_max");
    thresholds_ok = false;
  }
  if (score_ok && thresholds_ok) {
    if (r.positive != is_positive(r.scale, r.score, r.positive_min))
      add_error(errors, "/positive", "conflict", "positive does not agree with score and thresholds");
    if (r.sentiment != sentiment_of(r.scale, r.score, r.positive_min))
      add_error(errors, "/sentiment", "conflict", "sentiment does not agree with score and thresholds");
    bool low = is_low(r.scale, r.score, r.low_score_max);
    if (!low && !r.problems.empty())
      add_error(errors, "/problems", "conflict", "problems are only sent with a low score");
    if (!low && !r.comment.empty())
      add_error(errors, "/comment", "conflict", "a comment is only sent with a low score");
  }
  // Paths are built only for errors: check_record runs per line of a 1M-record insights run.
  auto problem_path = [](std::size_t i) { return "/problems/" + std::to_string(i); };
  for (std::size_t i = 0; i < r.problems.size(); ++i) {
    if (!is_problem_id(r.problems[i])) {
      add_error(errors, problem_path(i), "invalid_value",
                "problem ids are 1 to 40 characters of a-z 0-9 _ -");
      continue;
    }
    for (std::size_t j = 0; j < i; ++j)
      if (r.problems[j] == r.problems[i])
        add_error(errors, problem_path(i), "duplicate_id",
                  "problem \"" + r.problems[i] + "\" is listed twice");
  }
  if (!is_valid_utf8(r.comment))
    add_error(errors, "/comment", "invalid_utf8", "comment is not valid UTF-8");
  else if (code_points(r.comment) > static_cast<std::size_t>(kMaxRecordComment))
    add_error(errors, "/comment", "out_of_range", "comment is longer than 5000 characters");
  auto kind_path = [](std::size_t i) { return "/redactions/" + std::to_string(i) + "/kind"; };
  for (std::size_t i = 0; i < r.redactions.size(); ++i) {
    const Redaction& x = r.redactions[i];
    if (!is_redaction_kind(x.kind))
      add_error(errors, kind_path(i), "invalid_value", redaction_kinds_message());
    if (x.count < 1)
      add_error(errors, "/redactions/" + std::to_string(i) + "/count", "out_of_range",
                "count must be >= 1");
    for (std::size_t j = 0; j < i; ++j)
      if (r.redactions[j].kind == x.kind)
        add_error(errors, kind_path(i), "duplicate_id", "kind \"" + x.kind + "\" is listed twice");
  }
  struct { const char* path; int64_t v; } times[] = {{"/submitted_at", r.submitted_at},
                                                      {"/first_submitted_at", r.first_submitted_at},
                                                      {"/edit_deadline", r.edit_deadline}};
  bool times_ok = true;
  for (const auto& t : times) {
    if (t.v < 0 || t.v > kMaxTime) {
      add_error(errors, t.path, "out_of_range", "time must be ms since 1970 up to year 9999");
      times_ok = false;
    }
  }
  if (times_ok) {
    if (r.submitted_at < r.first_submitted_at)
      add_error(errors, "/submitted_at", "conflict", "submitted_at is before first_submitted_at");
    if (r.revision == 1 && r.submitted_at != r.first_submitted_at)
      add_error(errors, "/submitted_at", "conflict",
                "revision 1 must have submitted_at equal to first_submitted_at");
    if (r.edit_deadline < r.first_submitted_at)
      add_error(errors, "/edit_deadline", "conflict", "edit_deadline is before first_submitted_at");
  }
  if (r.topic) {
    if (!is_valid_utf8(*r.topic))
      add_error(errors, "/topic", "invalid_utf8", "topic is not valid UTF-8");
    else if (r.topic->empty() || code_points(*r.topic) > 128)
      add_error(errors, "/topic", "out_of_range", "topic must be 1 to 128 characters");
  }
  if (r.agent_id && !is_valid_id(*r.agent_id))
    add_error(errors, "/agent_id", "invalid_value", "ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -");
  return errors;
}

Errors record_from_value(const json& value, Record& out) {
  Errors errors;
  if (!value.is_object()) {
    add_error(errors, "", "not_an_object",
              std::string("a record must be a JSON object, got ") + internal::type_name(value));
    return errors;
  }
  ObjectReader r(value, "", errors);
  r.reject_unknown({"schema", "rating_id", "session_id", "revision", "final", "scale", "score",
                    "positive", "sentiment", "problems", "comment", "redactions", "submitted_at",
                    "first_submitted_at", "edit_deadline", "internal", "topic", "agent_id",
                    "thresholds"});
  require(r, errors, {"schema", "rating_id", "session_id", "revision", "final", "scale", "score",
                      "positive", "sentiment", "problems", "comment", "redactions",
                      "submitted_at", "first_submitted_at", "edit_deadline", "internal",
                      "thresholds"});
  Record rec;
  std::string schema;
  if (r.read_string("schema", 0, 64, schema) && schema != "rating.v1")
    add_error(errors, "/schema", "invalid_value", "schema must be \"rating.v1\"");
  auto read_text = [&](const char* key, std::string& dst) {
    const json* v = r.find(key);
    if (!v) return;
    if (!v->is_string())
      add_error(errors, r.path(key), "wrong_type",
                std::string("expected a string, got ") + internal::type_name(*v));
    else
      dst = v->get<std::string>();
  };
  read_text("rating_id", rec.rating_id);
  read_text("session_id", rec.session_id);
  int64_t n = 0;
  if (r.read_int("revision", INT64_MIN, INT64_MAX, n)) rec.revision = n;
  r.read_bool("final", rec.final);
  int scale = r.read_enum("scale", {"stars", "emoji", "thumbs"});
  if (scale >= 0) rec.scale = static_cast<Scale>(scale);
  if (r.read_int("score", INT64_MIN, INT64_MAX, n))
    rec.score = static_cast<int>(n < -1000 || n > 1000 ? -1 : n);
  r.read_bool("positive", rec.positive);
  int sent = r.read_enum("sentiment", {"negative", "neutral", "positive"});
  if (sent >= 0) rec.sentiment = static_cast<Sentiment>(sent);
  if (const json* p = r.find("problems")) {
    if (!p->is_array()) {
      add_error(errors, "/problems", "wrong_type",
                std::string("expected an array, got ") + internal::type_name(*p));
    } else if (p->size() > 20) {
      add_error(errors, "/problems", "out_of_range", "at most 20 problems");
    } else {
      for (std::size_t i = 0; i < p->size(); ++i) {
        const json& id = (*p)[i];
        if (!id.is_string())
          add_error(errors, "/problems/" + std::to_string(i), "wrong_type", "expected a string");
        else
          rec.problems.push_back(id.get<std::string>());
      }
    }
  }
  read_text("comment", rec.comment);
  if (const json* x = r.find("redactions")) {
    if (!x->is_array()) {
      add_error(errors, "/redactions", "wrong_type",
                std::string("expected an array, got ") + internal::type_name(*x));
    } else if (x->size() > 5) {
      add_error(errors, "/redactions", "out_of_range", "at most one entry per kind");
    } else {
      for (std::size_t i = 0; i < x->size(); ++i) {
        std::string path = "/redactions/" + std::to_string(i);
        const json& item = (*x)[i];
        if (!item.is_object()) {
          add_error(errors, path, "wrong_type", "expected an object {kind, count}");
          continue;
        }
        ObjectReader ir(item, path, errors);
        ir.reject_unknown({"kind", "count"});
        require(ir, errors, {"kind", "count"});
        Redaction red;
        std::string kind;
        if (ir.read_string("kind", 0, 16, kind)) red.kind = kind;
        if (ir.read_int("count", INT64_MIN, INT64_MAX, n)) red.count = n;
        rec.redactions.push_back(red);
      }
    }
  }
  if (r.read_int("submitted_at", INT64_MIN, INT64_MAX, n)) rec.submitted_at = n;
  if (r.read_int("first_submitted_at", INT64_MIN, INT64_MAX, n)) rec.first_submitted_at = n;
  if (r.read_int("edit_deadline", INT64_MIN, INT64_MAX, n)) rec.edit_deadline = n;
  r.read_bool("internal", rec.internal);
  if (const json* t = r.find("topic"); t && !t->is_null()) {
    if (!t->is_string())
      add_error(errors, "/topic", "wrong_type",
                std::string("expected a string or null, got ") + internal::type_name(*t));
    else
      rec.topic = t->get<std::string>();
  }
  if (const json* a = r.find("agent_id"); a && !a->is_null()) {
    if (!a->is_string())
      add_error(errors, "/agent_id", "wrong_type",
                std::string("expected a string or null, got ") + internal::type_name(*a));
    else
      rec.agent_id = a->get<std::string>();
  }
  if (const json* th = r.find("thresholds")) {
    if (!th->is_object()) {
      add_error(errors, "/thresholds", "wrong_type",
                std::string("expected an object, got ") + internal::type_name(*th));
    } else {
      ObjectReader tr(*th, "/thresholds", errors);
      tr.reject_unknown({"low_score_max", "positive_min"});
      require(tr, errors, {"low_score_max", "positive_min"});
      if (tr.read_int("low_score_max", INT64_MIN, INT64_MAX, n))
        rec.low_score_max = static_cast<int>(n < -1000 || n > 1000 ? -1 : n);
      if (tr.read_int("positive_min", INT64_MIN, INT64_MAX, n))
        rec.positive_min = static_cast<int>(n < -1000 || n > 1000 ? -1 : n);
    }
  }
  if (!errors.empty()) return errors;
  errors = check_record(rec);
  if (errors.empty()) out = std::move(rec);
  return errors;
}

Errors record_from_json(std::string_view json_text, Record& out) {
  json value = internal::parse_json(json_text);
  if (value.is_discarded()) {
    Errors errors;
    add_error(errors, "", is_valid_utf8(json_text) ? "invalid_json" : "invalid_utf8",
              "record is not valid JSON");
    return errors;
  }
  return record_from_value(value, out);
}

}  // namespace session_rating
