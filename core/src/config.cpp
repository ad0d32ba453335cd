#include "session_rating/config.h"

#include <cstring>

#include "internal/from_value.h"
#include "internal/json.h"
#include "internal/properties.h"
#include "internal/strings.h"
#include "internal/validate.h"
#include "session_rating/hash.h"
#include "session_rating/sign.h"
#include "session_rating/utf8.h"

namespace session_rating {

using internal::add_error;
using internal::add_type_error;
using internal::ObjectReader;
using nlohmann::json;

const char* scale_name(Scale scale) {
  switch (scale) {
    case Scale::Emoji: return "emoji";
    case Scale::Thumbs: return "thumbs";
    case Scale::Numeric: return "numeric";
    case Scale::Nps: return "nps";
    case Scale::Stars: break;
  }
  return "stars";
}

bool parse_scale(std::string_view name, Scale& out) {
  for (Scale s : {Scale::Stars, Scale::Emoji, Scale::Thumbs, Scale::Numeric, Scale::Nps})
    if (name == scale_name(s)) {
      out = s;
      return true;
    }
  return false;
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void default_thresholds(Scale scale, int min, int max, int& low_score_max, int& positive_min) {
  switch (scale) {
    case Scale::Thumbs: low_score_max = 0; positive_min = 1; return;
    case Scale::Nps: low_score_max = 6; positive_min = 9; return;
    case Scale::Numeric:
      positive_min = max - (max - min + 1) / 5;
      low_score_max = positive_min - 1;
      return;
    case Scale::Stars:
    case Scale::Emoji: break;
  }
  low_score_max = 3;
  positive_min = 4;
}

int Config::question_index(std::string_view id) const {
  for (std::size_t i = 0; i < questions.size(); ++i)
    if (questions[i].id == id) return static_cast<int>(i);
  return -1;
}

std::string property_text(const PropertyValue& value) {
  switch (value.kind) {
    case PropertyValue::Kind::String: return value.text;
    case PropertyValue::Kind::Bool: return value.boolean ? "true" : "false";
    case PropertyValue::Kind::Number: break;
  }
  std::string out;
  internal::JsonWriter w(out);
  w.number(value.number);
  return out;
}

std::string derive_rating_id(std::string_view session_id,
                             const std::optional<std::string>& subject_id,
                             const std::optional<std::string>& rater_id) {
  if (!subject_id && !rater_id) return std::string(session_id);
  std::string text;
  internal::JsonWriter w(text);
  w.begin_array();
  w.string(session_id);
  if (subject_id) w.string(*subject_id); else w.null();
  if (rater_id) w.string(*rater_id); else w.null();
  w.end_array();
  static const char kHex[] = "0123456789abcdef";
  std::string id = "rt-";
  const uint64_t parts[2] = {fnv1a_64(text), fnv1a_64("\x01" + text)};
  for (uint64_t h : parts)
    for (int shift = 60; shift >= 0; shift -= 4) id.push_back(kHex[(h >> shift) & 0xF]);
  return id;
}

bool is_valid_question_id(std::string_view id) {
  if (id.empty() || id.size() > 40) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-'))
      return false;
  return true;
}

namespace {

bool is_problem_id(std::string_view id) {
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// The presets' problem ids, each ended by '\0'.
const char kCallPreset[] = "audio\0" "video\0" "connection\0" "screen_share\0" "other\0";
const char kChatPreset[] =
    "not_answered\0" "wrong_answer\0" "too_slow\0" "hard_to_understand\0" "other\0";

// The locale's entry of a per-locale text object: exact tag, its language, "en", then the
// first key in byte order (the built-in strings' fallback, plus a last resort).
const std::string& pick_locale_text(const json& object, const std::string& locale) {
  if (auto it = object.find(locale); it != object.end()) return it->get_ref<const std::string&>();
  const std::string lang = locale.substr(0, locale.find_first_of("-_"));
  if (auto it = object.find(lang); it != object.end()) return it->get_ref<const std::string&>();
  if (auto it = internal::find_key(object, "en"); it != object.end())
    return it->get_ref<const std::string&>();
  return object.begin()->get_ref<const std::string&>();
}

bool is_locale_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  for (char ch : tag)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '_'))
      return false;
  return true;
}

// A text: one string, or {"locale": string, ...}; each string 1–max_len code points.
bool read_text(const json& v, const std::string& path, std::size_t max_len,
               const std::string& locale, Errors& errors, std::string& out) {
  auto check = [&](const json& s, const std::string& at) {
    if (!s.is_string()) {
      add_type_error(errors, at, "wrong_type", "expected a string, got ", s);
      return false;
    }
    const std::string& t = s.get_ref<const std::string&>();
    if (!is_valid_utf8(t)) {
      add_error(errors, at, "invalid_utf8", "text is not valid UTF-8");
      return false;
    }
    if (has_control_chars(t)) {
      add_error(errors, at, "invalid_value", "control characters are not allowed");
      return false;
    }
    const std::size_t n = code_points(t);
    if (n < 1 || n > max_len) {
      add_error(errors, at, "out_of_range",
                max_len == 80 ? "must be 1 to 80 characters" : "must be 1 to 200 characters");
      return false;
    }
    return true;
  };
  if (v.is_string()) {
    if (!check(v, path)) return false;
    out = v.get<std::string>();
    return true;
  }
  if (!v.is_object()) {
    add_type_error(errors, path, "wrong_type",
                   "expected a string or an object of one string per locale, got ", v);
    return false;
  }
  if (v.empty()) {
    add_error(errors, path, "invalid_value", "needs at least one locale's text");
    return false;
  }
  bool ok = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string at = path + "/" + internal::pointer_token(it.key());
    if (!is_locale_tag(it.key())) {
      add_error(errors, at, "invalid_value", "keys are language tags like \"de\" or \"de-AT\"");
      ok = false;
    } else if (!check(it.value(), at)) {
      ok = false;
    }
  }
  if (ok) out = pick_locale_text(v, locale);
  return ok;
}

