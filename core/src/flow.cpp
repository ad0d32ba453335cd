#include "session_rating/flow.h"

#include <algorithm>

#include "internal/from_value.h"
#include "internal/json.h"
#include "internal/redactions_json.h"
#include "internal/validate.h"
#include "session_rating/redact.h"
#include "session_rating/utf8.h"

namespace session_rating {

using internal::add_error;
using nlohmann::json;

const char* step_name(Step step) {
  switch (step) {
    case Step::Details: return "details";
    case Step::Thanks: return "thanks";
    case Step::Final: return "final";
    case Step::Dismissed: return "dismissed";
    case Step::Score: break;
  }
  return "score";
}

namespace {

enum class EventType { Score, ToggleProblem, Comment, Submit, Edit, Dismiss, Tick, Unknown };

EventType event_type(std::string_view t) {
  if (t == "score") return EventType::Score;
  if (t == "toggle_problem") return EventType::ToggleProblem;
  if (t == "comment") return EventType::Comment;
  if (t == "submit") return EventType::Submit;
  if (t == "edit") return EventType::Edit;
  if (t == "dismiss") return EventType::Dismiss;
  if (t == "tick") return EventType::Tick;
  return EventType::Unknown;
}

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  return true;
}

// True when JSON text holds a \uD800–\uDFFF escape (nlohmann refuses unpaired ones).
bool has_surrogate_escape(std::string_view text) {
  for (std::size_t i = 0; i + 5 < text.size(); ++i) {
    if (text[i] == '\\' && text[i + 1] == 'u' && (text[i + 2] == 'd' || text[i + 2] == 'D')) {
      char c = text[i + 3];
      if ((c >= '8' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) return true;
    }
  }
  return false;
}

std::string hex64(uint64_t v) {
  static const char* hex = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = hex[v & 15];
    v >>= 4;
  }
  return s;
}

}  // namespace

Flow::Flow(Config config, Context context)
    : config_(std::move(config)), context_(std::move(context)) {
  problems_.assign(config_.problems.size(), 0);
  submitted_.problems = problems_;
  build_view_cache();
}

void Flow::build_view_cache() {
  view_static_.clear();
  internal::JsonWriter w(view_static_);
  w.key("scale"); w.string(scale_name(config_.scale));
  w.key("locale"); w.string(config_.locale);
  w.key("dir"); w.string(config_.rtl ? "rtl" : "ltr");
  w.key("question"); w.string(config_.question);
  w.key("options");
  w.begin_array();
  auto option = [&](int value, const char* key) {
    w.begin_object();
    w.key("value"); w.integer(value);
    w.key("label"); w.string(config_.strings.find(key)->second);
    w.end_object();
  };
  if (config_.scale == Scale::Thumbs) {
    option(0, "thumbs_down");
    option(1, "thumbs_up");
  } else {
    static const char* const stars[] = {"star_1", "star_2", "star_3", "star_4", "star_5"};
    static const char* const faces[] = {"emoji_1", "emoji_2", "emoji_3", "emoji_4", "emoji_5"};
    for (int i = 0; i < 5; ++i) option(i + 1, config_.scale == Scale::Stars ? stars[i] : faces[i]);
  }
  w.end_array();
  problem_prefix_.clear();
  for (const Problem& p : config_.problems) {
    std::string prefix;
    internal::JsonWriter pw(prefix);
    pw.begin_object();
    pw.key("id"); pw.string(p.id);
    pw.key("label"); pw.string(p.label);
    pw.key("selected");
    problem_prefix_.push_back(std::move(prefix));
  }
  view_strings_.clear();
  internal::JsonWriter sw(view_strings_);
  sw.key("strings");
  sw.begin_object();
  for (const auto& kv : config_.strings) {
    sw.key(kv.first);
    sw.string(kv.second);
  }
  sw.end_object();
}

bool Flow::low(int score) const { return is_low(config_.scale, score, config_.low_score_max); }

std::optional<int64_t> Flow::deadline() const {
  int64_t window = config_.finalise.window_seconds * 1000;
  if (config_.finalise.from == FinaliseFrom::SessionEnd) {
    if (context_.session_ended_at) return *context_.session_ended_at + window;
    return std::nullopt;
  }
  if (revision_ > 0) return first_submitted_at_ + window;
  return std::nullopt;
}

