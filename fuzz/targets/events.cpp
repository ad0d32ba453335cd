// Fuzz target "events": sequences of events on a live flow, with snapshot/restore in between.
//
// Input: lines separated by "\n". Line 1 picks the config: one digit 0–3 (flow_configs.h) or a
// config's JSON text; the context is fixed (kFlowContext). Every further line is one event's
// JSON text (at most 512), except "#snapshot", which marks a snapshot/restore point; without
// any mark there is one before the middle event (and one after the last, always).
//
// Property (the flow resumes exactly): two flows take the same events, A never restored, B
// replaced at each mark by Flow::restore(config, B.snapshot_json()). The restore succeeds, the
// restored flow's snapshot is the one it came from, and from then on A and B answer every event
// the same: same ok/error code, same emitted records (byte for byte), same snapshot, and — with
// redaction off, where the draft comment is kept as typed — the same full answer (view
// included). Every emitted record passes check_record and reads back to itself.
#include <memory>
#include <vector>

#include "describe.h"
#include "flow_configs.h"
#include "fuzz.h"
#include "session_rating/config.h"
#include "session_rating/flow.h"
#include "session_rating/record.h"
#include "session_rating/utf8.h"

using namespace session_rating;

namespace {

constexpr std::size_t kMaxEvents = 512;

struct Input {
  std::string_view config;
  std::vector<std::string_view> events;
  bool marked = false;  // holds a "#snapshot" line
};

Input split(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (;;) {
    const auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  Input in;
  const std::string_view sel = lines[0];
  if (sel.size() == 1 && sel[0] >= '0' && static_cast<std::size_t>(sel[0] - '0') < sr_fuzz::kFlowConfigCount)
    in.config = sr_fuzz::kFlowConfigs[sel[0] - '0'];
  else
    in.config = sel;
  for (std::size_t i = 1; i < lines.size() && in.events.size() < kMaxEvents; ++i) {
    in.events.push_back(lines[i]);
    if (lines[i] == "#snapshot") in.marked = true;
  }
  return in;
}

// A snapshot/restore point before event i (mirrored by fuzz/wasm-agree.mjs).
bool restore_before(const Input& in, std::size_t i) {
  return in.marked ? in.events[i] == "#snapshot" : i == in.events.size() / 2;
}

void check_record_out(const Record& record) {
  const Errors check = check_record(record);
  const std::string json = record_to_json(record);
  SR_FUZZ_CHECK_MSG(check.empty(), errors_to_json(check) + "\n" + json);
  Record back;
  const Errors read = record_from_json(json, back);
  SR_FUZZ_CHECK_MSG(read.empty(), errors_to_json(read) + "\n" + json);
  SR_FUZZ_CHECK_MSG(record_to_json(back) == json, json);
}

std::unique_ptr<Flow> snapshot_and_restore(const Config& config, const Flow& flow) {
  const std::string snap = flow.snapshot_json();
  std::unique_ptr<Flow> restored;
  const Errors errors = Flow::restore(config, snap, restored);
  SR_FUZZ_CHECK_MSG(errors.empty(), errors_to_json(errors) + "\nsnapshot: " + snap);
  SR_FUZZ_CHECK_MSG(restored->snapshot_json() == snap,
                    "before: " + snap + "\nafter:  " + restored->snapshot_json());
  if (!config.redact_pii)
    SR_FUZZ_CHECK_MSG(restored->view_json() == flow.view_json(),
                      "before: " + flow.view_json() + "\nafter:  " + restored->view_json());
  return restored;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Input in = split(sr_fuzz::as_text(data, size));
  Config config;
  if (!parse_config(in.config, config).empty()) return 0;
  Context context;
  SR_FUZZ_CHECK(parse_context(sr_fuzz::kFlowContext, config, context).empty());
  auto a = std::make_unique<Flow>(config, context);
  auto b = std::make_unique<Flow>(config, context);
  for (std::size_t i = 0; i < in.events.size(); ++i) {
    if (restore_before(in, i)) b = snapshot_and_restore(config, *b);
    if (in.events[i] == "#snapshot") continue;
    const DispatchResult ra = a->dispatch(in.events[i]);
    const DispatchResult rb = b->dispatch(in.events[i]);
    const std::string what = "event " + std::to_string(i + 1) + ": " +
                             std::string(in.events[i].substr(0, 300));
    SR_FUZZ_CHECK_MSG(ra.ok == rb.ok && ra.error_code == rb.error_code,
                      what + "\noriginal: " + a->result_json(ra) + "\nrestored: " + b->result_json(rb));
    SR_FUZZ_CHECK(!ra.ok || ra.error_code.empty());
    SR_FUZZ_CHECK_MSG(ra.emit.size() == rb.emit.size(), what);
    for (std::size_t k = 0; k < ra.emit.size(); ++k) {
      SR_FUZZ_CHECK_MSG(record_to_json(ra.emit[k]) == record_to_json(rb.emit[k]),
                        what + "\noriginal: " + record_to_json(ra.emit[k]) +
                            "\nrestored: " + record_to_json(rb.emit[k]));
      check_record_out(ra.emit[k]);
    }
    SR_FUZZ_CHECK_MSG(a->snapshot_json() == b->snapshot_json(),
                      what + "\noriginal: " + a->snapshot_json() + "\nrestored: " + b->snapshot_json());
    if (!config.redact_pii)
      SR_FUZZ_CHECK_MSG(a->result_json(ra) == b->result_json(rb),
                        what + "\noriginal: " + a->result_json(ra) + "\nrestored: " + b->result_json(rb));
    SR_FUZZ_CHECK(is_valid_utf8(a->result_json(ra)));
  }
  snapshot_and_restore(config, *b);
  return 0;
}

// {"create": errors|"ok", "steps": [[ok 0/1, code, emitted], or ["restore", ok 0/1]]}: one flow
// (no twin), restored in place at each point, as fuzz/wasm-agree.mjs drives the WASM core.
std::string sr_fuzz_describe(std::string_view input) {
  const Input in = split(input);
  std::unique_ptr<Flow> flow;
  const Errors errors = make_flow(in.config, sr_fuzz::kFlowContext, flow);
  nlohmann::json out = {{"ok", errors.empty()}, {"errors", sr_fuzz::error_list(errors)}};
  if (!errors.empty()) return sr_fuzz::line(out);
  nlohmann::json steps = nlohmann::json::array();
  for (std::size_t i = 0; i < in.events.size(); ++i) {
    if (restore_before(in, i)) {
      std::unique_ptr<Flow> restored;
      const bool ok = Flow::restore(flow->config(), flow->snapshot_json(), restored).empty();
      steps.push_back({"restore", ok ? 1 : 0});
      if (ok) flow = std::move(restored);
    }
    if (in.events[i] == "#snapshot") continue;
    const DispatchResult r = flow->dispatch(in.events[i]);
    steps.push_back({r.ok ? 1 : 0, r.error_code, r.emit.size()});
  }
  out["steps"] = std::move(steps);
  return sr_fuzz::line(out);
}