void read_problems(const json& list, const std::string& path, const std::string& locale,
                   Question& q, Errors& errors) {
  if (!list.is_array()) {
    add_type_error(errors, path, "wrong_type", "expected an array, got ", list);
    return;
  }
  if (list.size() > kMaxProblems) {
    add_error(errors, path, "out_of_range", "at most 20 problems, got " +
                                                internal::int_text(list.size()));
    return;
  }
  std::vector<Problem> problems;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string item_path = path + "/" + internal::int_text(i);
    const json& item = list[i];
    if (!item.is_object()) {
      add_type_error(errors, item_path, "wrong_type", "expected an object {id, label}, got ", item);
      continue;
    }
    ObjectReader r(item, item_path, errors);
    r.reject_unknown("id\0" "label\0");
    Problem p;
    bool has_id = false, has_label = false;
    if (const json* id = r.find("id")) {
      if (!id->is_string()) {
        r.type_error("id", "wrong_type", "expected a string, got ", *id);
      } else {
        const std::string& s = id->get_ref<const std::string&>();
        if (s.empty() || s.size() > 40)
          r.error("id", "out_of_range", "id must be 1 to 40 characters");
        else if (!is_problem_id(s))
          r.error("id", "invalid_value",
                  "id may only contain a-z, 0-9, '_' and '-'");
        else {
          p.id = s;
          has_id = true;
        }
      }
    } else {
      r.error("id", "invalid_value", "required field is missing");
    }
    if (const json* label = r.find("label")) {
      has_label = read_text(*label, r.path("label"), 80, locale, errors, p.label);
    } else {
      r.error("label", "invalid_value", "required field is missing");
    }
    if (has_id) {
      for (const Problem& other : problems) {
        if (other.id == p.id) {
          r.error("id", "duplicate_id", "problem id \"" + p.id +
                  "\" is used more than once");
          has_id = false;
          break;
        }
      }
    }
    if (has_id && has_label) problems.push_back(std::move(p));
  }
  q.problems = std::move(problems);
}

// Reads one question's fields from `obj` (the config root for the shorthand, a `questions`
// entry otherwise). Records which fields were given for the fingerprint.
struct QuestionRead {
  bool text_given = false;
  bool problems_given = false;
  bool legacy = true;  // nothing a config before `questions` could not say
};