DispatchResult Flow::refuse(const char* code, std::string message) const {
  DispatchResult r;
  r.ok = false;
  r.error_code = code;
  r.error_message = std::move(message);
  return r;
}

Record Flow::make_record(bool final) const {
  Record r;
  r.rating_id = context_.rating_id;
  r.session_id = context_.session_id;
  r.revision = revision_;
  r.final = final;
  r.scale = config_.scale;
  r.score = submitted_.score;
  r.positive = is_positive(config_.scale, r.score, config_.positive_min);
  r.sentiment = sentiment_of(config_.scale, r.score, config_.positive_min);
  if (low(r.score)) {
    for (std::size_t i = 0; i < config_.problems.size(); ++i)
      if (submitted_.problems[i]) r.problems.push_back(config_.problems[i].id);
    r.comment = submitted_.comment;
    r.redactions = submitted_.redactions;
  }
  r.submitted_at = submitted_.submitted_at;
  r.first_submitted_at = first_submitted_at_;
  r.edit_deadline = deadline().value_or(first_submitted_at_);
  r.internal = context_.internal;
  r.topic = context_.topic;
  r.agent_id = context_.agent_id;
  r.low_score_max = config_.low_score_max;
  r.positive_min = config_.positive_min;
  return r;
}

void Flow::submit(int64_t at, DispatchResult& result) {
  ++revision_;
  if (revision_ == 1) first_submitted_at_ = at;
  submitted_.score = *score_;
  submitted_.problems = problems_;
  submitted_.comment = comment_redacted_;
  submitted_.redactions = comment_redactions_;
  submitted_.submitted_at = at;
  step_ = Step::Thanks;
  std::optional<int64_t> dl = deadline();
  if (dl && at >= *dl) {  // window 0: the first submit is already final
    step_ = Step::Final;
    final_emitted_ = true;
    result.emit.push_back(make_record(true));
  } else {
    result.emit.push_back(make_record(false));
  }
}

void Flow::finalise(DispatchResult& result) {
  if (revision_ > 0 && !final_emitted_) {
    final_emitted_ = true;
    result.emit.push_back(make_record(true));
  }
  if (revision_ > 0) drop_change();
  step_ = Step::Final;
}

void Flow::drop_change() {
  score_ = submitted_.score;
  problems_ = submitted_.problems;
  comment_ = submitted_.comment;
  comment_redacted_ = submitted_.comment;
  comment_redactions_ = submitted_.redactions;
}

// A parsed event (declared in flow.h without naming the JSON library).
struct Flow::Event {
  const json& value;
};

DispatchResult Flow::dispatch(std::string_view event_json) {
  json event = internal::parse_json(event_json);
  if (event.is_discarded()) {
    if (!is_valid_utf8(event_json) || has_surrogate_escape(event_json))
      return refuse("invalid_utf8", "event text is not valid UTF-8");
    return refuse("invalid_event", "event is not valid JSON");
  }
  return apply(Event{event});
}

