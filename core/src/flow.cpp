#include "session_rating/flow.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "internal/from_value.h"
#include "internal/json.h"
#include "internal/properties.h"
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

enum class EventType {
  Score, ToggleProblem, Comment, Submit, Edit, Dismiss, Tick, SessionEnd, Unknown
};

EventType event_type(std::string_view t) {
  // One table walk (the names' lengths known at compile time): the size-first WebAssembly
  // build does not inline a comparison with a C string, so each one called strlen.
  static constexpr std::string_view kNames[] = {"score", "toggle_problem", "comment", "submit",
                                                "edit", "dismiss", "tick", "session_end"};
  static constexpr EventType kTypes[] = {EventType::Score, EventType::ToggleProblem,
                                         EventType::Comment, EventType::Submit, EventType::Edit,
                                         EventType::Dismiss, EventType::Tick,
                                         EventType::SessionEnd};
  for (std::size_t i = 0; i < sizeof kTypes / sizeof kTypes[0]; ++i)
    if (t == kNames[i]) return kTypes[i];
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

Flow::Flow(const Config& config, const Context& context)
    : Flow(Config(config), Context(context)) {}

// draft_ and submitted_ start empty, one problem flag per problem: constructed at their size
// (no resize() and its grow path) and filled alike (no copy of draft_: no vector<Answer> copy).
Flow::Flow(Config&& config, Context&& context)
    : config_(std::move(config)),
      context_(std::move(context)),
      draft_(config_.questions.size()),
      submitted_(config_.questions.size()) {
  for (std::size_t q = 0; q < config_.questions.size(); ++q) {
    draft_[q].problems.assign(config_.questions[q].problems.size(), 0);
    submitted_[q].problems.assign(config_.questions[q].problems.size(), 0);
  }
  build_view_cache();
}

void Flow::build_view_cache() {
  question_static_.clear();
  problem_prefix_.clear();
  for (const Question& q : config_.questions) {
    std::string out;
    internal::JsonWriter w(out);
    w.begin_object();
    w.key("id"); w.string(q.id);
    w.key("text"); w.string(q.text);
    w.key("scale"); w.string(scale_name(q.scale));
    w.key("range");
    w.begin_array(); w.integer(q.min); w.integer(q.max); w.end_array();
    w.key("options");
    w.begin_array();
    const std::string& n_of_m = config_.strings.find("n_of_m")->second;
    for (int v = q.min; v <= q.max; ++v) {
      w.begin_object();
      w.key("value"); w.integer(v);
      w.key("label");
      switch (q.scale) {
        case Scale::Thumbs:
          w.string(config_.strings.find(v ? "thumbs_up" : "thumbs_down")->second);
          break;
        case Scale::Stars:
        case Scale::Emoji: {  // "star_1".."star_5", "emoji_1".."emoji_5"
          std::string key = q.scale == Scale::Stars ? "star_" : "emoji_";
          key.push_back(static_cast<char>('0' + v));
          w.string(config_.strings.find(key)->second);
          break;
        }
        case Scale::Numeric:
        case Scale::Nps: {
          std::string label;
          for (std::size_t i = 0; i < n_of_m.size(); ++i) {
            if (n_of_m.compare(i, 3, "{n}") == 0) { label += internal::int_text(v); i += 2; }
            else if (n_of_m.compare(i, 3, "{m}") == 0) { label += internal::int_text(q.max); i += 2; }
            else label.push_back(n_of_m[i]);
          }
          w.string(label);
          break;
        }
      }
      w.end_object();
    }
    w.end_array();
    w.key("end_labels");
    if (q.scale == Scale::Numeric || q.scale == Scale::Nps) {
      w.begin_object();
      w.key("min"); w.string(q.min_label);
      w.key("max"); w.string(q.max_label);
      w.end_object();
    } else {
      w.null();
    }
    w.key("required"); w.boolean(q.required);
    question_static_.push_back(std::move(out));
    std::vector<std::string> prefixes;
    for (const Problem& p : q.problems) {
      std::string prefix;
      internal::JsonWriter pw(prefix);
      pw.begin_object();
      pw.key("id"); pw.string(p.id);
      pw.key("label"); pw.string(p.label);
      pw.key("selected");
      prefixes.push_back(std::move(prefix));
    }
    problem_prefix_.push_back(std::move(prefixes));
  }
  view_locale_.clear();
  internal::JsonWriter lw(view_locale_);
  lw.key("locale"); lw.string(config_.locale);
  lw.key("dir"); lw.string(config_.rtl ? "rtl" : "ltr");
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

bool Flow::low(std::size_t q, int score) const {
  const Question& question = config_.questions[q];
  return is_low(question.scale, score, question.low_score_max);
}

bool Flow::draft_low(std::size_t q) const { return draft_[q].score && low(q, *draft_[q].score); }

const char* Flow::submit_blocker() const {
  if (step_ != Step::Details) return "not_allowed";
  for (std::size_t q = 0; q < config_.questions.size(); ++q)
    if (config_.questions[q].required && !draft_[q].score) return "answer_required";
  for (std::size_t q = 0; q < config_.questions.size(); ++q) {
    const CommentConfig& c = config_.questions[q].comment;
    if (c.enabled && c.required && draft_low(q) && is_blank(draft_[q].comment))
      return "comment_required";
  }
  return nullptr;
}

// The latest time an event may carry, and the latest deadline: 9999-12-31T23:59:59.999Z, the
// bound records are checked against (record.cpp kMaxTime) and contexts read with (config.cpp).
constexpr int64_t kMaxEventTime = INT64_C(253402300799999);

std::optional<int64_t> Flow::deadline() const {
  const int64_t window = config_.finalise.window_seconds * 1000;  // 0 .. 2592000000
  // Capped at the last valid record time (9999-12-31, record.cpp's kMaxTime), so a rating
  // made near it still has a deadline its record may carry (check_record).
  auto after = [window](int64_t t) { return t > kMaxEventTime - window ? kMaxEventTime : t + window; };
  if (config_.finalise.from == FinaliseFrom::SessionEnd) {
    if (context_.session_ended_at) return after(*context_.session_ended_at);
    return std::nullopt;
  }
  if (revision_ > 0) return after(first_submitted_at_);
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
  r.rater_id = context_.rater_id;
  r.subject_id = context_.subject_id;
  r.revision = revision_;
  r.final = final;
  for (std::size_t q = 0; q < config_.questions.size(); ++q) {
    const Answer& s = submitted_[q];
    if (!s.score) continue;
    const Question& question = config_.questions[q];
    session_rating::Answer a;
    a.question = question.id;
    a.scale = question.scale;
    a.min = question.min;
    a.max = question.max;
    a.score = *s.score;
    a.positive = is_positive(question.scale, a.score, question.positive_min);
    a.sentiment = sentiment_of(question.scale, question.min, question.max, a.score,
                               question.positive_min);
    if (low(q, a.score)) {
      for (std::size_t i = 0; i < question.problems.size(); ++i)
        if (s.problems[i]) a.problems.push_back(question.problems[i].id);
      a.comment = s.comment;
      a.redactions = s.redactions;
    }
    a.low_score_max = question.low_score_max;
    a.positive_min = question.positive_min;
    r.answers.push_back(std::move(a));
  }
  r.submitted_at = submitted_at_;
  r.first_submitted_at = first_submitted_at_;
  r.edit_deadline = deadline();
  r.internal = context_.internal;
  r.topic = context_.topic;
  r.agent_id = context_.agent_id;
  r.properties = context_.properties;
  r.context_signature = context_.context_signature;
  // Topic and property strings come from the host page: redacted like the comment (whose
  // draft is already redacted, so its counts do not change).
  if (config_.redact_pii) redact_record_text(r);
  return r;
}

void Flow::submit(int64_t at, DispatchResult& result) {
  ++revision_;
  if (revision_ == 1) first_submitted_at_ = at;
  for (std::size_t q = 0; q < draft_.size(); ++q) {
    Answer& s = submitted_[q];
    const Answer& d = draft_[q];
    s.score = d.score;
    s.problems = d.problems;
    s.comment = d.comment_redacted;
    s.redactions = d.redactions;
  }
  submitted_at_ = at;
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
  for (std::size_t q = 0; q < draft_.size(); ++q) {
    Answer& d = draft_[q];
    const Answer& s = submitted_[q];
    d.score = s.score;
    d.problems = s.problems;
    d.comment = s.comment;
    d.comment_redacted = s.comment;
    d.redactions = s.redactions;
  }
}

namespace {

// The fields of an event the flow reads, from either reader below. Strings point into the
// event text (fast path) or into its parsed tree (tree path), both alive while apply() runs.
struct EventFields {
  EventType type = EventType::Unknown;
  int64_t at = 0;
  bool has_question = false;
  std::string_view question;
  bool has_value = false;  // a number
  bool value_int = false;  // ...that is an integer (as_int64)
  int64_t value = 0;
  bool has_id = false;   // a string
  std::string_view id;
  bool has_text = false;  // a string
  std::string_view text;
};

// The fast path (docs/wasm.md, "an event reader without a tree"): reads an event of the plain
// shape the widget sends — one flat object, each member at most once, only the members the
// flow reads ("type", "at", "question", "value", "id", "text"), strings without escapes,
// non-negative integers of at most 15 digits, a known type with its required member — in one
// pass with the core's own lexer (internal::JsonLexer), no tree. False for anything else:
// the caller then takes the tree path, so every refusal (code, path, message) comes from that
// one path. When it returns true, the tree path would have read exactly the same fields.
bool scan_event(std::string_view text, EventFields& e) {
  internal::JsonLexer in(text);
  if (!in.lit('{') || in.peek('}')) return false;
  unsigned seen = 0;
  std::string_view type_text;
  do {
    // An unknown member (which the flow ignores: the tree path reads around it) or a repeated
    // one (which the tree path refuses) ends the fast path.
    unsigned member;
    if (!in.member("type\0at\0question\0value\0id\0text\0", seen, member)) return false;
    if (member == 1 || member == 3) {  // a number
      int64_t n;
      if (!in.small_uint(n)) return false;
      if (member == 1) {
        e.at = n;
      } else {
        e.value = n;
        e.has_value = e.value_int = true;
      }
    } else {  // a string
      std::string_view v;
      bool escaped = false;
      if (!in.string_token(v, escaped) || escaped) return false;
      if (member == 0) type_text = v;
      else if (member == 2) e.question = v, e.has_question = true;
      else if (member == 4) e.id = v, e.has_id = true;
      else e.text = v, e.has_text = true;
    }
  } while (in.lit(','));
  // type and at are required.
  if (!in.lit('}') || !in.at_end() || (seen & 3) != 3 || e.at > kMaxEventTime) return false;
  e.type = event_type(type_text);
  switch (e.type) {
    case EventType::Unknown: return false;
    case EventType::Score: return e.has_value;
    case EventType::ToggleProblem: return e.has_id;
    case EventType::Comment: return e.has_text;
    default: return true;
  }
}

}  // namespace

// An event's fields (declared in flow.h without naming the JSON library).
struct Flow::Event : EventFields {};

DispatchResult Flow::dispatch(std::string_view event_json) {
  Event e;
  if (scan_event(event_json, e)) return apply(e);
  // The tree path: every event the fast path does not take, and every refusal.
  std::string duplicate;
  json event = internal::parse_json(event_json, &duplicate);
  if (event.is_discarded()) {
    if (!duplicate.empty())
      return refuse("invalid_event", "event has a duplicate key");
    if (!is_valid_utf8(event_json) || has_surrogate_escape(event_json))
      return refuse("invalid_utf8", "event text is not valid UTF-8");
    return refuse("invalid_event", "event is not valid JSON");
  }
  if (!event.is_object()) return refuse("invalid_event", "an event must be a JSON object");
  auto at_it = internal::find_key(event, "at");
  if (at_it == event.end() || !at_it->is_number() || !internal::as_int64(*at_it, e.at) ||
      e.at < 0 || e.at > kMaxEventTime)
    return refuse("invalid_event",
                  "\"at\" must be an integer number of ms since 1970, up to year 9999");
  auto type_it = internal::find_key(event, "type");
  if (type_it == event.end() || !type_it->is_string())
    return refuse("invalid_event", "\"type\" must be a string");
  const std::string& type_text = type_it->get_ref<const std::string&>();
  e.type = event_type(type_text);
  if (e.type == EventType::Unknown)
    return refuse("unknown_event", "unknown event type \"" +
                                       (is_valid_utf8(type_text) && type_text.size() <= 40
                                            ? type_text
                                            : std::string("?")) +
                                       "\"");
  if (e.type == EventType::Score || e.type == EventType::ToggleProblem ||
      e.type == EventType::Comment) {
    auto qv = internal::find_key(event, "question");
    if (qv != event.end()) {
      if (!qv->is_string()) return refuse("invalid_event", "\"question\" must be a question id");
      e.question = qv->get_ref<const std::string&>();
      e.has_question = true;
    }
  }
  if (e.type == EventType::Score) {
    auto v = internal::find_key(event, "value");
    if (v == event.end() || !v->is_number())
      return refuse("invalid_event", "a score event needs a numeric \"value\"");
    e.has_value = true;
    e.value_int = internal::as_int64(*v, e.value);
  } else if (e.type == EventType::ToggleProblem) {
    auto v = internal::find_key(event, "id");
    if (v == event.end() || !v->is_string())
      return refuse("invalid_event", "a toggle_problem event needs a string \"id\"");
    e.id = v->get_ref<const std::string&>();
    e.has_id = true;
  } else if (e.type == EventType::Comment) {
    auto v = internal::find_key(event, "text");
    if (v == event.end() || !v->is_string())
      return refuse("invalid_event", "a comment event needs a string \"text\"");
    e.text = v->get_ref<const std::string&>();
    e.has_text = true;
  }
  return apply(e);
}

DispatchResult Flow::apply(const Event& e) {
  const EventType type = e.type;
  int64_t at = e.at;
  // Fields of each event type (the readers checked that the type's required one is there).
  int value = 0;
  bool value_in_range = true;
  const std::string_view* text = nullptr;
  const std::string_view* problem_id = nullptr;
  int question = 0;  // index; -1: an id the config does not have
  if ((type == EventType::Score || type == EventType::ToggleProblem ||
       type == EventType::Comment) && e.has_question)
    question = config_.question_index(e.question);
  if (type == EventType::Score) {
    const Question& q = config_.questions[question < 0 ? 0 : question];
    if (!e.value_int || e.value < q.min || e.value > q.max) value_in_range = false;
    else value = static_cast<int>(e.value);
  } else if (type == EventType::ToggleProblem) {
    problem_id = &e.id;
  } else if (type == EventType::Comment) {
    text = &e.text;
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
  if (question < 0) return fail("unknown_question", "no question with this id in the config");
  const std::size_t qi = static_cast<std::size_t>(question);
  const Question& q = config_.questions[qi];
  Answer& draft = draft_[qi];

  switch (type) {
    case EventType::Tick:
      return accept();
    case EventType::SessionEnd: {
      if (context_.session_ended_at)
        return fail("not_allowed", "the session's end is already known");
      context_.session_ended_at = at;
      std::optional<int64_t> end_dl = deadline();
      if (end_dl && at >= *end_dl) finalise(result);  // window 0: final at the end
      return accept();
    }
    case EventType::Score: {
      if (!value_in_range)
        return fail("score_out_of_range", "the score is not a whole number in the question's range");
      draft.score = value;
      open_ = true;
      if (!single()) step_ = Step::Details;
      else if (low(qi, value)) step_ = Step::Details;
      else submit(at, result);
      return accept();
    }
    case EventType::ToggleProblem: {
      if (step_ != Step::Details || !draft_low(qi))
        return fail("not_allowed", "problems can only be picked after a low score");
      for (std::size_t i = 0; i < q.problems.size(); ++i) {
        if (q.problems[i].id == *problem_id) {
          draft.problems[i] = draft.problems[i] ? 0 : 1;
          return accept();
        }
      }
      return fail("unknown_problem", "no problem with this id in the question");
    }
    case EventType::Comment: {
      if (!q.comment.enabled)
        return fail("comment_disabled", "the comment box is not enabled in the config");
      if (step_ != Step::Details || !draft_low(qi))
        return fail("not_allowed", "a comment can only be written after a low score");
      if (!is_valid_utf8(*text)) return fail("invalid_utf8", "comment is not valid UTF-8");
      if (has_control_chars(*text, true))
        return fail("invalid_value", "control characters other than tab and line breaks are not allowed");
      std::size_t length = code_points(*text);
      if (length > static_cast<std::size_t>(q.comment.max_length))
        return fail("comment_too_long", "comment has " + internal::int_text(length) +
                                            " characters, at most " +
                                            internal::int_text(q.comment.max_length) +
                                            " are allowed");
      if (config_.redact_pii) {
        RedactResult red = redact(*text);
        if (!red.ok) return fail("invalid_utf8", "comment is not valid UTF-8");
        // "[email]" is one character longer than the shortest address: a comment within
        // max_length can outgrow what a record carries once masked (found by fuzz-events).
        if (code_points(red.text) > static_cast<std::size_t>(kMaxRecordComment))
          return fail("comment_too_long", "comment is longer than 5000 characters once masked");
        draft.comment_redacted = std::move(red.text);
        draft.redactions = std::move(red.redactions);
      } else {
        draft.comment_redacted = *text;
        draft.redactions.clear();
      }
      draft.comment = *text;
      return accept();
    }
    case EventType::Submit: {
      if (const char* why = submit_blocker()) {
        if (why[0] == 'n')
          return fail(why, step_ == Step::Score ? "pick a score first"
                                                : "there is nothing to submit");
        if (why[0] == 'a') return fail(why, "every required question needs an answer");
        return fail(why, "a comment is required for this rating");
      }
      submit(at, result);
      return accept();
    }
    case EventType::Edit: {
      if (step_ != Step::Thanks)
        return fail("not_allowed", "a rating can only be changed after it was submitted");
      step_ = !single() || draft_low(0) ? Step::Details : Step::Score;
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
  out.append(view_locale_);
  w.key("questions");
  w.begin_array();
  for (std::size_t q = 0; q < config_.questions.size(); ++q) {
    const Question& question = config_.questions[q];
    const Answer& d = draft_[q];
    if (q) out.push_back(',');
    out.append(question_static_[q]);
    out.push_back(',');
    internal::JsonWriter qw(out);
    qw.key("score");
    if (d.score) qw.integer(*d.score); else qw.null();
    qw.key("low"); qw.boolean(draft_low(q));
    qw.key("problems");
    out.push_back('[');
    for (std::size_t i = 0; i < problem_prefix_[q].size(); ++i) {
      if (i) out.push_back(',');
      out.append(problem_prefix_[q][i]);
      out.append(d.problems[i] ? "true}" : "false}");
    }
    out.push_back(']');
    out.append(",\"comment\":");
    qw.begin_object();
    qw.key("enabled"); qw.boolean(question.comment.enabled);
    qw.key("required"); qw.boolean(question.comment.required);
    qw.key("text"); qw.string(d.comment);
    qw.key("max_length"); qw.integer(question.comment.max_length);
    qw.key("remaining");
    qw.integer(question.comment.max_length - static_cast<int64_t>(code_points(d.comment)));
    qw.end_object();
    out.push_back('}');
  }
  w.end_array();
  w.key("can_submit"); w.boolean(submit_blocker() == nullptr);
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

// The view without its config-only parts (docs/view.md, "The wire form"): an array of the
// members events change, by position (no member names: JSON.parse of an array is about a
// third cheaper than of the same object, docs/wasm.md). Written straight into a buffer sized
// for the worst case, not through JsonWriter: in the -Oz WASM build every std::string call is
// a real call, and this runs on every dispatch (docs/wasm.md, "Speed").
void Flow::append_wire_view(std::string& out) const {
  // One flat array, so that the JS side makes one array of primitives (a nested one took 2.8x
  // as long to parse): the members that are one per view, then five per question. web/core.mjs
  // (readWireArray) reads it straight from memory while it stays literals, integers and
  // unescaped strings with no whitespace; anything else goes to JSON.parse, slower.
  // Worst case: the fixed members with two 20-byte integers (< 100 bytes); per question its
  // members with three 20-byte integers (< 90) and 6 per comment byte.
  std::size_t bound = 160;
  for (const Answer& d : draft_) bound += 96 + 6 * d.comment.size();
  const std::size_t start = out.size();
  out.resize(start + bound);
  char* const begin = &out[start];
  char* p = begin;
  auto lit = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  auto boolean = [&lit](bool b) { lit(b ? std::string_view(",true", 5) : std::string_view(",false", 6)); };
  *p++ = '[';
  p = internal::write_json_string(p, step_name(step_));
  boolean(open_);
  boolean(submit_blocker() == nullptr);
  boolean(step_ == Step::Thanks);
  *p++ = ',';
  p = internal::write_int(p, revision_);
  *p++ = ',';
  std::optional<int64_t> dl = deadline();
  if (dl) p = internal::write_int(p, *dl); else lit("null");
  boolean(step_ == Step::Final);
  for (std::size_t q = 0; q < draft_.size(); ++q) {
    const Answer& d = draft_[q];
    *p++ = ',';
    if (d.score) p = internal::write_int(p, *d.score); else lit("null");
    boolean(draft_low(q));
    // The picks as one number: bit i is problems[i]. web/core.mjs reads the bits with `>>>`,
    // which takes 32-bit integers.
    static_assert(kMaxProblems <= 31, "the wire view's picks must fit a 32-bit integer");
    int64_t picks = 0;
    for (std::size_t i = 0; i < d.problems.size(); ++i)
      if (d.problems[i]) picks |= int64_t{1} << i;
    *p++ = ',';
    p = internal::write_int(p, picks);
    *p++ = ',';
    p = internal::write_json_string(p, d.comment);
    *p++ = ',';
    p = internal::write_int(p, config_.questions[q].comment.max_length -
                                   static_cast<int64_t>(code_points(d.comment)));
  }
  *p++ = ']';
  out.resize(start + static_cast<std::size_t>(p - begin));
}

std::string Flow::result_json(const DispatchResult& result) const {
  return result_text(result, false);
}

std::string Flow::result_text(const DispatchResult& result, bool wire) const {
  std::string out;
  write_result(result, wire, out);
  return out;
}

void Flow::write_result(const DispatchResult& result, bool wire, std::string& out) const {
  out.clear();
  out.reserve(wire ? 512 : 3072);
  // The wire form of the common answer (accepted, no record emitted) is the bare view array.
  if (wire && result.ok && result.emit.empty()) {
    append_wire_view(out);
    return;
  }
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
  if (wire) append_wire_view(out); else append_view(out);
  w.key("emit");
  w.begin_array();
  for (const Record& r : result.emit) w.raw(record_to_json(r));
  w.end_array();
  w.end_object();
}

std::string Flow::dispatch_json(std::string_view event_json) {
  return result_text(dispatch(event_json), false);
}

std::string Flow::dispatch_wire_json(std::string_view event_json) {
  std::string out;
  dispatch_wire(event_json, out);
  return out;
}

void Flow::dispatch_wire(std::string_view event_json, std::string& out) {
  write_result(dispatch(event_json), true, out);
}

// Snapshot ----------------------------------------------------------------------------------

std::string Flow::snapshot_json() const {
  std::string out;
  internal::JsonWriter w(out);
  auto selected = [&](std::size_t q, const std::vector<unsigned char>& picks) {
    w.begin_array();
    for (std::size_t i = 0; i < picks.size(); ++i)
      if (picks[i]) w.string(config_.questions[q].problems[i].id);
    w.end_array();
  };
  auto optional_text = [&](const std::optional<std::string>& v) {
    if (v) w.string(*v); else w.null();
  };
  w.begin_object();
  w.key("snapshot"); w.string("flow.v3");
  w.key("config"); w.string(hex64(config_.fingerprint));
  w.key("context");
  w.begin_object();
  w.key("session_id"); w.string(context_.session_id);
  w.key("rating_id"); w.string(context_.rating_id);
  w.key("rater_id"); optional_text(context_.rater_id);
  w.key("subject_id"); optional_text(context_.subject_id);
  w.key("session_ended_at");
  if (context_.session_ended_at) w.integer(*context_.session_ended_at); else w.null();
  w.key("internal"); w.boolean(context_.internal);
  w.key("topic"); optional_text(context_.topic);
  w.key("agent_id"); optional_text(context_.agent_id);
  w.key("properties"); internal::write_properties(w, context_.properties);
  if (context_.context_signature) {  // only when given: older snapshots stay byte-identical
    w.key("context_signature"); w.string(*context_.context_signature);
  }
  w.end_object();
  w.key("step"); w.string(step_name(step_));
  w.key("open"); w.boolean(open_);
  w.key("last_at");
  if (seen_event_) w.integer(last_at_); else w.null();
  // Only the redacted comment is kept (when redaction is on): never persist raw PII.
  w.key("draft");
  w.begin_array();
  for (std::size_t q = 0; q < draft_.size(); ++q) {
    const Answer& d = draft_[q];
    w.begin_object();
    w.key("score");
    if (d.score) w.integer(*d.score); else w.null();
    w.key("problems"); selected(q, d.problems);
    w.key("comment"); w.string(d.comment_redacted);
    w.key("redactions"); internal::write_redactions(w, d.redactions);
    w.end_object();
  }
  w.end_array();
  w.key("revision"); w.integer(revision_);
  w.key("first_submitted_at"); w.integer(first_submitted_at_);
  w.key("submitted_at"); w.integer(submitted_at_);
  w.key("submitted");
  w.begin_array();
  for (std::size_t q = 0; q < submitted_.size(); ++q) {
    const Answer& a = submitted_[q];
    w.begin_object();
    w.key("score");
    if (a.score) w.integer(*a.score); else w.null();
    w.key("problems"); selected(q, a.problems);
    w.key("comment"); w.string(a.comment);
    w.key("redactions"); internal::write_redactions(w, a.redactions);
    w.end_object();
  }
  w.end_array();
  w.key("final_emitted"); w.boolean(final_emitted_);
  w.end_object();
  return out;
}

namespace {

bool read_picks(const json& list, const Question& q, std::vector<unsigned char>& out) {
  if (!list.is_array()) return false;
  out.assign(q.problems.size(), 0);
  for (const json& id : list) {
    if (!id.is_string()) return false;
    bool found = false;
    for (std::size_t i = 0; i < q.problems.size(); ++i)
      if (q.problems[i].id == id.get_ref<const std::string&>()) {
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
    auto kind = internal::find_key(item, "kind");
    auto count = internal::find_key(item, "count");
    int64_t n = 0;
    RedactionKind known;
    if (kind == item.end() || !kind->is_string() || count == item.end() ||
        !internal::as_int64(*count, n) || n < 1 ||
        !parse_redaction_kind(kind->get_ref<const std::string&>(), known))
      return false;
    // A kind listed twice would make every record of the flow fail check_record.
    for (const Redaction& r : out)
      if (r.kind == kind->get_ref<const std::string&>()) return false;
    out.push_back(Redaction{kind->get<std::string>(), n});
  }
  return true;
}

// One answer of a snapshot: {"score": int|null, "problems", "comment", <redactions_key>}.
// `score_key`/`problems_key`/... let the flow.v2 layout (top-level draft fields) share it.
bool read_answer(const json& obj, const Question& q, const char* score_key,
                 const char* problems_key, const char* comment_key, const char* redactions_key,
                 bool score_nullable, std::optional<int>& score, std::vector<unsigned char>& picks,
                 std::string& comment, std::vector<Redaction>& redactions) {
  if (!obj.is_object()) return false;
  auto sc = obj.find(score_key);
  if (sc == obj.end()) return false;
  score.reset();
  if (!sc->is_null()) {
    int64_t n = 0;
    if (!internal::as_int64(*sc, n)) return false;
    if (n < q.min || n > q.max) {
      if (!(score_nullable && n == 0)) return false;  // flow.v2 wrote 0 before a submit
    } else {
      score = static_cast<int>(n);
    }
  } else if (!score_nullable) {
    return false;
  }
  auto pr = obj.find(problems_key);
  if (pr == obj.end() || !read_picks(*pr, q, picks)) return false;
  auto cm = obj.find(comment_key);
  // No longer than a record may carry: a restored flow must still deliver valid records.
  if (cm == obj.end() || !cm->is_string() || !is_valid_utf8(cm->get_ref<const std::string&>()) ||
      code_points(cm->get_ref<const std::string&>()) > static_cast<std::size_t>(kMaxRecordComment))
    return false;
  comment = cm->get<std::string>();
  auto rd = obj.find(redactions_key);
  return rd != obj.end() && read_redactions(*rd, redactions);
}

}  // namespace

Errors Flow::restore(const Config& config, std::string_view snapshot_text,
                     std::unique_ptr<Flow>& out) {
  return restore(Config(config), snapshot_text, out);
}

Errors Flow::restore(Config&& config, std::string_view snapshot_text, std::unique_ptr<Flow>& out) {
  Errors errors;
  std::string duplicate;
  // const: only the const find() and operator[] of nlohmann are needed (the non-const ones,
  // 0.6 KB of WASM code, were here alone).
  const json s = internal::parse_json(snapshot_text, &duplicate);
  if (!duplicate.empty()) {
    add_error(errors, "/snapshot" + duplicate, "duplicate_key",
              "this key appears twice in its object");
    return errors;
  }
  auto bad = [&](const char* field) {
    add_error(errors, std::string("/snapshot") + (*field ? "/" : "") + field, "invalid_value",
              std::string("snapshot is malformed") + (*field ? std::string(" at ") + field : ""));
    return std::move(errors);  // each `return bad(...)` ends restore(): no copy of the list
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
  // flow.v3: per-question answers. flow.v2 (one question, top-level draft fields) and flow.v1
  // (flow.v2 with the old fingerprint basis) still restore (docs/contracts.md, contract 4).
  const std::string* kind = str("snapshot");
  if (!kind || (*kind != "flow.v3" && *kind != "flow.v2" && *kind != "flow.v1"))
    return bad("snapshot");
  const bool v3 = *kind == "flow.v3";
  const std::string* fp = str("config");
  if (!fp) return bad("config");
  if (*fp != hex64(*kind == "flow.v1" ? config.fingerprint_v1 : config.fingerprint)) {
    add_error(errors, "/snapshot/config", "conflict",
              "snapshot was made with a different config; start a new flow");
    return errors;
  }
  if (!v3 && config.questions.size() != 1) return bad("snapshot");
  auto ctx = internal::find_key(s, "context");
  if (ctx == s.end()) return bad("context");
  Context context;
  Errors ctx_errors = parse_context_value(*ctx, config, context);
  if (!ctx_errors.empty()) {
    for (Error& e : ctx_errors) e.path = "/snapshot" + e.path;
    return ctx_errors;
  }
  // The config moves into the flow (the bridge's restore makes no copy of it).
  auto flow = std::make_unique<Flow>(std::move(config), std::move(context));
  const Config& cfg = flow->config_;
  const std::string* step = str("step");
  if (!step) return bad("step");
  static const Step steps[] = {Step::Score, Step::Details, Step::Thanks, Step::Final,
                               Step::Dismissed};
  bool step_ok = false;
  for (Step st : steps)
    if (*step == step_name(st)) { flow->step_ = st; step_ok = true; }
  if (!step_ok) return bad("step");
  auto open = internal::find_key(s, "open");
  if (open == s.end() || !open->is_boolean()) return bad("open");
  flow->open_ = open->get<bool>();
  auto last = internal::find_key(s, "last_at");
  int64_t n = 0;
  if (last == s.end()) return bad("last_at");
  if (!last->is_null()) {
    if (!num(s, "last_at", n) || n < 0) return bad("last_at");
    flow->last_at_ = n;
    flow->seen_event_ = true;
  }
  if (!num(s, "revision", n) || n < 0) return bad("revision");
  flow->revision_ = n;
  if (!num(s, "first_submitted_at", n) || n < 0) return bad("first_submitted_at");
  flow->first_submitted_at_ = n;
  const std::size_t count = cfg.questions.size();
  if (v3) {
    auto draft = internal::find_key(s, "draft");
    if (draft == s.end() || !draft->is_array() || draft->size() != count) return bad("draft");
    for (std::size_t q = 0; q < count; ++q) {
      Answer& d = flow->draft_[q];
      if (!read_answer((*draft)[q], cfg.questions[q], "score", "problems", "comment",
                       "redactions", true, d.score, d.problems, d.comment, d.redactions))
        return bad("draft");
      d.comment_redacted = d.comment;
    }
    if (!num(s, "submitted_at", n) || n < 0) return bad("submitted_at");
    flow->submitted_at_ = n;
    auto sub = internal::find_key(s, "submitted");
    if (sub == s.end() || !sub->is_array() || sub->size() != count) return bad("submitted");
    for (std::size_t q = 0; q < count; ++q) {
      Answer& a = flow->submitted_[q];
      if (!read_answer((*sub)[q], cfg.questions[q], "score", "problems", "comment",
                       "redactions", true, a.score, a.problems, a.comment, a.redactions))
        return bad("submitted");
    }
  } else {
    Answer& d = flow->draft_[0];
    if (!read_answer(s, cfg.questions[0], "score", "problems", "comment",
                     "comment_redactions", true, d.score, d.problems, d.comment, d.redactions))
      return bad("score");
    d.comment_redacted = d.comment;
    auto sub = internal::find_key(s, "submitted");
    if (sub == s.end() || !sub->is_object()) return bad("submitted");
    Answer& a = flow->submitted_[0];
    if (!read_answer(*sub, cfg.questions[0], "score", "problems", "comment", "redactions",
                     true, a.score, a.problems, a.comment, a.redactions))
      return bad("submitted");
    if (flow->revision_ == 0) a.score.reset();
    if (!num(*sub, "submitted_at", n) || n < 0) return bad("submitted");
    flow->submitted_at_ = n;
  }
  auto fe = internal::find_key(s, "final_emitted");
  if (fe == s.end() || !fe->is_boolean()) return bad("final_emitted");
  flow->final_emitted_ = fe->get<bool>();
  // Cross-checks: the state must be one a flow can reach.
  const bool submitted = flow->revision_ > 0;
  bool any_draft = false, any_submitted = false, required_submitted = true;
  for (std::size_t q = 0; q < count; ++q) {
    any_draft = any_draft || flow->draft_[q].score.has_value();
    any_submitted = any_submitted || flow->submitted_[q].score.has_value();
    if (cfg.questions[q].required && !flow->submitted_[q].score) required_submitted = false;
  }
  if ((flow->step_ == Step::Thanks && !submitted) || (flow->step_ == Step::Dismissed && submitted) ||
      (flow->step_ == Step::Details && !any_draft) || (submitted && !any_submitted) ||
      (submitted && !required_submitted) || (!submitted && any_submitted) ||
      (flow->final_emitted_ && flow->step_ != Step::Final))
    return bad("step");
  // Times as a flow keeps them: first submit <= last submit <= last event <= year 9999 (else
  // the next records carry submitted_at < first_submitted_at, which check_record refuses).
  if (flow->seen_event_ && flow->last_at_ > kMaxEventTime) return bad("last_at");
  if (submitted && (!flow->seen_event_ || flow->first_submitted_at_ > flow->submitted_at_ ||
                    flow->submitted_at_ > flow->last_at_))
    return bad("submitted_at");
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