QuestionRead read_question(const json& obj, const std::string& base, bool shorthand,
                           std::size_t index, const Config& c, Errors& errors, Question& q) {
  QuestionRead info;
  ObjectReader r(obj, base, errors);
  const std::size_t before = errors.size();
  if (!shorthand) {
    info.legacy = false;
    r.reject_unknown("id\0" "text\0" "scale\0" "range\0" "labels\0" "low_score_max\0"
                     "positive_min\0" "problems\0" "comment\0" "required\0");
    q.id.clear();
    if (const json* id = r.find("id")) {
      if (!id->is_string())
        r.type_error("id", "wrong_type", "expected a string, got ", *id);
      else if (!is_valid_question_id(id->get_ref<const std::string&>()))
        r.error("id", "invalid_value",
                "question ids are 1 to 40 characters of A-Z a-z 0-9 _ -");
      else
        q.id = id->get<std::string>();
    } else {
      r.error("id", "invalid_value", "required field is missing");
    }
    q.required = index == 0;
    r.read_bool("required", q.required);
  }
  const bool pair_code = q.id == "HELPFUL_THUMBS" || q.id == "EXPERIENCE_THUMBS";
  q.scale = pair_code ? Scale::Thumbs : Scale::Stars;
  int scale = r.read_enum("scale", "stars\0" "emoji\0" "thumbs\0" "numeric\0" "nps\0");
  if (scale >= 0) q.scale = static_cast<Scale>(scale);
  if (q.scale == Scale::Numeric || q.scale == Scale::Nps) info.legacy = false;

  // Range.
  bool range_ok = true;
  if (const json* range = r.find("range")) {
    info.legacy = false;
    int64_t lo = 0, hi = 0;
    if (q.scale != Scale::Numeric) {
      r.error("range", "conflict", "range is only for the numeric scale");
      range_ok = false;
    } else if (!range->is_array() || range->size() != 2 ||
               !internal::as_int64((*range)[0], lo) || !internal::as_int64((*range)[1], hi)) {
      r.error("range", "wrong_type", "expected [min, max] integers");
      range_ok = false;
    } else {
      if (lo != 0 && lo != 1) {
        add_error(errors, r.path("range") + "/0", "out_of_range", "min must be 0 or 1");
        range_ok = false;
      }
      if (hi < 3 || hi > 10) {
        add_error(errors, r.path("range") + "/1", "out_of_range", "max must be between 3 and 10");
        range_ok = false;
      }
      if (range_ok) {
        q.min = static_cast<int>(lo);
        q.max = static_cast<int>(hi);
      }
    }
  } else if (q.scale == Scale::Numeric) {
    r.error("range", "invalid_value", "the numeric scale needs a range [min, max]");
    range_ok = false;
  }
  if (q.scale != Scale::Numeric) fixed_range(q.scale, q.min, q.max);

  // Thresholds.
  default_thresholds(q.scale, q.min, q.max, q.low_score_max, q.positive_min);
  const json* low_v = r.find("low_score_max");
  const json* pos_v = r.find("positive_min");
  int64_t n = 0;
  if (q.scale == Scale::Thumbs && shorthand) {
    // Shorthand thumbs: thresholds are range-checked and recorded, but not used (as before).
    int low = 3, pos = 4;
    if (r.read_int("low_score_max", 1, 4, n)) low = static_cast<int>(n);
    if (r.read_int("positive_min", 2, 5, n)) pos = static_cast<int>(n);
    q.low_score_max = low;
    q.positive_min = pos;
  } else if (q.scale == Scale::Thumbs || q.scale == Scale::Nps) {
    int low = 0, pos = 0;
    default_thresholds(q.scale, q.min, q.max, low, pos);
    // Fixed thresholds (thumbs 0/1, nps 6/9): only their own values are accepted.
    const char* fixed = "thresholds are fixed on this scale (thumbs 0/1, nps 6/9)";
    if (low_v && r.read_int("low_score_max", INT64_MIN, INT64_MAX, n) && n != low)
      r.error("low_score_max", "conflict", fixed);
    if (pos_v && r.read_int("positive_min", INT64_MIN, INT64_MAX, n) && n != pos)
      r.error("positive_min", "conflict", fixed);
  } else if (range_ok) {
    const int lo_min = q.scale == Scale::Numeric ? q.min : 1;
    const int lo_max = q.scale == Scale::Numeric ? q.max - 1 : 4;
    if (r.read_int("low_score_max", lo_min, lo_max, n)) q.low_score_max = static_cast<int>(n);
    if (r.read_int("positive_min", lo_min + 1, lo_max + 1, n)) q.positive_min = static_cast<int>(n);
    if (q.positive_min <= q.low_score_max)
      add_error(errors, pos_v ? r.path("positive_min") : r.path("low_score_max"), "conflict",
                "positive_min (" + internal::int_text(q.positive_min) +
                    ") must be greater than low_score_max (" + internal::int_text(q.low_score_max) +
                    ")");
  }

  // Text.
  const char* text_key = shorthand ? "question" : "text";
  if (const json* t = r.find(text_key)) {
    info.text_given = read_text(*t, r.path(text_key), 200, c.locale, errors, q.text);
    if (!t->is_string()) info.legacy = false;
  }
  if (!info.text_given) {
    const char* key = c.preset == "chat" ? "question_chat" : "question_call";
    if (q.scale == Scale::Nps) key = "question_nps";
    if (q.id == "HELPFUL_THUMBS") key = "question_helpful";
    if (q.id == "EXPERIENCE_THUMBS") key = "question_experience";
    q.text = c.strings.at(key);
  }

  // End labels.
  if (q.scale == Scale::Numeric || q.scale == Scale::Nps) {
    const bool nps = q.scale == Scale::Nps;
    q.min_label = c.strings.at(nps ? "nps_min" : "numeric_min");
    q.max_label = c.strings.at(nps ? "nps_max" : "numeric_max");
  }
  if (const json* labels = r.find("labels")) {
    info.legacy = false;
    if (q.scale != Scale::Numeric && q.scale != Scale::Nps) {
      r.error("labels", "conflict", "end labels are for numeric and nps scales");
    } else if (!labels->is_object()) {
      r.type_error("labels", "wrong_type",
                   "expected an object {min, max}, got ", *labels);
    } else {
      ObjectReader lr(*labels, r.path("labels"), errors);
      lr.reject_unknown("min\0" "max\0");
      if (const json* v = lr.find("min")) read_text(*v, lr.path("min"), 80, c.locale, errors, q.min_label);
      if (const json* v = lr.find("max")) read_text(*v, lr.path("max"), 80, c.locale, errors, q.max_label);
    }
  }

  // Problems.
  if (const json* problems = r.find("problems")) {
    info.problems_given = true;
    for (const json& item : *problems) {
      if (!item.is_object()) continue;
      auto label = internal::find_key(item, "label");
      if (label != item.end() && !label->is_string()) info.legacy = false;
    }
    read_problems(*problems, r.path("problems"), c.locale, q, errors);
  } else if (shorthand) {
    const bool chat = c.preset == "chat";
    for (const char* id = chat ? kChatPreset : kCallPreset; *id; id += std::strlen(id) + 1)
      q.problems.push_back(Problem{id, c.strings.at("problem_" + std::string(id))});
  }

  // Comment.
  if (const json* comment = r.find("comment")) {
    if (!comment->is_object()) {
      r.type_error("comment", "wrong_type", "expected an object, got ", *comment);
    } else {
      ObjectReader cr(*comment, r.path("comment"), errors);
      cr.reject_unknown("enabled\0" "required\0" "max_length\0");
      cr.read_bool("enabled", q.comment.enabled);
      cr.read_bool("required", q.comment.required);
      if (cr.read_int("max_length", 1, 5000, n)) q.comment.max_length = static_cast<int>(n);
      if (q.comment.required && !q.comment.enabled)
        cr.error("required", "conflict",
                 "a comment can only be required when the comment box is enabled");
    }
  }
  (void)before;
  return info;
}

