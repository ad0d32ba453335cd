#include "session_rating/record.h"

#include <cmath>

#include "internal/from_value.h"
#include "internal/json.h"
#include "internal/properties.h"
#include "internal/redactions_json.h"
#include "internal/validate.h"
#include "session_rating/redact.h"
#include "session_rating/sign.h"
#include "session_rating/utf8.h"

namespace session_rating {

using internal::add_error;
using internal::add_type_error;
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

Sentiment sentiment_of(Scale scale, int min, int max, int score, int positive_min) {
  if (is_positive(scale, score, positive_min)) return Sentiment::Positive;
  int negative_max = 2;
  switch (scale) {
    case Scale::Thumbs: negative_max = 0; break;
    case Scale::Nps: negative_max = 6; break;
    case Scale::Numeric: negative_max = min + (max - min) * 2 / 5; break;
    case Scale::Stars:
    case Scale::Emoji: break;
  }
  return score <= negative_max ? Sentiment::Negative : Sentiment::Neutral;
}

bool fixed_range(Scale scale, int& min, int& max) {
  switch (scale) {
    case Scale::Stars:
    case Scale::Emoji: min = 1; max = 5; return true;
    case Scale::Thumbs: min = 0; max = 1; return true;
    case Scale::Nps: min = 0; max = 10; return true;
    case Scale::Numeric: break;
  }
  return false;
}

std::string record_to_json(const Record& r) {
  std::string out;
  std::size_t reserve = 400;
  for (const Answer& a : r.answers) reserve += 200 + a.comment.size();
  out.reserve(reserve);
  internal::JsonWriter w(out);
  w.begin_object();
  w.key("schema"); w.string("rating.v2");
  w.key("rating_id"); w.string(r.rating_id);
  w.key("session_id"); w.string(r.session_id);
  w.key("rater_id");
  if (r.rater_id) w.string(*r.rater_id); else w.null();
  w.key("subject_id");
  if (r.subject_id) w.string(*r.subject_id); else w.null();
  w.key("revision"); w.integer(r.revision);
  w.key("final"); w.boolean(r.final);
  w.key("answers");
  w.begin_array();
  for (const Answer& a : r.answers) {
    w.begin_object();
    w.key("question"); w.string(a.question);
    w.key("scale"); w.string(scale_name(a.scale));
    w.key("range");
    w.begin_array(); w.integer(a.min); w.integer(a.max); w.end_array();
    w.key("score"); w.integer(a.score);
    w.key("positive"); w.boolean(a.positive);
    w.key("sentiment"); w.string(sentiment_name(a.sentiment));
    w.key("problems");
    w.begin_array();
    for (const std::string& p : a.problems) w.string(p);
    w.end_array();
    w.key("comment"); w.string(a.comment);
    w.key("redactions"); internal::write_redactions(w, a.redactions);
    w.key("thresholds");
    w.begin_object();
    w.key("low_score_max"); w.integer(a.low_score_max);
    w.key("positive_min"); w.integer(a.positive_min);
    w.end_object();
    w.end_object();
  }
  w.end_array();
  w.key("submitted_at"); w.integer(r.submitted_at);
  w.key("first_submitted_at"); w.integer(r.first_submitted_at);
  w.key("edit_deadline");
  if (r.edit_deadline) w.integer(*r.edit_deadline); else w.null();
  w.key("internal"); w.boolean(r.internal);
  w.key("topic");
  if (r.topic) w.string(*r.topic); else w.null();
  w.key("agent_id");
  if (r.agent_id) w.string(*r.agent_id); else w.null();
  w.key("properties"); internal::write_properties(w, r.properties);
  if (r.context_signature) {
    w.key("context_signature"); w.string(*r.context_signature);
  }
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
constexpr const char* kIdMessage = "ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -";

void require(ObjectReader& r, Errors& errors, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (!r.find(k)) add_error(errors, r.path(k), "invalid_value", "required field is missing");
}

// Range and thresholds a scale allows; the message names the first rule broken, "" if none.
const char* range_problem(Scale scale, int min, int max) {
  int fmin = 0, fmax = 0;
  if (fixed_range(scale, fmin, fmax))
    return min == fmin && max == fmax ? "" : "the range does not match the scale";
  if (min != 0 && min != 1) return "numeric ranges start at 0 or 1";
  if (max < 3 || max > 10) return "numeric ranges end at 3 to 10";
  return "";
}

void check_answer(const Answer& a, const std::string& base, Errors& errors) {
  if (!is_valid_question_id(a.question))
    add_error(errors, base + "/question", "invalid_value",
              "question ids are 1 to 40 characters of A-Z a-z 0-9 _ -");
  bool range_ok = true;
  if (const char* why = range_problem(a.scale, a.min, a.max); *why) {
    add_error(errors, base + "/range", a.scale == Scale::Numeric ? "out_of_range" : "conflict",
              why);
    range_ok = false;
  }
  bool score_ok = range_ok && a.score >= a.min && a.score <= a.max;
  if (range_ok && !score_ok)
    add_error(errors, base + "/score", "out_of_range",
              "score must be between " + internal::int_text(a.min) + " and " +
                  internal::int_text(a.max));
  bool thresholds_ok = range_ok;
  if (range_ok) {
    if (a.scale == Scale::Thumbs || a.scale == Scale::Nps) {
      int low = 0, pos = 0;
      default_thresholds(a.scale, a.min, a.max, low, pos);
      if (a.scale == Scale::Nps && (a.low_score_max != low || a.positive_min != pos)) {
        add_error(errors, base + "/thresholds", "conflict", "nps thresholds are 6 and 9");
        thresholds_ok = false;
      }
      // Thumbs: thresholds are recorded but never used (0 is low, 1 positive).
    } else {
      const int lo_min = a.scale == Scale::Numeric ? a.min : 1;
      const int lo_max = a.scale == Scale::Numeric ? a.max - 1 : 4;
      if (a.low_score_max < lo_min || a.low_score_max > lo_max) {
        add_error(errors, base + "/thresholds/low_score_max", "out_of_range",
                  "must be between " + internal::int_text(lo_min) + " and " + internal::int_text(lo_max));
        thresholds_ok = false;
      }
      if (a.positive_min < lo_min + 1 || a.positive_min > lo_max + 1) {
        add_error(errors, base + "/thresholds/positive_min", "out_of_range",
                  "must be between " + internal::int_text(lo_min + 1) + " and " +
                      internal::int_text(lo_max + 1));
        thresholds_ok = false;
      }
      if (thresholds_ok && a.positive_min <= a.low_score_max) {
        add_error(errors, base + "/thresholds/positive_min", "conflict",
                  "positive_min must be greater than low_score_max");
        thresholds_ok = false;
      }
    }
  }
  if (score_ok && thresholds_ok) {
    if (a.positive != is_positive(a.scale, a.score, a.positive_min))
      add_error(errors, base + "/positive", "conflict",
                "positive does not agree with score and thresholds");
    if (a.sentiment != sentiment_of(a.scale, a.min, a.max, a.score, a.positive_min))
      add_error(errors, base + "/sentiment", "conflict",
                "sentiment does not agree with score and thresholds");
    bool low = is_low(a.scale, a.score, a.low_score_max);
    if (!low && !a.problems.empty())
      add_error(errors, base + "/problems", "conflict", "problems are only sent with a low score");
    if (!low && !a.comment.empty())
      add_error(errors, base + "/comment", "conflict", "a comment is only sent with a low score");
  }
  // Paths are built only for errors: check_record runs per line of a 1M-record insights run.
  for (std::size_t i = 0; i < a.problems.size(); ++i) {
    if (!is_problem_id(a.problems[i])) {
      add_error(errors, base + "/problems/" + internal::int_text(i), "invalid_value",
                "problem ids are 1 to 40 characters of a-z 0-9 _ -");
      continue;
    }
    for (std::size_t j = 0; j < i; ++j)
      if (a.problems[j] == a.problems[i])
        add_error(errors, base + "/problems/" + internal::int_text(i), "duplicate_id",
                  "problem \"" + a.problems[i] + "\" is listed twice");
  }
  if (!is_valid_utf8(a.comment))
    add_error(errors, base + "/comment", "invalid_utf8", "comment is not valid UTF-8");
  else if (has_control_chars(a.comment, true))
    add_error(errors, base + "/comment", "invalid_value",
              "control characters other than tab and line breaks are not allowed");
  else if (code_points(a.comment) > static_cast<std::size_t>(kMaxRecordComment))
    add_error(errors, base + "/comment", "out_of_range", "comment is longer than 5000 characters");
  for (std::size_t i = 0; i < a.redactions.size(); ++i) {
    const Redaction& x = a.redactions[i];
    const std::string path = base + "/redactions/" + internal::int_text(i);
    if (!is_redaction_kind(x.kind))
      add_error(errors, path + "/kind", "invalid_value", redaction_kinds_message());
    if (x.count < 1) add_error(errors, path + "/count", "out_of_range", "count must be >= 1");
    for (std::size_t j = 0; j < i; ++j)
      if (a.redactions[j].kind == x.kind)
        add_error(errors, path + "/kind", "duplicate_id", "kind \"" + x.kind + "\" is listed twice");
  }
}

}  // namespace

Errors check_record(const Record& r) {
  Errors errors;
  if (!is_valid_id(r.rating_id)) add_error(errors, "/rating_id", "invalid_value", kIdMessage);
  if (!is_valid_id(r.session_id)) add_error(errors, "/session_id", "invalid_value", kIdMessage);
  if (r.rater_id && !is_valid_id(*r.rater_id))
    add_error(errors, "/rater_id", "invalid_value", kIdMessage);
  if (r.subject_id && !is_valid_id(*r.subject_id))
    add_error(errors, "/subject_id", "invalid_value", kIdMessage);
  if (r.revision < 1) add_error(errors, "/revision", "out_of_range", "revision must be >= 1");
  if (r.answers.empty() || r.answers.size() > 5)
    add_error(errors, "/answers", "out_of_range", "a record holds 1 to 5 answers");
  for (std::size_t i = 0; i < r.answers.size(); ++i) {
    const std::string base = "/answers/" + internal::int_text(i);
    check_answer(r.answers[i], base, errors);
    for (std::size_t j = 0; j < i; ++j)
      if (r.answers[j].question == r.answers[i].question)
        add_error(errors, base + "/question", "duplicate_id",
                  "question \"" + r.answers[i].question + "\" is answered twice");
  }
  struct { const char* path; int64_t v; } times[] = {{"/submitted_at", r.submitted_at},
                                                      {"/first_submitted_at", r.first_submitted_at},
                                                      {"/edit_deadline", r.edit_deadline.value_or(0)}};
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
    if (r.edit_deadline && *r.edit_deadline < r.first_submitted_at)
      add_error(errors, "/edit_deadline", "conflict", "edit_deadline is before first_submitted_at");
  }
  if (r.topic) {
    if (!is_valid_utf8(*r.topic))
      add_error(errors, "/topic", "invalid_utf8", "topic is not valid UTF-8");
    else if (has_control_chars(*r.topic))
      add_error(errors, "/topic", "invalid_value", "control characters are not allowed");
    else if (r.topic->empty() || code_points(*r.topic) > 128)
      add_error(errors, "/topic", "out_of_range", "topic must be 1 to 128 characters");
  }
  if (r.agent_id && !is_valid_id(*r.agent_id))
    add_error(errors, "/agent_id", "invalid_value", kIdMessage);
  if (r.context_signature && !is_context_signature_syntax(*r.context_signature))
    add_error(errors, "/context_signature", "invalid_value",
              "a context signature is sr1.<expiry ms>.<43 base64url characters>");
  if (r.properties.size() > kMaxProperties)
    add_error(errors, "/properties", "out_of_range", "at most 20 properties");
  for (std::size_t i = 0; i < r.properties.size(); ++i) {
    const auto& [key, v] = r.properties[i];
    const std::string path = "/properties/" + internal::pointer_token(key);
    if (!internal::is_property_key(key) || (i > 0 && !(r.properties[i - 1].first < key)))
      add_error(errors, path, "invalid_value",
                "property keys are 1 to 40 characters of a-z 0-9 _, each once, sorted");
    if (v.kind == PropertyValue::Kind::String &&
        (!is_valid_utf8(v.text) || v.text.empty() || code_points(v.text) > 200))
      add_error(errors, path, "out_of_range", "property strings are 1 to 200 characters");
    else if (v.kind == PropertyValue::Kind::String && has_control_chars(v.text))
      add_error(errors, path, "invalid_value",
                "control characters are not allowed");
    std::string text;
    if (v.kind == PropertyValue::Kind::Number && !internal::append_short_number(text, v.number))
      add_error(errors, path, "out_of_range",
                "property numbers are below 9e15 in size with at most 15 decimals");
  }
  return errors;
}

