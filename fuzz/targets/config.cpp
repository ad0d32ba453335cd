// Fuzz target "config": parse_config() on any bytes. Properties: an accepted config has 1–5
// questions, parses again to the same fingerprint, and makes a flow whose view is valid UTF-8;
// a refused one has errors with a code and a JSON-pointer path, serialised as valid UTF-8.
#include "describe.h"
#include "fuzz.h"
#include "session_rating/config.h"
#include "session_rating/flow.h"
#include "session_rating/utf8.h"

using namespace session_rating;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = sr_fuzz::as_text(data, size);
  Config config;
  const Errors errors = parse_config(text, config);
  if (!errors.empty()) {
    for (const Error& e : errors) {
      SR_FUZZ_CHECK(!e.code.empty());
      SR_FUZZ_CHECK(e.path.empty() || e.path[0] == '/');
    }
    SR_FUZZ_CHECK(is_valid_utf8(errors_to_json(errors)));
    return 0;
  }
  SR_FUZZ_CHECK(!config.questions.empty() && config.questions.size() <= 5);
  Config again;
  SR_FUZZ_CHECK(parse_config(text, again).empty());
  SR_FUZZ_CHECK(again.fingerprint == config.fingerprint);
  Context context;
  SR_FUZZ_CHECK(parse_context(R"({"session_id":"s-1"})", config, context).empty());
  Flow flow(config, context);
  SR_FUZZ_CHECK(is_valid_utf8(flow.view_json()));
  return 0;
}

std::string sr_fuzz_describe(std::string_view input) {
  Config config;
  const Errors errors = parse_config(input, config);
  return sr_fuzz::line({{"ok", errors.empty()}, {"errors", sr_fuzz::error_list(errors)}});
}
