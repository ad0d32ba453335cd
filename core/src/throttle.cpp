// Prompt throttling and sampling (contract 7). See throttle.h and docs/throttle.md.
#include "session_rating/throttle.h"

#include <cmath>
#include <utility>

#include "internal/from_value.h"
#include "internal/json.h"
#include "internal/validate.h"
#include "session_rating/hash.h"

namespace session_rating {

using internal::add_type_error;
using nlohmann::json;

namespace {

constexpr int64_t kDayMs = 86400000;
constexpr std::size_t kMaxKeyLength = 257;  // 128 (agent) + '|' + 128 (session)

void add_error(Errors& errors, std::string path, const char* code, std::string message) {
  errors.push_back(Error{std::move(path), code, std::move(message)});
}

// Code for a required field that is absent (the same code the record reader uses).
constexpr const char* kMissingCode = "invalid_value";

}  // namespace

const char* prompt_reason_name(PromptReason reason) {
  switch (reason) {
    case PromptReason::Ok: return "ok";
    case PromptReason::Cooldown: return "cooldown";
    case PromptReason::SampledOut: return "sampled_out";
    case PromptReason::AlreadyRated: return "already_rated";
  }
  return "ok";
}

std::string throttle_key(ThrottleKey key, const Context& context) {
  if (key == ThrottleKey::AgentSession && context.agent_id) {
    std::string k;
    k.reserve(context.agent_id->size() + 1 + context.session_id.size());
    k += *context.agent_id;
    k += '|';
    k += context.session_id;
    return k;
  }
  return context.session_id;
}

int sample_bucket(std::string_view session_id) {
  return static_cast<int>(fnv1a_64(session_id) % 10000);
}

bool sampled_in(std::string_view session_id, double sample_percent) {
  if (!(sample_percent > 0)) return false;  // also NaN
  if (sample_percent >= 100) return true;
  const long threshold = std::lround(sample_percent * 100);
  return sample_bucket(session_id) < threshold;
}

PromptDecision should_prompt(const std::vector<PromptHistoryEntry>& history,
                             const Context& context, int64_t now_ms,
                             const ThrottleConfig& throttle) {
  PromptDecision d;
  d.key = throttle_key(throttle.key, context);
  bool rated = false;
  bool cooling = false;
  const int64_t cooldown_ms = static_cast<int64_t>(throttle.cooldown_days) * kDayMs;
  for (const PromptHistoryEntry& e : history) {
    if (e.key != d.key) continue;
    if (e.rated) rated = true;
    // now - prompted_at < cooldown, written so it cannot overflow (both are >= 0).
    if (cooldown_ms > 0 && e.prompted_at > now_ms - cooldown_ms) cooling = true;
  }
  if (rated) {
    d.prompt = false;
    d.reason = PromptReason::AlreadyRated;
  } else if (cooling) {
    d.prompt = false;
    d.reason = PromptReason::Cooldown;
  } else if (!sampled_in(context.session_id, throttle.sample_percent)) {
    d.prompt = false;
    d.reason = PromptReason::SampledOut;
  }
  return d;
}

Errors parse_prompt_history_value(const json& value, std::vector<PromptHistoryEntry>& out) {
  Errors errors;
  if (!value.is_array()) {
    add_type_error(errors, "/history", "wrong_type", "history must be an array, got ", value);
    return errors;
  }
  std::vector<PromptHistoryEntry> entries;
  entries.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const json& item = value[i];
    const std::string base = "/history/" + internal::int_text(i);
    if (!item.is_object()) {
      add_type_error(errors, base, "not_an_object",
                     "a history entry must be an object, got ", item);
      continue;
    }
    internal::ObjectReader r(item, base, errors);
    r.reject_unknown("key\0" "prompted_at\0" "rated\0");
    for (const char* field : {"key", "prompted_at", "rated"}) {
      if (!r.find(field)) {
        r.error(field, kMissingCode, "required field is missing");
      }
    }
    PromptHistoryEntry e;
    r.read_string("key", 1, kMaxKeyLength, e.key);
    r.read_int("prompted_at", 0, INT64_MAX, e.prompted_at);
    r.read_bool("rated", e.rated);
    entries.push_back(std::move(e));
  }
  if (errors.empty()) out = std::move(entries);
  return errors;
}