// The offset basis the flow.v1 snapshot fingerprints were made with: the standard basis with
// its last digit lost (1469598103934665603 instead of 14695981039346656037). Kept only so
// that snapshots written before flow.v2 still restore (docs/contracts.md, contract 4).
constexpr uint64_t kFlowV1FingerprintBasis = 1469598103934665603ull;

// String keys added with rating model v2: left out of a one-question legacy config's
// fingerprint, so that snapshots stored before them still restore.
bool is_v2_string_key(const std::string& key) {
  for (const char* k = "question_nps\0" "question_helpful\0" "question_experience\0" "n_of_m\0"
                      "numeric_min\0" "numeric_max\0" "nps_min\0" "nps_max\0" "trigger\0"
                      "err_answer_required\0";
       *k; k += std::strlen(k) + 1)
    if (key == k) return true;
  return false;
}

// Canonical text of every resolved field that changes behaviour; its hash is the fingerprint.
// A legacy config (the shorthand, saying nothing new) hashes exactly the text it hashed
// before questions existed.
std::string fingerprint_text(const Config& c, const QuestionRead& first, bool legacy) {
  std::string s;
  internal::JsonWriter w(s);
  w.begin_array();
  if (legacy) {
    const Question& q = c.questions[0];
    w.string(scale_name(q.scale));
    w.string(q.text);
    w.integer(q.low_score_max);
    w.integer(q.positive_min);
    for (const Problem& p : q.problems) { w.string(p.id); w.string(p.label); }
    w.boolean(q.comment.enabled);
    w.boolean(q.comment.required);
    w.integer(q.comment.max_length);
  } else {
    w.string("questions");
    for (const Question& q : c.questions) {
      w.begin_array();
      w.string(q.id);
      w.string(q.text);
      w.string(scale_name(q.scale));
      w.integer(q.min);
      w.integer(q.max);
      w.integer(q.low_score_max);
      w.integer(q.positive_min);
      for (const Problem& p : q.problems) { w.string(p.id); w.string(p.label); }
      w.boolean(q.comment.enabled);
      w.boolean(q.comment.required);
      w.integer(q.comment.max_length);
      w.boolean(q.required);
      w.string(q.min_label);
      w.string(q.max_label);
      w.end_array();
    }
  }
  w.integer(c.finalise.window_seconds);
  w.integer(c.finalise.from == FinaliseFrom::SessionEnd ? 1 : 0);
  w.boolean(c.redact_pii);
  w.string(c.locale);
  for (const auto& kv : c.strings) {
    if (legacy && is_v2_string_key(kv.first)) continue;
    w.string(kv.first);
    w.string(kv.second);
  }
  w.boolean(first.problems_given);
  w.boolean(first.text_given);
  w.end_array();
  return s;
}

}  // namespace