DispatchResult Flow::apply(const Event& parsed) {
  const json& event = parsed.value;
  if (!event.is_object()) return refuse("invalid_event", "an event must be a JSON object");
  auto at_it = event.find("at");
  int64_t at = 0;
  if (at_it == event.end() || !at_it->is_number() || !internal::as_int64(*at_it, at) || at < 0)
    return refuse("invalid_event", "\"at\" must be an integer number of ms since 1970, >= 0");
  auto type_it = event.find("type");
  if (type_it == event.end() || !type_it->is_string())
    return refuse("invalid_event", "\"type\" must be a string");
  const std::string& type_text = type_it->get_ref<const std::string&>();
  EventType type = event_type(type_text);
  if (type == EventType::Unknown)
    return refuse("unknown_event", "unknown event type \"" +
                                       (is_valid_utf8(type_text) && type_text.size() <= 40
                                            ? type_text
                                            : std::string("?")) +
                                       "\"");

  // Fields of each event type.
  int value = 0;
  bool value_in_range = true;
  const std::string* text = nullptr;
  const std::string* problem_id = nullptr;
  if (type == EventType::Score) {
    auto v = event.find("value");
    if (v == event.end() || !v->is_number())
      return refuse("invalid_event", "a score event needs a numeric \"value\"");
    int64_t n = 0;
    bool thumbs = config_.scale == Scale::Thumbs;
    int lo = thumbs ? 0 : 1, hi = thumbs ? 1 : 5;
    if (!internal::as_int64(*v, n) || n < lo || n > hi) value_in_range = false;
    else value = static_cast<int>(n);
  } else if (type == EventType::ToggleProblem) {
    auto v = event.find("id");
    if (v == event.end() || !v->is_string())
      return refuse("invalid_event", "a toggle_problem event needs a string \"id\"");
    problem_id = &v->get_ref<const std::string&>();
  } else if (type == EventType::Comment) {
    auto v = event.find("text");
    if (v == event.end() || !v->is_string())
      return refuse("invalid_event", "a comment event needs a string \"text\"");
    text = &v->get_ref<const std::string&>();
  }

  if (seen_event_ && at < last_at_) at = last_at_;

  DispatchResult result;
  std::optional<int64_t> dl = deadline();
  if (dl && at >= *dl && step_ != Step::Final && step_ != Step::Dismissed) finalise(result);

  auto accept = [&]() -> DispatchResult {
    last_at_ = at;
    seen_event_ = true;
    return std::move(result);
  };
  auto fail = [&](const char* code, std::string message) -> DispatchResult {
    if (!result.emit.empty()) {  // the event finalised the flow before being refused
      last_at_ = at;
      seen_event_ = true;
    }
    result.ok = false;
    result.error_code = code;
    result.error_message = std::move(message);
    return std::move(result);
  };

  if (step_ == Step::Final) {
    if (type == EventType::Tick) return accept();
    return fail("finalised", "the rating is final and can no longer change");
  }
  if (step_ == Step::Dismissed) {
    if (type == EventType::Tick) return accept();
    return fail("not_allowed", "the prompt was dismissed");
  }

  switch (type) {
    case EventType::Tick:
      return accept();
    case EventType::Score: {
      if (!value_in_range)
        return fail("score_out_of_range", config_.scale == Scale::Thumbs
                                              ? "thumbs scores are 0 (down) or 1 (up)"
                                              : "scores are whole numbers from 1 to 5");
      score_ = value;
      open_ = true;
      if (low(value)) step_ = Step::Details;
      else submit(at, result);
      return accept();
    }
    case EventType::ToggleProblem: {
      if (step_ != Step::Details)
        return fail("not_allowed", "problems can only be picked after a low score");
      for (std::size_t i = 0; i < config_.problems.size(); ++i) {
        if (config_.problems[i].id == *problem_id) {
          problems_[i] = problems_[i] ? 0 : 1;
          return accept();
        }
      }
      return fail("unknown_problem", "no problem with this id in the config");
    }
    case EventType::Comment: {
      if (!config_.comment.enabled)
        return fail("comment_disabled", "the comment box is not enabled in the config");
      if (step_ != Step::Details)
        return fail("not_allowed", "a comment can only be written after a low score");
      if (!is_valid_utf8(*text)) return fail("invalid_utf8", "comment is not valid UTF-8");
      std::size_t length = code_points(*text);
      if (length > static_cast<std::size_t>(config_.comment.max_length))
        return fail("comment_too_long", "comment has " + std::to_string(length) +
                                            " characters, at most " +
                                            std::to_string(config_.comment.max_length) +
                                            " are allowed");
      if (config_.redact_pii) {
        RedactResult red = redact(*text);
        if (!red.ok) return fail("invalid_utf8", "comment is not valid UTF-8");
        comment_redacted_ = std::move(red.text);
        comment_redactions_ = std::move(red.redactions);
      } else {
        comment_redacted_ = *text;
        comment_redactions_.clear();
      }
      comment_ = *text;
      return accept();
    }
    case EventType::Submit: {
      if (step_ != Step::Details)
        return fail("not_allowed", step_ == Step::Score ? "pick a score first"
                                                        : "there is nothing to submit");
      if (config_.comment.enabled && config_.comment.required && is_blank(comment_))
        return fail("comment_required", "a comment is required for this rating");
      submit(at, result);
      return accept();
    }
    case EventType::Edit: {
      if (step_ != Step::Thanks)
        return fail("not_allowed", "a rating can only be changed after it was submitted");
      step_ = low(*score_) ? Step::Details : Step::Score;
      open_ = true;
      return accept();
    }
    case EventType::Dismiss: {
      open_ = false;
      if (revision_ == 0) {
        step_ = Step::Dismissed;
      } else {  // closes the prompt; the submitted rating stands, an unsent change is dropped
        drop_change();
        step_ = Step::Thanks;
      }
      return accept();
    }
    case EventType::Unknown:
      break;
  }
  return fail("unknown_event", "unknown event type");
}