std::string prompt_decision_to_json(const PromptDecision& decision) {
  std::string out;
  internal::JsonWriter w(out);
  w.begin_object();
  w.key("key");
  w.string(decision.key);
  w.key("prompt");
  w.boolean(decision.prompt);
  w.key("reason");
  w.string(prompt_reason_name(decision.reason));
  w.end_object();
  return out;
}

namespace {

// The history as the widget stores it, read in one pass with the core's JSON lexer and no
// JSON tree: an array of objects with exactly "key" (printable ASCII, 1-257 bytes, no escapes),
// "prompted_at" (a non-negative integer of at most 15 digits) and "rated" (true/false), each
// once, in any order. Anything else — and so every refusal — goes down the tree path
// (parse_json + parse_prompt_history_value), which reads the same entries from any text this
// accepts. A 200-entry history as a tree (~64 KB in the WebAssembly heap) made the widget's
// memory grow from 128 to 256 KiB; as entries it is ~16 KB (docs/throttle.md).
bool scan_history(std::string_view text, std::vector<PromptHistoryEntry>& out) {
  internal::JsonLexer in(text);
  if (!in.lit('[')) return false;
  if (in.lit(']')) return in.at_end();
  do {
    if (!in.lit('{')) return false;
    PromptHistoryEntry e;
    unsigned seen = 0;
    do {
      // An unknown member (the tree path names it) or a repeated one (the tree path refuses it)
      // ends the fast path.
      unsigned member;
      if (!in.member("key\0prompted_at\0rated\0", seen, member)) return false;
      if (member == 0) {
        std::string_view v;
        bool escaped = false;
        if (!in.string_token(v, escaped) || escaped || v.empty() || v.size() > kMaxKeyLength)
          return false;
        for (char c : v)
          if (c < 0x20 || c > 0x7E) return false;  // control or non-ASCII: the tree path
        e.key.assign(v.data(), v.size());
      } else if (member == 1) {
        if (!in.small_uint(e.prompted_at)) return false;
      } else if (in.peek('t') && in.word("true", 4)) {
        e.rated = true;
      } else if (in.peek('f') && in.word("false", 5)) {
        e.rated = false;
      } else {
        return false;
      }
    } while (in.lit(','));
    if (!in.lit('}') || seen != 7) return false;
    out.push_back(std::move(e));
  } while (in.lit(','));
  return in.lit(']') && in.at_end();
}

// One input of should_prompt_json: parsed, or its invalid_json / duplicate_key error under
// `where` ("/history", ...). Out of line: one copy for the three inputs.
bool parse_input(std::string_view text, const char* where, const char* name, Errors& errors,
                 json& out) {
  std::string duplicate;
  out = internal::parse_json(text, &duplicate);
  if (!out.is_discarded()) return true;
  if (!duplicate.empty())
    add_error(errors, where + duplicate, "duplicate_key", "this key appears twice in its object");
  else
    add_error(errors, where, "invalid_json", std::string(name) + " is not valid JSON");
  return false;
}

void append_errors(Errors& errors, Errors more) {
  for (Error& e : more) errors.push_back(std::move(e));
}

}  // namespace

std::string should_prompt_json(std::string_view history_json, std::string_view context_json,
                               int64_t now_ms, std::string_view throttle_json) {
  Errors errors;
  json value;

  std::vector<PromptHistoryEntry> history;
  if (!scan_history(history_json, history)) {
    history.clear();
    if (parse_input(history_json, "/history", "history", errors, value))
      append_errors(errors, parse_prompt_history_value(value, history));
  }

  Context context;
  // Default config: its only cross-check (finalise.from = session_end) does not apply.
  if (parse_input(context_json, "/context", "context", errors, value))
    append_errors(errors, parse_context_value(value, Config{}, context));

  Config config;
  if (parse_input(throttle_json, "/throttle", "throttle", errors, value)) {
    // Validated by the config parser itself, so the rules and messages are the config's.
    // Inserted as parse_json inserts members (emplace of a std::string key): no
    // json::operator[] instantiated for this one call.
    json wrapper(json::value_t::object);
    const std::string key = "throttle";
    wrapper.get_ref<json::object_t&>().emplace(key, nullptr).first->second = std::move(value);
    append_errors(errors, parse_config_value(wrapper, config));
  }

  if (now_ms < 0) add_error(errors, "/now", "out_of_range", "now must be >= 0 (ms since epoch)");

  if (!errors.empty()) return "{\"error\":" + errors_to_json(errors) + "}";
  return prompt_decision_to_json(should_prompt(history, context, now_ms, config.throttle));
}

}  // namespace session_rating
