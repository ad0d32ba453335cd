// Sub-commands of the session-rating CLI. Each takes the arguments after its own name and
// returns the process exit code.
#pragma once

#include <string>
#include <string_view>

namespace session_rating::cli {

int cmd_test(int argc, char** argv);             // scenario.cpp
int cmd_validate_config(int argc, char** argv);  // scenario.cpp

// One scenario file's text, read and run as `session-rating test` does (scenario.cpp; also the
// fuzz target fuzz/targets/scenario.cpp): 0 passed, 1 failed, 2 not a scenario (not JSON, or
// not the documented shape). `report` says why when it is not 0.
int run_scenario_text(std::string_view text, std::string& report);
int cmd_redact(int argc, char** argv);           // redact_cmd.cpp
int cmd_insights(int argc, char** argv);         // insights_cmd.cpp
int cmd_sign(int argc, char** argv);             // sign_cmd.cpp

}  // namespace session_rating::cli