Errors parse_config_value(const json& value, Config& out) {
  Errors errors;
  if (!value.is_object()) {
    add_type_error(errors, "", "not_an_object", "config must be a JSON object, got ", value);
    return errors;
  }
  Config c;
  ObjectReader r(value, "", errors);
  r.reject_unknown("questions\0" "scale\0" "question\0" "range\0" "labels\0" "low_score_max\0"
                   "positive_min\0" "problems\0" "preset\0" "comment\0" "finalise\0" "redact_pii\0"
                   "locale\0" "strings\0" "throttle\0");

  int preset = r.read_enum("preset", "call\0" "chat\0");
  if (preset == 1) c.preset = "chat";

  std::string locale = "en";
  if (r.read_string("locale", 1, 35, locale)) {
    if (!is_locale_tag(locale))
      add_error(errors, "/locale", "invalid_value", "locale must be a language tag like \"de-AT\"");
    else
      c.locale = locale;
  }
  internal::builtin_strings(c.locale, c.strings);
  c.rtl = internal::is_rtl_locale(c.locale);

  if (const json* strings = r.find("strings")) {
    if (!strings->is_object()) {
      add_type_error(errors, "/strings", "wrong_type", "expected an object, got ", *strings);
    } else {
      ObjectReader sr(*strings, "/strings", errors);
      for (auto it = strings->begin(); it != strings->end(); ++it) {
        if (!internal::is_string_key(it.key())) {
          add_error(errors, sr.path(it.key()), "unknown_field",
                    "unknown string key \"" + it.key() + "\" (see docs/view.md)");
          continue;
        }
        std::string text;
        if (sr.read_string(it.key().c_str(), 1, 200, text)) c.strings[it.key()] = text;
      }
    }
  }

  QuestionRead first;
  bool legacy = true;
  if (const json* list = r.find("questions")) {
    legacy = false;
    for (const char* key = "scale\0" "question\0" "range\0" "labels\0" "low_score_max\0"
                           "positive_min\0" "problems\0" "comment\0";
         *key; key += std::strlen(key) + 1)
      if (r.find(key))
        r.error(key, "conflict",
                "belongs inside a question when \"questions\" is given");
    if (!list->is_array()) {
      add_type_error(errors, "/questions", "wrong_type", "expected an array, got ", *list);
    } else if (list->empty() || list->size() > 5) {
      add_error(errors, "/questions", "out_of_range", "a prompt has 1 to 5 questions");
    } else {
      // Read in place into a list built at its size (no push_back of a Question: smaller
      // WebAssembly, docs/wasm.md). A slot whose item is not an object gets an empty id, which
      // no question id matches (ids are 1 to 40 characters).
      c.questions = std::vector<Question>(list->size());
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string base = "/questions/" + internal::int_text(i);
        const json& item = (*list)[i];
        Question& q = c.questions[i];
        if (!item.is_object()) {
          add_type_error(errors, base, "wrong_type", "expected an object, got ", item);
          q.id.clear();
          continue;
        }
        QuestionRead info = read_question(item, base, false, i, c, errors, q);
        if (i == 0) first = info;
        for (std::size_t j = 0; j < i && !q.id.empty(); ++j)
          if (c.questions[j].id == q.id) {
            add_error(errors, base + "/id", "duplicate_id", "question ids must be unique");
            break;
          }
      }
    }
  } else {
    c.questions = std::vector<Question>(1);
    first = read_question(value, "", true, 0, c, errors, c.questions[0]);
    legacy = first.legacy;
  }

  int64_t n = 0;
  if (const json* fin = r.find("finalise")) {
    if (!fin->is_object()) {
      add_type_error(errors, "/finalise", "wrong_type", "expected an object, got ", *fin);
    } else {
      ObjectReader fr(*fin, "/finalise", errors);
      fr.reject_unknown("window_seconds\0" "from\0");
      if (fr.read_int("window_seconds", 0, 2592000, n)) c.finalise.window_seconds = n;
      int from = fr.read_enum("from", "first_submit\0" "session_end\0");
      if (from == 1) c.finalise.from = FinaliseFrom::SessionEnd;
    }
  }

  r.read_bool("redact_pii", c.redact_pii);

  if (const json* th = r.find("throttle")) {
    if (!th->is_object()) {
      add_type_error(errors, "/throttle", "wrong_type", "expected an object, got ", *th);
    } else {
      ObjectReader tr(*th, "/throttle", errors);
      tr.reject_unknown("key\0" "cooldown_days\0" "sample_percent\0");
      int key = tr.read_enum("key", "session\0" "agent_session\0");
      if (key == 1) c.throttle.key = ThrottleKey::AgentSession;
      if (tr.read_int("cooldown_days", 0, 365, n)) c.throttle.cooldown_days = static_cast<int>(n);
      tr.read_number("sample_percent", 0, 100, c.throttle.sample_percent);
    }
  }

  if (!errors.empty()) return errors;
  const std::string canonical = fingerprint_text(c, first, legacy);
  c.fingerprint = fnv1a_64(canonical);
  c.fingerprint_v1 = fnv1a_64(canonical, kFlowV1FingerprintBasis);
  out = std::move(c);
  return errors;
}

