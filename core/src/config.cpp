#include "session_rating/config.h"

#include "internal/from_value.h"
#include "internal/json.h"
#include "internal/strings.h"
#include "internal/validate.h"
#include "session_rating/hash.h"
#include "session_rating/utf8.h"

namespace session_rating {

using internal::add_error;
using internal::ObjectReader;
using nlohmann::json;

const char* scale_name(Scale scale) {
  switch (scale) {
    case Scale::Emoji: return "emoji";
    case Scale::Thumbs: return "thumbs";
    case Scale::Stars: break;
  }
  return "stars";
}

bool parse_scale(std::string_view name, Scale& out) {
  for (Scale s : {Scale::Stars, Scale::Emoji, Scale::Thumbs})
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

namespace {

bool is_problem_id(std::string_view id) {
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

const char* const kCallPreset[] = {"audio", "video", "connection", "screen_share", "other"};
const char* const kChatPreset[] = {"not_answered", "wrong_answer", "too_slow",
                                   "hard_to_understand", "other"};

void read_problems(const json& list, const std::string& path, Config& c, Errors& errors) {
  if (!list.is_array()) {
    add_error(errors, path, "wrong_type",
              std::string("expected an array, got ") + internal::type_name(list));
    return;
  }
  if (list.size() > 20) {
    add_error(errors, path, "out_of_range", "at most 20 problems, got " +
                                                std::to_string(list.size()));
    return;
  }
  std::vector<Problem> problems;
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string item_path = path + "/" + std::to_string(i);
    const json& item = list[i];
    if (!item.is_object()) {
      add_error(errors, item_path, "wrong_type",
                std::string("expected an object {id, label}, got ") + internal::type_name(item));
      continue;
    }
    ObjectReader r(item, item_path, errors);
    r.reject_unknown({"id", "label"});
    Problem p;
    bool has_id = false, has_label = false;
    if (const json* id = r.find("id")) {
      if (!id->is_string()) {
        add_error(errors, r.path("id"), "wrong_type",
                  std::string("expected a string, got ") + internal::type_name(*id));
      } else {
        const std::string& s = id->get_ref<const std::string&>();
        if (s.empty() || s.size() > 40)
          add_error(errors, r.path("id"), "out_of_range", "id must be 1 to 40 characters");
        else if (!is_problem_id(s))
          add_error(errors, r.path("id"), "invalid_value",
                    "id may only contain a-z, 0-9, '_' and '-'");
        else {
          p.id = s;
          has_id = true;
        }
      }
    } else {
      add_error(errors, r.path("id"), "invalid_value", "required field is missing");
    }
    if (r.find("label")) {
      has_label = r.read_string("label", 1, 80, p.label);
    } else {
      add_error(errors, r.path("label"), "invalid_value", "required field is missing");
    }
    if (has_id) {
      for (const Problem& q : problems) {
        if (q.id == p.id) {
          add_error(errors, r.path("id"), "duplicate_id", "problem id \"" + p.id +
                                                              "\" is used more than once");
          has_id = false;
          break;
        }
      }
    }
    if (has_id && has_label) problems.push_back(std::move(p));
  }
  c.problems = std::move(problems);
}

// The offset basis the flow.v1 snapshot fingerprints were made with: the standard basis with
// its last digit lost (1469598103934665603 instead of 14695981039346656037). Kept only so
// that snapshots written before flow.v2 still restore (docs/contracts.md, contract 4).
constexpr uint64_t kFlowV1FingerprintBasis = 1469598103934665603ull;

// Canonical text of every resolved field that changes behaviour; its hash is the fingerprint.
std::string fingerprint_text(const Config& c, bool problems_given, bool question_given) {
  std::string s;
  internal::JsonWriter w(s);
  w.begin_array();
  w.string(scale_name(c.scale));
  w.string(c.question);
  w.integer(c.low_score_max);
  w.integer(c.positive_min);
  for (const Problem& p : c.problems) { w.string(p.id); w.string(p.label); }
  w.boolean(c.comment.enabled);
  w.boolean(c.comment.required);
  w.integer(c.comment.max_length);
  w.integer(c.finalise.window_seconds);
  w.integer(c.finalise.from == FinaliseFrom::SessionEnd ? 1 : 0);
  w.boolean(c.redact_pii);
  w.string(c.locale);
  for (const auto& kv : c.strings) { w.string(kv.first); w.string(kv.second); }
  w.boolean(problems_given);
  w.boolean(question_given);
  w.end_array();
  return s;
}

}  // namespace

Errors parse_config_value(const json& value, Config& out) {
  Errors errors;
  if (!value.is_object()) {
    add_error(errors, "", "not_an_object",
              std::string("config must be a JSON object, got ") + internal::type_name(value));
    return errors;
  }
  Config c;
  ObjectReader r(value, "", errors);
  r.reject_unknown({"scale", "question", "low_score_max", "positive_min", "problems", "preset",
                    "comment", "finalise", "redact_pii", "locale", "strings", "throttle"});

  int scale = r.read_enum("scale", {"stars", "emoji", "thumbs"});
  if (scale >= 0) c.scale = static_cast<Scale>(scale);

  std::string question;
  bool question_given = r.read_string("question", 1, 200, question);

  int64_t n = 0;
  if (r.read_int("low_score_max", 1, 4, n)) c.low_score_max = static_cast<int>(n);
  bool pos_given = r.read_int("positive_min", 2, 5, n);
  if (pos_given) c.positive_min = static_cast<int>(n);

  int preset = r.read_enum("preset", {"call", "chat"});
  if (preset == 1) c.preset = "chat";

  std::string locale = "en";
  if (r.read_string("locale", 1, 35, locale)) {
    bool ok = true;
    for (char ch : locale)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_'))
        ok = false;
    if (!ok)
      add_error(errors, "/locale", "invalid_value", "locale must be a language tag like \"de-AT\"");
    else
      c.locale = locale;
  }
  internal::builtin_strings(c.locale, c.strings);
  c.rtl = internal::is_rtl_locale(c.locale);

  if (const json* strings = r.find("strings")) {
    if (!strings->is_object()) {
      add_error(errors, "/strings", "wrong_type",
                std::string("expected an object, got ") + internal::type_name(*strings));
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

  bool problems_given = false;
  if (const json* problems = r.find("problems")) {
    problems_given = true;
    read_problems(*problems, "/problems", c, errors);
  } else {
    bool chat = c.preset == "chat";
    for (const char* id : chat ? kChatPreset : kCallPreset)
      c.problems.push_back(Problem{id, c.strings["problem_" + std::string(id)]});
  }

  if (const json* comment = r.find("comment")) {
    if (!comment->is_object()) {
      add_error(errors, "/comment", "wrong_type",
                std::string("expected an object, got ") + internal::type_name(*comment));
    } else {
      ObjectReader cr(*comment, "/comment", errors);
      cr.reject_unknown({"enabled", "required", "max_length"});
      cr.read_bool("enabled", c.comment.enabled);
      cr.read_bool("required", c.comment.required);
      if (cr.read_int("max_length", 1, 5000, n)) c.comment.max_length = static_cast<int>(n);
      if (c.comment.required && !c.comment.enabled)
        add_error(errors, "/comment/required", "conflict",
                  "a comment can only be required when the comment box is enabled");
    }
  }

  if (const json* fin = r.find("finalise")) {
    if (!fin->is_object()) {
      add_error(errors, "/finalise", "wrong_type",
                std::string("expected an object, got ") + internal::type_name(*fin));
    } else {
      ObjectReader fr(*fin, "/finalise", errors);
      fr.reject_unknown({"window_seconds", "from"});
      if (fr.read_int("window_seconds", 0, 2592000, n)) c.finalise.window_seconds = n;
      int from = fr.read_enum("from", {"first_submit", "session_end"});
      if (from == 1) c.finalise.from = FinaliseFrom::SessionEnd;
    }
  }

  r.read_bool("redact_pii", c.redact_pii);

  if (const json* th = r.find("throttle")) {
    if (!th->is_object()) {
      add_error(errors, "/throttle", "wrong_type",
                std::string("expected an object, got ") + internal::type_name(*th));
    } else {
      ObjectReader tr(*th, "/throttle", errors);
      tr.reject_unknown({"key", "cooldown_days", "sample_percent"});
      int key = tr.read_enum("key", {"session", "agent_session"});
      if (key == 1) c.throttle.key = ThrottleKey::AgentSession;
      if (tr.read_int("cooldown_days", 0, 365, n)) c.throttle.cooldown_days = static_cast<int>(n);
      tr.read_number("sample_percent", 0, 100, c.throttle.sample_percent);
    }
  }

  if (c.scale != Scale::Thumbs && c.positive_min <= c.low_score_max)
    add_error(errors, pos_given ? "/positive_min" : "/low_score_max", "conflict",
              "positive_min (" + std::to_string(c.positive_min) +
                  ") must be greater than low_score_max (" + std::to_string(c.low_score_max) +
                  ")");

  if (!errors.empty()) return errors;
  c.question = question_given
                   ? question
                   : c.strings[c.preset == "chat" ? "question_chat" : "question_call"];
  const std::string canonical = fingerprint_text(c, problems_given, question_given);
  c.fingerprint = fnv1a_64(canonical);
  c.fingerprint_v1 = fnv1a_64(canonical, kFlowV1FingerprintBasis);
  out = std::move(c);
  return errors;
}

Errors parse_config(std::string_view json_text, Config& out) {
  json value = internal::parse_json(json_text);
  if (value.is_discarded()) {
    Errors errors;
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
    add_error(errors, "/context", "not_an_object",
              std::string("context must be a JSON object, got ") + internal::type_name(value));
    return errors;
  }
  Context c;
  ObjectReader r(value, "/context", errors);
  r.reject_unknown({"session_id", "rating_id", "session_ended_at", "internal", "topic",
                    "agent_id"});
  auto read_id = [&](const char* key, bool required, std::string& dst) -> bool {
    const json* v = r.find(key);
    if (!v || v->is_null()) {
      if (required) add_error(errors, r.path(key), "invalid_value", "required field is missing");
      return false;
    }
    if (!v->is_string()) {
      add_error(errors, r.path(key), "wrong_type",
                std::string("expected a string, got ") + internal::type_name(*v));
      return false;
    }
    const std::string& s = v->get_ref<const std::string&>();
    if (!is_valid_id(s)) {
      add_error(errors, r.path(key), "invalid_value",
                "ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -");
      return false;
    }
    dst = s;
    return true;
  };
  read_id("session_id", true, c.session_id);
  if (!read_id("rating_id", false, c.rating_id)) c.rating_id = c.session_id;
  std::string agent;
  if (read_id("agent_id", false, agent)) c.agent_id = agent;

  if (const json* v = r.find("session_ended_at"); v && !v->is_null()) {
    int64_t ms = 0;
    if (r.read_int("session_ended_at", 0, INT64_C(253402300799999), ms)) c.session_ended_at = ms;
  }
  r.read_bool("internal", c.internal);
  if (const json* v = r.find("topic"); v && !v->is_null()) {
    std::string topic;
    if (r.read_string("topic", 1, 128, topic)) c.topic = topic;
  }
  const json* ended = r.find("session_ended_at");
  if (config.finalise.from == FinaliseFrom::SessionEnd && (!ended || ended->is_null()))
    add_error(errors, "/finalise/from", "conflict",
              "finalise.from \"session_end\" needs session_ended_at in the context");
  if (errors.empty()) out = std::move(c);
  return errors;
}

Errors parse_context(std::string_view json_text, const Config& config, Context& out) {
  json value = internal::parse_json(json_text);
  if (value.is_discarded()) {
    Errors errors;
    add_error(errors, "/context", "invalid_json", "context is not valid JSON");
    return errors;
  }
  return parse_context_value(value, config, out);
}

}  // namespace session_rating