namespace {

// Reads the answer fields shared by a v2 answer object and a v1 record's top level.
// `keys_v1`: the v1 layout (scale/score/... at the top, no question/range).
void read_answer_fields(ObjectReader& r, Errors& errors, Answer& a) {
  int64_t n = 0;
  int scale = r.read_enum("scale", "stars\0" "emoji\0" "thumbs\0" "numeric\0" "nps\0");
  if (scale >= 0) a.scale = static_cast<Scale>(scale);
  if (r.read_int("score", INT64_MIN, INT64_MAX, n))
    a.score = static_cast<int>(n < -1000 || n > 1000 ? -1000 : n);
  r.read_bool("positive", a.positive);
  int sent = r.read_enum("sentiment", "negative\0" "neutral\0" "positive\0");
  if (sent >= 0) a.sentiment = static_cast<Sentiment>(sent);
  if (const json* p = r.find("problems")) {
    if (!p->is_array()) {
      add_type_error(errors, r.path("problems"), "wrong_type", "expected an array, got ", *p);
    } else if (p->size() > 20) {
      add_error(errors, r.path("problems"), "out_of_range", "at most 20 problems");
    } else {
      for (std::size_t i = 0; i < p->size(); ++i) {
        const json& id = (*p)[i];
        if (!id.is_string())
          add_error(errors, r.path("problems") + "/" + internal::int_text(i), "wrong_type",
                    "expected a string");
        else
          a.problems.push_back(id.get<std::string>());
      }
    }
  }
  if (const json* c = r.find("comment")) {
    if (!c->is_string())
      add_type_error(errors, r.path("comment"), "wrong_type", "expected a string, got ", *c);
    else
      a.comment = c->get<std::string>();
  }
  if (const json* x = r.find("redactions")) {
    const std::string xpath = r.path("redactions");
    if (!x->is_array()) {
      add_type_error(errors, xpath, "wrong_type", "expected an array, got ", *x);
    } else if (x->size() > 5) {
      add_error(errors, xpath, "out_of_range", "at most one entry per kind");
    } else {
      for (std::size_t i = 0; i < x->size(); ++i) {
        std::string path = xpath + "/" + internal::int_text(i);
        const json& item = (*x)[i];
        if (!item.is_object()) {
          add_error(errors, path, "wrong_type", "expected an object {kind, count}");
          continue;
        }
        ObjectReader ir(item, path, errors);
        ir.reject_unknown("kind\0" "count\0");
        require(ir, errors, {"kind", "count"});
        Redaction red;
        std::string kind;
        if (ir.read_string("kind", 0, 16, kind)) red.kind = kind;
        if (ir.read_int("count", INT64_MIN, INT64_MAX, n)) red.count = n;
        a.redactions.push_back(red);
      }
    }
  }
  if (const json* th = r.find("thresholds")) {
    if (!th->is_object()) {
      add_type_error(errors, r.path("thresholds"), "wrong_type", "expected an object, got ", *th);
    } else {
      ObjectReader tr(*th, r.path("thresholds"), errors);
      tr.reject_unknown("low_score_max\0" "positive_min\0");
      require(tr, errors, {"low_score_max", "positive_min"});
      if (tr.read_int("low_score_max", INT64_MIN, INT64_MAX, n))
        a.low_score_max = static_cast<int>(n < -1000 || n > 1000 ? -1000 : n);
      if (tr.read_int("positive_min", INT64_MIN, INT64_MAX, n))
        a.positive_min = static_cast<int>(n < -1000 || n > 1000 ? -1000 : n);
    }
  }
}

void read_optional_id(ObjectReader& r, Errors& errors, const char* key,
                      std::optional<std::string>& out) {
  const json* v = r.find(key);
  if (!v || v->is_null()) return;
  if (!v->is_string())
    add_type_error(errors, r.path(key), "wrong_type", "expected a string or null, got ", *v);
  else
    out = v->get<std::string>();
}

// A v1 record's errors name v1 paths: "/answers/0/score" → "/score".
void to_v1_paths(Errors& errors) {
  for (Error& e : errors)
    if (e.path.rfind("/answers/0/", 0) == 0) e.path.erase(0, 10);
}

}  // namespace

