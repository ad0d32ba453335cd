// session_rating/flow.h — the prompt flow state machine (contracts 2 and 4).
//
// A Flow is created from a validated Config and Context, takes events (JSON objects with a
// "type" and an "at" in ms), and answers each with a result holding the new view and the
// records to deliver. All decisions — steps, errors, revisions, deadlines, redaction — are
// made here; front ends only render views and deliver records.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session_rating/config.h"
#include "session_rating/error.h"
#include "session_rating/record.h"

namespace session_rating {

// Where the person is in the prompt.
enum class Step { Score, Details, Thanks, Final, Dismissed };

// "score" | "details" | "thanks" | "final" | "dismissed".
const char* step_name(Step step);

// The answer to one event.
struct DispatchResult {
  bool ok = true;
  std::string error_code;     // when !ok: invalid_event, unknown_event, unknown_question,
                              // score_out_of_range, unknown_problem, comment_disabled,
                              // comment_too_long, comment_required, answer_required,
                              // invalid_utf8, not_allowed, finalised
  std::string error_message;  // when !ok: a sentence; never contains comment text
  std::vector<Record> emit;   // records to deliver, in order (may be non-empty when !ok:
                              // a late event still finalises)
};

class Flow {
 public:
  // Creates a flow in step "score". Both inputs must already be validated. The rvalue form
  // moves them in (one move each: smaller WebAssembly than a by-value pair), the other copies.
  Flow(Config&& config, Context&& context);
  Flow(const Config& config, const Context& context);

  // Applies one event given as JSON text. A refused event changes nothing, except that an
  // event at or after the deadline first finalises the flow.
  DispatchResult dispatch(std::string_view event_json);

  // dispatch() and then the whole answer as JSON text:
  // {"ok":true,"view":{...},"emit":[...]} or {"ok":false,"error":{"code","message"},...}.
  std::string dispatch_json(std::string_view event_json);

  // dispatch() and then the answer in the "wire" form the WebAssembly bridge returns
  // (docs/view.md, "The wire form"): the view is one flat array of only what events change, by
  // position: [step, open, can_submit, can_edit, revision, edit_deadline, final, then per
  // question score, low, picks (bit i = problems[i].selected), text, remaining]. An accepted
  // event that emits no record is answered with that array alone; any other answer is
  // dispatch_json()'s object with that array as "view". web/core.mjs adds the config-only
  // parts from view_json().
  std::string dispatch_wire_json(std::string_view event_json);

  // dispatch_wire_json() written into `out`, its old text replaced and its capacity kept: the
  // WebAssembly bridge answers every event from one buffer, without an allocation per event.
  void dispatch_wire(std::string_view event_json, std::string& out);

  // The current view as JSON text (see docs/contracts.md for every field).
  std::string view_json() const;

  // Current state as JSON text; restore() with the same config resumes it exactly.
  // Holds the comment only in redacted form when redact_pii is on.
  std::string snapshot_json() const;

  // Rebuilds a flow from snapshot_json() output. Refuses a snapshot made with another
  // config (code "conflict", path "/snapshot/config") or malformed ("invalid_value").
  static Errors restore(const Config& config, std::string_view snapshot_json,
                        std::unique_ptr<Flow>& out);
  // The same, taking the config over instead of copying it.
  static Errors restore(Config&& config, std::string_view snapshot_json,
                        std::unique_ptr<Flow>& out);

  // Read-only state, for tests and tools.
  Step step() const { return step_; }
  int64_t revision() const { return revision_; }
  const Config& config() const { return config_; }
  const Context& context() const { return context_; }

  // Serialises a DispatchResult together with this flow's current view.
  std::string result_json(const DispatchResult& result) const;

 private:
  // One question's answer as the person is picking it, or as last submitted.
  struct Answer {
    std::optional<int> score;              // nullopt: not answered
    std::vector<unsigned char> problems;   // one flag per question problem (not vector<bool>:
                                           // smaller WASM)
    std::string comment;                   // draft: as typed (restored: redacted); submitted:
                                           // redacted (when redact_pii) as emitted
    std::string comment_redacted;          // draft only: redact(comment) or comment
    std::vector<Redaction> redactions;     // of comment_redacted
  };

  DispatchResult refuse(const char* code, std::string message) const;
  struct Event;  // an event's fields, as read from its JSON (defined in flow.cpp)
  DispatchResult apply(const Event& event);
  void finalise(DispatchResult& result);
  void drop_change();  // drafts := last submitted revision
  void submit(int64_t at, DispatchResult& result);
  Record make_record(bool final) const;
  bool low(std::size_t question, int score) const;
  bool draft_low(std::size_t question) const;
  bool single() const { return config_.questions.size() == 1; }
  // Why a submit would be refused now (nullptr when it would be accepted).
  const char* submit_blocker() const;
  std::optional<int64_t> deadline() const;

  void build_view_cache();
  void append_view(std::string& out) const;
  void append_wire_view(std::string& out) const;
  std::string result_text(const DispatchResult& result, bool wire) const;
  void write_result(const DispatchResult& result, bool wire, std::string& out) const;

  Config config_;
  Context context_;
  // Parts of the view JSON that only depend on the config, serialised once.
  std::vector<std::string> question_static_;               // {"id":… "required":…,
  std::vector<std::vector<std::string>> problem_prefix_;   // {"id":…,"label":…,"selected":
  std::string view_locale_;                                // "locale" and "dir" members
  std::string view_strings_;                               // "strings" member
  Step step_ = Step::Score;
  bool open_ = true;
  int64_t last_at_ = 0;
  bool seen_event_ = false;
  std::vector<Answer> draft_;            // per question: what the person has picked so far
  // Last submitted revision.
  int64_t revision_ = 0;
  int64_t first_submitted_at_ = 0;
  int64_t submitted_at_ = 0;
  std::vector<Answer> submitted_;        // per question
  bool final_emitted_ = false;
};

// Validates config and context JSON text and creates a flow; on error `out` stays empty.
Errors make_flow(std::string_view config_json, std::string_view context_json,
                 std::unique_ptr<Flow>& out);

}  // namespace session_rating
