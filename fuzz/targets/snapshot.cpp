// Fuzz target "snapshot": Flow::restore() on any bytes, against each fixed config of
// flow_configs.h. Properties: whatever restore accepts is a flow that snapshots to a text that
// restores again to the same snapshot and view, and keeps answering events (the same answers
// as the flow it was restored from, byte for byte); a refusal carries a code under "/snapshot".
#include <memory>

#include "flow_configs.h"
#include "fuzz.h"
#include "session_rating/config.h"
#include "session_rating/flow.h"
#include "session_rating/record.h"
#include "session_rating/utf8.h"

using namespace session_rating;

namespace {

const char* const kEvents[] = {
    R"({"type":"score","at":5000,"value":1})",
    R"({"type":"toggle_problem","at":5001,"id":"audio"})",
    R"({"type":"submit","at":5002})",
    R"({"type":"edit","at":5003})",
    R"({"type":"dismiss","at":5004})",
    R"({"type":"tick","at":99999999999})",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Config> configs = [] {
    std::vector<Config> out(sr_fuzz::kFlowConfigCount);
    for (std::size_t i = 0; i < out.size(); ++i)
      SR_FUZZ_CHECK(parse_config(sr_fuzz::kFlowConfigs[i], out[i]).empty());
    return out;
  }();
  const std::string_view text = sr_fuzz::as_text(data, size);
  for (const Config& config : configs) {
    std::unique_ptr<Flow> flow;
    const Errors errors = Flow::restore(config, text, flow);
    if (!errors.empty()) {
      for (const Error& e : errors) {
        SR_FUZZ_CHECK(!e.code.empty());
        SR_FUZZ_CHECK_MSG(e.path.rfind("/snapshot", 0) == 0 || e.path.empty(), e.path);
      }
      continue;
    }
    const std::string snap = flow->snapshot_json();
    SR_FUZZ_CHECK(is_valid_utf8(snap));
    std::unique_ptr<Flow> again;
    const Errors again_errors = Flow::restore(config, snap, again);
    SR_FUZZ_CHECK_MSG(again_errors.empty(), errors_to_json(again_errors) + "\n" + snap);
    SR_FUZZ_CHECK_MSG(again->snapshot_json() == snap, snap + "\n" + again->snapshot_json());
    SR_FUZZ_CHECK_MSG(again->view_json() == flow->view_json(),
                      flow->view_json() + "\n" + again->view_json());
    for (const char* event : kEvents) {
      const DispatchResult r1 = flow->dispatch(event);
      const DispatchResult r2 = again->dispatch(event);
      SR_FUZZ_CHECK_MSG(flow->result_json(r1) == again->result_json(r2),
                        std::string(event) + "\n" + flow->result_json(r1) + "\n" +
                            again->result_json(r2));
      for (const Record& record : r1.emit) {
        const Errors check = check_record(record);
        SR_FUZZ_CHECK_MSG(check.empty(), errors_to_json(check) + "\n" + record_to_json(record));
      }
    }
  }
  return 0;
}

std::string sr_fuzz_describe(std::string_view) { return ""; }