Errors record_from_value(const json& value, Record& out, int* schema_version) {
  Errors errors;
  if (!value.is_object()) {
    add_type_error(errors, "", "not_an_object", "a record must be a JSON object, got ", value);
    return errors;
  }
  ObjectReader r(value, "", errors);
  int version = 2;
  if (auto s = value.find("schema");
      s != value.end() && s->is_string() && s->get_ref<const std::string&>() == "rating.v1")
    version = 1;
  if (version == 1) {
    r.reject_unknown("schema\0" "rating_id\0" "session_id\0" "revision\0" "final\0" "scale\0"
                     "score\0" "positive\0" "sentiment\0" "problems\0" "comment\0" "redactions\0"
                     "submitted_at\0" "first_submitted_at\0" "edit_deadline\0" "internal\0"
                     "topic\0" "agent_id\0" "thresholds\0");
    require(r, errors, {"schema", "rating_id", "session_id", "revision", "final", "scale",
                        "score", "positive", "sentiment", "problems", "comment", "redactions",
                        "submitted_at", "first_submitted_at", "edit_deadline", "internal",
                        "thresholds"});
  } else {
    r.reject_unknown("schema\0" "rating_id\0" "session_id\0" "rater_id\0" "subject_id\0"
                     "revision\0" "final\0" "answers\0" "submitted_at\0" "first_submitted_at\0"
                     "edit_deadline\0" "internal\0" "topic\0" "agent_id\0" "properties\0"
                     "context_signature\0");
    require(r, errors, {"schema", "rating_id", "session_id", "rater_id", "subject_id",
                        "revision", "final", "answers", "submitted_at", "first_submitted_at",
                        "edit_deadline", "internal", "topic", "agent_id", "properties"});
  }
  Record rec;
  std::string schema;
  if (r.read_string("schema", 0, 64, schema) && schema != "rating.v2" && schema != "rating.v1")
    add_error(errors, "/schema", "invalid_value", "schema must be \"rating.v2\" (or \"rating.v1\")");
  auto read_text = [&](const char* key, std::string& dst) {
    const json* v = r.find(key);
    if (!v) return;
    if (!v->is_string())
      add_type_error(errors, r.path(key), "wrong_type", "expected a string, got ", *v);
    else
      dst = v->get<std::string>();
  };
  read_text("rating_id", rec.rating_id);
  read_text("session_id", rec.session_id);
  int64_t n = 0;
  if (r.read_int("revision", INT64_MIN, INT64_MAX, n)) rec.revision = n;
  r.read_bool("final", rec.final);
  if (version == 1) {
    Answer a;
    read_answer_fields(r, errors, a);
    if (!fixed_range(a.scale, a.min, a.max) || a.scale == Scale::Nps)
      add_error(errors, "/scale", "invalid_value",
                "rating.v1 scales are stars, emoji and thumbs");
    rec.answers.push_back(std::move(a));
  } else {
    read_optional_id(r, errors, "rater_id", rec.rater_id);
    read_optional_id(r, errors, "subject_id", rec.subject_id);
    if (const json* list = r.find("answers")) {
      if (!list->is_array()) {
        add_type_error(errors, "/answers", "wrong_type", "expected an array, got ", *list);
      } else if (list->empty() || list->size() > 5) {
        add_error(errors, "/answers", "out_of_range", "a record holds 1 to 5 answers");
      } else {
        for (std::size_t i = 0; i < list->size(); ++i) {
          const std::string base = "/answers/" + internal::int_text(i);
          const json& item = (*list)[i];
          if (!item.is_object()) {
            add_type_error(errors, base, "wrong_type", "expected an object, got ", item);
            continue;
          }
          ObjectReader ar(item, base, errors);
          ar.reject_unknown("question\0" "scale\0" "range\0" "score\0" "positive\0" "sentiment\0"
                            "problems\0" "comment\0" "redactions\0" "thresholds\0");
          require(ar, errors, {"question", "scale", "range", "score", "positive", "sentiment",
                               "problems", "comment", "redactions", "thresholds"});
          Answer a;
          ar.read_string("question", 0, 64, a.question);
          read_answer_fields(ar, errors, a);
          if (const json* range = ar.find("range")) {
            int64_t lo = 0, hi = 0;
            if (!range->is_array() || range->size() != 2 || !internal::as_int64((*range)[0], lo) ||
                !internal::as_int64((*range)[1], hi))
              add_error(errors, base + "/range", "wrong_type", "expected [min, max] integers");
            else {
              a.min = static_cast<int>(lo < -1000 || lo > 1000 ? -1000 : lo);
              a.max = static_cast<int>(hi < -1000 || hi > 1000 ? -1000 : hi);
            }
          }
          rec.answers.push_back(std::move(a));
        }
      }
    }
    if (const json* p = r.find("properties"))
      internal::read_properties(*p, "/properties", errors, rec.properties);
  }
  if (r.read_int("submitted_at", INT64_MIN, INT64_MAX, n)) rec.submitted_at = n;
  if (r.read_int("first_submitted_at", INT64_MIN, INT64_MAX, n)) rec.first_submitted_at = n;
  if (const json* d = r.find("edit_deadline"); d && !d->is_null()) {
    if (version == 1 || d->is_number()) {
      if (r.read_int("edit_deadline", INT64_MIN, INT64_MAX, n)) rec.edit_deadline = n;
    } else {
      add_type_error(errors, "/edit_deadline", "wrong_type",
                     "expected an integer or null, got ", *d);
    }
  } else if (d && version == 1) {
    r.read_int("edit_deadline", INT64_MIN, INT64_MAX, n);  // v1: null is wrong_type
  }
  r.read_bool("internal", rec.internal);
  if (const json* t = r.find("topic"); t && !t->is_null()) {
    if (!t->is_string())
      add_type_error(errors, "/topic", "wrong_type", "expected a string or null, got ", *t);
    else
      rec.topic = t->get<std::string>();
  }
  read_optional_id(r, errors, "agent_id", rec.agent_id);
  const json* sig = version == 2 ? r.find("context_signature") : nullptr;  // v1: unknown_field
  if (sig) {
    if (!sig->is_string())
      add_type_error(errors, "/context_signature", "wrong_type", "expected a string, got ", *sig);
    else
      rec.context_signature = sig->get<std::string>();
  }
  if (errors.empty()) {
    errors = check_record(rec);
    if (version == 1) to_v1_paths(errors);
  }
  if (errors.empty()) {
    out = std::move(rec);
    if (schema_version) *schema_version = version;
  }
  return errors;
}

Errors check_json_text(std::string_view json_text) {
  Errors errors;
  std::string duplicate;
  if (!internal::parse_json(json_text, &duplicate).is_discarded()) return errors;
  if (!duplicate.empty())
    add_error(errors, duplicate, "duplicate_key", "this key appears twice in its object");
  else
    add_error(errors, "", is_valid_utf8(json_text) ? "invalid_json" : "invalid_utf8",
              "the text is not valid JSON");
  return errors;
}

Errors record_from_json(std::string_view json_text, Record& out, int* schema_version) {
  std::string duplicate;
  json value = internal::parse_json(json_text, &duplicate);
  if (value.is_discarded()) {
    Errors errors;
    if (!duplicate.empty()) {
      add_error(errors, duplicate, "duplicate_key", "this key appears twice in its object");
      return errors;
    }
    add_error(errors, "", is_valid_utf8(json_text) ? "invalid_json" : "invalid_utf8",
              "record is not valid JSON");
    return errors;
  }
  return record_from_value(value, out, schema_version);
}

}  // namespace session_rating
