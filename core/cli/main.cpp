// session-rating: command-line tool for the session-rating core.
#include <cstdio>
#include <cstring>

#include "commands.h"

namespace {

void usage(std::FILE* out) {
  std::fputs(
      "usage: session-rating <command> [args]\n"
      "\n"
      "commands:\n"
      "  test PATH... [--dump FILE]   run scenario files (a file, or every *.json under a folder)\n"
      "  validate-config FILE         print every config error as JSON; exit 1 if any\n"
      "  redact [--json]              redact PII from stdin to stdout; counts on stderr\n"
      "  insights [--by topic|agent|day|property:KEY] [--question ID] [--strict] FILE.jsonl...\n"
      "                               CSAT and distributions over delivered records\n"
      "  sign --session ID [--rater ID] [--subject ID] [--agent ID] [--internal]\n"
      "       [--expires-in SECONDS] [--now MS] [--secret-file PATH]\n"
      "                               print a signed-context token (secret: --secret-file\n"
      "                               or SESSION_RATING_CONTEXT_SECRET)\n"
      "\n"
      "exit codes: 0 ok, 1 failures/errors found, 2 bad usage or unreadable input\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace session_rating::cli;
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char* cmd = argv[1];
  if (!std::strcmp(cmd, "test")) return cmd_test(argc - 2, argv + 2);
  if (!std::strcmp(cmd, "validate-config")) return cmd_validate_config(argc - 2, argv + 2);
  if (!std::strcmp(cmd, "redact")) return cmd_redact(argc - 2, argv + 2);
  if (!std::strcmp(cmd, "insights")) return cmd_insights(argc - 2, argv + 2);
  if (!std::strcmp(cmd, "sign")) return cmd_sign(argc - 2, argv + 2);
  if (!std::strcmp(cmd, "--help") || !std::strcmp(cmd, "-h") || !std::strcmp(cmd, "help")) {
    usage(stdout);
    return 0;
  }
  std::fprintf(stderr, "session-rating: unknown command \"%s\"\n\n", cmd);
  usage(stderr);
  return 2;
}