std::string Flow::view_json() const {
  std::string out;
  out.reserve(2048);
  append_view(out);
  return out;
}

void Flow::append_view(std::string& out) const {
  internal::JsonWriter w(out);
  w.begin_object();
  w.key("step"); w.string(step_name(step_));
  w.key("open"); w.boolean(open_);
  out.push_back(',');
  out.append(view_static_);
  w.key("score");
  if (score_) w.integer(*score_); else w.null();
  w.key("low"); w.boolean(score_ && low(*score_));
  w.key("problems");
  w.begin_array();
  for (std::size_t i = 0; i < problem_prefix_.size(); ++i) {
    if (i) out.push_back(',');
    out.append(problem_prefix_[i]);
    out.append(problems_[i] ? "true}" : "false}");
  }
  w.end_array();
  w.key("comment");
  w.begin_object();
  w.key("enabled"); w.boolean(config_.comment.enabled);
  w.key("required"); w.boolean(config_.comment.required);
  w.key("text"); w.string(comment_);
  w.key("max_length"); w.integer(config_.comment.max_length);
  w.key("remaining");
  w.integer(config_.comment.max_length - static_cast<int64_t>(code_points(comment_)));
  w.end_object();
  bool can_submit = step_ == Step::Details &&
                    !(config_.comment.enabled && config_.comment.required && is_blank(comment_));
  w.key("can_submit"); w.boolean(can_submit);
  w.key("can_edit"); w.boolean(step_ == Step::Thanks);
  w.key("revision"); w.integer(revision_);
  w.key("edit_deadline");
  std::optional<int64_t> dl = deadline();
  if (dl) w.integer(*dl); else w.null();
  w.key("final"); w.boolean(step_ == Step::Final);
  out.push_back(',');
  out.append(view_strings_);
  w.end_object();
}

std::string Flow::result_json(const DispatchResult& result) const {
  std::string out;
  out.reserve(3072);
  internal::JsonWriter w(out);
  w.begin_object();
  w.key("ok"); w.boolean(result.ok);
  if (!result.ok) {
    w.key("error");
    w.begin_object();
    w.key("code"); w.string(result.error_code);
    w.key("message"); w.string(result.error_message);
    w.end_object();
  }
  w.key("view");
  append_view(out);
  w.key("emit");
  w.begin_array();
  for (const Record& r : result.emit) w.raw(record_to_json(r));
  w.end_array();
  w.end_object();
  return out;
}

std::string Flow::dispatch_json(std::string_view event_json) {
  return result_json(dispatch(event_json));
}

// Snapshot ----------------------------------------------------------------------------------

