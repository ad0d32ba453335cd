// Fuzz target "records": record validation, v1 and v2. record_from_json() (the reference, a
// JSON DOM) and parse_record_fast() (the collector's single-pass scanner) must agree on every
// input: the same errors, in the same order, and for an accepted input the same record. An
// accepted record passes check_record and survives record_to_json → both readers unchanged.
#include "describe.h"
#include "fuzz.h"
#include "session_rating/insights.h"
#include "session_rating/record.h"
#include "session_rating/utf8.h"

using namespace session_rating;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = sr_fuzz::as_text(data, size);
  Record reference, fast;
  int version = 0;
  const Errors ref_errors = record_from_json(text, reference, &version);
  const Errors fast_errors = parse_record_fast(text, fast);
  const std::string ref_json = errors_to_json(ref_errors);
  SR_FUZZ_CHECK_MSG(ref_json == errors_to_json(fast_errors),
                    "record_from_json: " + ref_json + "\nparse_record_fast: " +
                        errors_to_json(fast_errors));
  SR_FUZZ_CHECK(is_valid_utf8(ref_json));
  if (!ref_errors.empty()) return 0;
  SR_FUZZ_CHECK(version == 1 || version == 2);
  const std::string json = record_to_json(reference);
  SR_FUZZ_CHECK_MSG(json == record_to_json(fast),
                    "record_from_json: " + json + "\nparse_record_fast: " + record_to_json(fast));
  SR_FUZZ_CHECK(check_record(reference).empty());
  Record again, again_fast;
  SR_FUZZ_CHECK_MSG(record_from_json(json, again).empty(), json);
  SR_FUZZ_CHECK_MSG(record_to_json(again) == json, json);
  SR_FUZZ_CHECK_MSG(parse_record_fast(json, again_fast).empty(), json);
  SR_FUZZ_CHECK_MSG(record_to_json(again_fast) == json, json);
  return 0;
}

std::string sr_fuzz_describe(std::string_view input) {
  Record record;
  const Errors errors = record_from_json(input, record);
  return sr_fuzz::line({{"ok", errors.empty()}, {"errors", sr_fuzz::error_list(errors)}});
}
