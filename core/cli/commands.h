// Sub-commands of the session-rating CLI. Each takes the arguments after its own name and
// returns the process exit code.
#pragma once

namespace session_rating::cli {

int cmd_test(int argc, char** argv);             // scenario.cpp
int cmd_validate_config(int argc, char** argv);  // scenario.cpp
int cmd_redact(int argc, char** argv);           // redact_cmd.cpp
int cmd_insights(int argc, char** argv);         // insights_cmd.cpp

}  // namespace session_rating::cli