std::string Flow::snapshot_json() const {
  std::string out;
  internal::JsonWriter w(out);
  auto selected = [&](const std::vector<unsigned char>& picks) {
    w.begin_array();
    for (std::size_t i = 0; i < picks.size(); ++i)
      if (picks[i]) w.string(config_.problems[i].id);
    w.end_array();
  };
  w.begin_object();
  w.key("snapshot"); w.string("flow.v2");
  w.key("config"); w.string(hex64(config_.fingerprint));
  w.key("context");
  w.begin_object();
  w.key("session_id"); w.string(context_.session_id);
  w.key("rating_id"); w.string(context_.rating_id);
  w.key("session_ended_at");
  if (context_.session_ended_at) w.integer(*context_.session_ended_at); else w.null();
  w.key("internal"); w.boolean(context_.internal);
  w.key("topic");
  if (context_.topic) w.string(*context_.topic); else w.null();
  w.key("agent_id");
  if (context_.agent_id) w.string(*context_.agent_id); else w.null();
  w.end_object();
  w.key("step"); w.string(step_name(step_));
  w.key("open"); w.boolean(open_);
  w.key("last_at");
  if (seen_event_) w.integer(last_at_); else w.null();
  w.key("score");
  if (score_) w.integer(*score_); else w.null();
  w.key("problems"); selected(problems_);
  // Only the redacted comment is kept (when redaction is on): never persist raw PII.
  w.key("comment"); w.string(comment_redacted_);
  w.key("comment_redactions"); internal::write_redactions(w, comment_redactions_);
  w.key("revision"); w.integer(revision_);
  w.key("first_submitted_at"); w.integer(first_submitted_at_);
  w.key("submitted");
  w.begin_object();
  w.key("score"); w.integer(submitted_.score);
  w.key("problems"); selected(submitted_.problems);
  w.key("comment"); w.string(submitted_.comment);
  w.key("redactions"); internal::write_redactions(w, submitted_.redactions);
  w.key("submitted_at"); w.integer(submitted_.submitted_at);
  w.end_object();
  w.key("final_emitted"); w.boolean(final_emitted_);
  w.end_object();
  return out;
}

namespace {

bool read_picks(const json& list, const Config& config, std::vector<unsigned char>& out) {
  if (!list.is_array()) return false;
  out.assign(config.problems.size(), 0);
  for (const json& id : list) {
    if (!id.is_string()) return false;
    bool found = false;
    for (std::size_t i = 0; i < config.problems.size(); ++i)
      if (config.problems[i].id == id.get_ref<const std::string&>()) {
        out[i] = 1;
        found = true;
      }
    if (!found) return false;
  }
  return true;
}

bool read_redactions(const json& list, std::vector<Redaction>& out) {
  if (!list.is_array()) return false;
  out.clear();
  for (const json& item : list) {
    if (!item.is_object()) return false;
    auto kind = item.find("kind");
    auto count = item.find("count");
    int64_t n = 0;
    if (kind == item.end() || !kind->is_string() || count == item.end() ||
        !internal::as_int64(*count, n) || n < 1)
      return false;
    out.push_back(Redaction{kind->get<std::string>(), n});
  }
  return true;
}

}  // namespace

