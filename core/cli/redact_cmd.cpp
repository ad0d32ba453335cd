// `session-rating redact [--json]` — reads all of standard input, redacts personal data
// (contract 5) and writes:
//   * default:  the redacted text, exactly, on stdout; {"redactions":[...]} on stderr;
//   * --json:   the full {"text","redactions"} object on stdout (nothing on stderr).
// Invalid UTF-8: {"error":{"code":"invalid_utf8","path":"","message":...}} on stderr, nothing
// on stdout, exit 1. Exit codes: 0 done, 1 invalid UTF-8, 2 usage error or unreadable input.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"
#include "session_rating/redact.h"

namespace session_rating::cli {
namespace {

constexpr const char* kUsage =
    "usage: session-rating redact [--json]\n"
    "  reads standard input; writes the redacted text to stdout and the counts\n"
    "  ({\"redactions\":[{\"kind\",\"count\"}]}) to stderr\n"
    "  --json  write {\"text\",\"redactions\"} to stdout instead\n";

std::string redactions_json(const RedactResult& result) {
  std::string out = "{\"redactions\":[";
  for (std::size_t k = 0; k < result.redactions.size(); ++k) {
    if (k) out += ',';
    out += "{\"kind\":\"" + result.redactions[k].kind +
           "\",\"count\":" + std::to_string(result.redactions[k].count) + "}";
  }
  out += "]}";
  return out;
}

}  // namespace

int cmd_redact(int argc, char** argv) {
  bool json = false;
  for (int k = 0; k < argc; ++k) {
    if (!std::strcmp(argv[k], "--json")) {
      json = true;
    } else if (!std::strcmp(argv[k], "--help") || !std::strcmp(argv[k], "-h")) {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "session-rating redact: unknown argument \"%s\"\n%s", argv[k], kUsage);
      return 2;
    }
  }

  std::string input;
  char buffer[65536];
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, stdin);
    input.append(buffer, got);
    if (got < sizeof buffer) break;
  }
  if (std::ferror(stdin)) {
    std::fputs("session-rating redact: cannot read standard input\n", stderr);
    return 2;
  }

  const RedactResult result = redact(input);
  if (!result.ok) {
    std::fprintf(stderr, "%s\n", redact_result_to_json(result).c_str());
    return 1;
  }
  if (json) {
    std::fprintf(stdout, "%s\n", redact_result_to_json(result).c_str());
  } else {
    std::fwrite(result.text.data(), 1, result.text.size(), stdout);
    std::fprintf(stderr, "%s\n", redactions_json(result).c_str());
  }
  return std::fflush(stdout) == 0 ? 0 : 2;
}

}  // namespace session_rating::cli
