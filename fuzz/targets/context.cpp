// Fuzz target "context": parse_context() on any bytes with a fixed valid config (the defaults,
// "{}"). Properties: an accepted context has valid ids, and the flow made with it delivers a
// record that passes check_record and reads back (record_from_json) to the same JSON; a refused
// one has errors under "/context".
#include "describe.h"
#include "fuzz.h"
#include "session_rating/config.h"
#include "session_rating/flow.h"
#include "session_rating/record.h"
#include "session_rating/utf8.h"

using namespace session_rating;

namespace {
constexpr std::string_view kConfig = "{}";
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Config config = [] {
    Config c;
    SR_FUZZ_CHECK(parse_config(kConfig, c).empty());
    return c;
  }();
  const std::string_view text = sr_fuzz::as_text(data, size);
  Context context;
  const Errors errors = parse_context(text, config, context);
  if (!errors.empty()) {
    for (const Error& e : errors) {
      SR_FUZZ_CHECK(!e.code.empty());
      SR_FUZZ_CHECK_MSG(e.path.rfind("/context", 0) == 0 || e.path.empty(), e.path);
    }
    SR_FUZZ_CHECK(is_valid_utf8(errors_to_json(errors)));
    return 0;
  }
  SR_FUZZ_CHECK(is_valid_id(context.session_id));
  SR_FUZZ_CHECK(is_valid_id(context.rating_id));
  Flow flow(config, context);
  // A low score opens the details step; the submit delivers revision 1.
  const DispatchResult scored = flow.dispatch(R"({"type":"score","at":1000,"value":2})");
  SR_FUZZ_CHECK_MSG(scored.ok && scored.emit.empty(), scored.error_code);
  const DispatchResult submitted = flow.dispatch(R"({"type":"submit","at":2000})");
  SR_FUZZ_CHECK_MSG(submitted.ok && submitted.emit.size() == 1, submitted.error_code);
  const Record& record = submitted.emit[0];
  const Errors check = check_record(record);
  SR_FUZZ_CHECK_MSG(check.empty(), errors_to_json(check));
  const std::string json = record_to_json(record);
  Record back;
  const Errors read = record_from_json(json, back);
  SR_FUZZ_CHECK_MSG(read.empty(), errors_to_json(read) + "\n" + json);
  SR_FUZZ_CHECK_MSG(record_to_json(back) == json, json);
  return 0;
}

std::string sr_fuzz_describe(std::string_view input) {
  std::unique_ptr<Flow> flow;
  const Errors errors = make_flow(kConfig, input, flow);
  return sr_fuzz::line({{"ok", errors.empty()}, {"errors", sr_fuzz::error_list(errors)}});
}