Errors parse_config(std::string_view json_text, Config& out) {
  std::string duplicate;
  json value = internal::parse_json(json_text, &duplicate);
  if (value.is_discarded()) {
    Errors errors;
    if (!duplicate.empty()) {
      add_error(errors, duplicate, "duplicate_key", "this key appears twice in its object");
      return errors;
    }
    add_error(errors, "", "invalid_json", is_valid_utf8(json_text)
                                              ? "config is not valid JSON"
                                              : "config is not valid UTF-8 JSON");
    return errors;
  }
  return parse_config_value(value, out);
}

Errors parse_context_value(const json& value, const Config& config, Context& out) {
  Errors errors;
  if (!value.is_object()) {
    add_type_error(errors, "/context", "not_an_object",
                   "context must be a JSON object, got ", value);
    return errors;
  }
  Context c;
  ObjectReader r(value, "/context", errors);
  r.reject_unknown("session_id\0" "rating_id\0" "rater_id\0" "subject_id\0" "session_ended_at\0"
                   "internal\0" "topic\0" "agent_id\0" "properties\0" "context_signature\0");
  auto read_id = [&](const char* key, bool required, std::string& dst) -> bool {
    const json* v = r.find(key);
    if (!v || v->is_null()) {
      if (required) r.error(key, "invalid_value", "required field is missing");
      return false;
    }
    if (!v->is_string()) {
      r.type_error(key, "wrong_type", "expected a string, got ", *v);
      return false;
    }
    const std::string& s = v->get_ref<const std::string&>();
    if (!is_valid_id(s)) {
      r.error(key, "invalid_value",
              "ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -");
      return false;
    }
    dst = s;
    return true;
  };
  read_id("session_id", true, c.session_id);
  std::string id;
  if (read_id("rater_id", false, id)) c.rater_id = id;
  if (read_id("subject_id", false, id)) c.subject_id = id;
  if (!read_id("rating_id", false, c.rating_id))
    c.rating_id = derive_rating_id(c.session_id, c.subject_id, c.rater_id);
  if (read_id("agent_id", false, id)) c.agent_id = id;
  if (const json* props = r.find("properties"); props && !props->is_null())
    internal::read_properties(*props, "/context/properties", errors, c.properties);

  if (const json* v = r.find("session_ended_at"); v && !v->is_null()) {
    int64_t ms = 0;
    if (r.read_int("session_ended_at", 0, INT64_C(253402300799999), ms)) c.session_ended_at = ms;
  }
  r.read_bool("internal", c.internal);
  if (const json* v = r.find("topic"); v && !v->is_null()) {
    std::string topic;
    if (r.read_string("topic", 1, 128, topic)) c.topic = topic;
  }
  if (const json* v = r.find("context_signature"); v && !v->is_null()) {  // null: none, like topic
    if (!v->is_string())
      r.type_error("context_signature", "wrong_type",
                   "expected a string, got ", *v);
    else if (!is_context_signature_syntax(v->get_ref<const std::string&>()))
      r.error("context_signature", "invalid_value",
              "a context signature is sr1.<expiry ms>.<43 base64url characters>");
    else
      c.context_signature = v->get<std::string>();
  }
  (void)config;  // with from "session_end" and no end yet, a session_end event reports it
  if (errors.empty()) out = std::move(c);
  return errors;
}

Errors parse_context(std::string_view json_text, const Config& config, Context& out) {
  std::string duplicate;
  json value = internal::parse_json(json_text, &duplicate);
  if (value.is_discarded()) {
    Errors errors;
    if (!duplicate.empty())
      add_error(errors, "/context" + duplicate, "duplicate_key",
                "this key appears twice in its object");
    else
      add_error(errors, "/context", "invalid_json", "context is not valid JSON");
    return errors;
  }
  return parse_context_value(value, config, out);
}

Errors parse_properties(std::string_view json_text, const std::string& base, Properties& out) {
  Errors errors;
  std::string duplicate;
  json value = internal::parse_json(json_text, &duplicate);
  if (value.is_discarded()) {
    if (!duplicate.empty())
      add_error(errors, base + duplicate, "duplicate_key", "this key appears twice in its object");
    else
      add_error(errors, base, "invalid_json", "properties are not valid JSON");
    return errors;
  }
  Properties props;
  internal::read_properties(value, base, errors, props);
  if (errors.empty()) out = std::move(props);
  return errors;
}

}  // namespace session_rating