Errors Flow::restore(const Config& config, std::string_view snapshot_text,
                     std::unique_ptr<Flow>& out) {
  Errors errors;
  json s = internal::parse_json(snapshot_text);
  auto bad = [&](const char* field) {
    add_error(errors, std::string("/snapshot") + (*field ? "/" : "") + field, "invalid_value",
              std::string("snapshot is malformed") + (*field ? std::string(" at ") + field : ""));
    return errors;
  };
  if (s.is_discarded() || !s.is_object()) return bad("");
  auto str = [&](const char* key) -> const std::string* {
    auto it = s.find(key);
    return it != s.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  auto num = [&](const json& obj, const char* key, int64_t& v) {
    auto it = obj.find(key);
    return it != obj.end() && internal::as_int64(*it, v);
  };
  // flow.v2 and flow.v1 differ only in the fingerprint's offset basis (docs/contracts.md).
  const std::string* kind = str("snapshot");
  if (!kind || (*kind != "flow.v2" && *kind != "flow.v1")) return bad("snapshot");
  const std::string* fp = str("config");
  if (!fp) return bad("config");
  if (*fp != hex64(*kind == "flow.v2" ? config.fingerprint : config.fingerprint_v1)) {
    add_error(errors, "/snapshot/config", "conflict",
              "snapshot was made with a different config; start a new flow");
    return errors;
  }
  auto ctx = s.find("context");
  if (ctx == s.end()) return bad("context");
  Context context;
  Errors ctx_errors = parse_context_value(*ctx, config, context);
  if (!ctx_errors.empty()) {
    for (Error& e : ctx_errors) e.path = "/snapshot" + e.path;
    return ctx_errors;
  }
  auto flow = std::make_unique<Flow>(config, std::move(context));
  const std::string* step = str("step");
  if (!step) return bad("step");
  static const Step steps[] = {Step::Score, Step::Details, Step::Thanks, Step::Final,
                               Step::Dismissed};
  bool step_ok = false;
  for (Step st : steps)
    if (*step == step_name(st)) { flow->step_ = st; step_ok = true; }
  if (!step_ok) return bad("step");
  auto open = s.find("open");
  if (open == s.end() || !open->is_boolean()) return bad("open");
  flow->open_ = open->get<bool>();
  auto last = s.find("last_at");
  int64_t n = 0;
  if (last == s.end()) return bad("last_at");
  if (!last->is_null()) {
    if (!num(s, "last_at", n) || n < 0) return bad("last_at");
    flow->last_at_ = n;
    flow->seen_event_ = true;
  }
  bool thumbs = config.scale == Scale::Thumbs;
  int lo = thumbs ? 0 : 1, hi = thumbs ? 1 : 5;
  auto score = s.find("score");
  if (score == s.end()) return bad("score");
  if (!score->is_null()) {
    if (!num(s, "score", n) || n < lo || n > hi) return bad("score");
    flow->score_ = static_cast<int>(n);
  }
  auto problems = s.find("problems");
  if (problems == s.end() || !read_picks(*problems, config, flow->problems_)) return bad("problems");
  const std::string* comment = str("comment");
  if (!comment || !is_valid_utf8(*comment)) return bad("comment");
  flow->comment_ = *comment;
  flow->comment_redacted_ = *comment;
  auto cr = s.find("comment_redactions");
  if (cr == s.end() || !read_redactions(*cr, flow->comment_redactions_))
    return bad("comment_redactions");
  if (!num(s, "revision", n) || n < 0) return bad("revision");
  flow->revision_ = n;
  if (!num(s, "first_submitted_at", n) || n < 0) return bad("first_submitted_at");
  flow->first_submitted_at_ = n;
  auto sub = s.find("submitted");
  if (sub == s.end() || !sub->is_object()) return bad("submitted");
  if (!num(*sub, "score", n) || (flow->revision_ > 0 && (n < lo || n > hi))) return bad("submitted");
  flow->submitted_.score = static_cast<int>(n);
  auto sp = sub->find("problems");
  if (sp == sub->end() || !read_picks(*sp, config, flow->submitted_.problems)) return bad("submitted");
  auto sc = sub->find("comment");
  if (sc == sub->end() || !sc->is_string() || !is_valid_utf8(sc->get_ref<const std::string&>()))
    return bad("submitted");
  flow->submitted_.comment = sc->get<std::string>();
  auto sr = sub->find("redactions");
  if (sr == sub->end() || !read_redactions(*sr, flow->submitted_.redactions)) return bad("submitted");
  if (!num(*sub, "submitted_at", n) || n < 0) return bad("submitted");
  flow->submitted_.submitted_at = n;
  auto fe = s.find("final_emitted");
  if (fe == s.end() || !fe->is_boolean()) return bad("final_emitted");
  flow->final_emitted_ = fe->get<bool>();
  // Cross-checks: the state must be one a flow can reach.
  bool submitted = flow->revision_ > 0;
  if ((flow->step_ == Step::Thanks && !submitted) || (flow->step_ == Step::Dismissed && submitted) ||
      (flow->step_ == Step::Details && !flow->score_) || (submitted && !flow->score_) ||
      (flow->final_emitted_ && flow->step_ != Step::Final))
    return bad("step");
  out = std::move(flow);
  return errors;
}

Errors make_flow(std::string_view config_json, std::string_view context_json,
                 std::unique_ptr<Flow>& out) {
  Config config;
  Errors errors = parse_config(config_json, config);
  if (!errors.empty()) return errors;
  Context context;
  errors = parse_context(context_json, config, context);
  if (!errors.empty()) return errors;
  out = std::make_unique<Flow>(std::move(config), std::move(context));
  return errors;
}

}  // namespace session_rating
