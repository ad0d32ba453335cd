// Fuzz target "scenario": the CLI's scenario-file reader (core/cli/scenario.cpp, what
// `session-rating test` runs per file) on any bytes: parse, shape check, and running the
// scenario's config, context and steps through the core. Property: it answers passed (0),
// failed (1) or not a valid scenario (2) with a report, never crashes or throws.
#include "commands.h"
#include "fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string report;
  const int outcome = session_rating::cli::run_scenario_text(sr_fuzz::as_text(data, size), report);
  SR_FUZZ_CHECK(outcome == 0 || outcome == 1 || outcome == 2);
  SR_FUZZ_CHECK(outcome == 0 || !report.empty());
  return 0;
}

std::string sr_fuzz_describe(std::string_view) { return ""; }
