// `session-rating sign --session ID [--rater ID] [--subject ID] [--agent ID] [--internal]
// [--expires-in SECONDS] [--now MS] [--secret-file PATH]` — prints a signed-context token
// "sr1.<exp>.<mac>" (sign.h, context_trust.h; docs/security.md "Signed context") and a
// newline. The secret comes from --secret-file (trailing CR/LF removed) or the environment
// variable SESSION_RATING_CONTEXT_SECRET; at least 32 bytes. Exit codes: 0 printed, 2 bad
// usage (one line on stderr).
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "commands.h"
#include "session_rating/config.h"
#include "session_rating/context_trust.h"
#include "session_rating/sign.h"

namespace session_rating::cli {
namespace {

constexpr const char* kUsage =
    "usage: session-rating sign --session ID [--rater ID] [--subject ID] [--agent ID]\n"
    "                           [--internal] [--expires-in SECONDS] [--now MS]\n"
    "                           [--secret-file PATH]\n"
    "  prints the signed-context token sr1.<exp>.<mac> for the context's session_id,\n"
    "  rater_id, subject_id, agent_id and internal (docs/security.md, \"Signed context\")\n"
    "  --expires-in  seconds from now until the token expires (default 3600)\n"
    "  --now         the current time in ms since 1970 (default: the system clock)\n"
    "  --secret-file the site secret (trailing newlines removed); else the environment\n"
    "                variable SESSION_RATING_CONTEXT_SECRET; at least 32 bytes\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "session-rating sign: %s (see session-rating sign --help)\n",
               message.c_str());
  return 2;
}

// A whole decimal number in [min, max]; false otherwise.
bool parse_int(std::string_view text, int64_t min, int64_t max, int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < min || v > max) return false;
  out = v;
  return true;
}

}  // namespace

int cmd_sign(int argc, char** argv) {
  Context context;
  bool have_session = false;
  int64_t expires_in = 3600;
  std::optional<int64_t> now;
  std::optional<std::string> secret_file;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--internal") {
      context.internal = true;
      continue;
    }
    std::string_view name = arg, value;
    bool has_value = false;
    if (const std::size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    const bool known = name == "--session" || name == "--rater" || name == "--subject" ||
                       name == "--agent" || name == "--expires-in" || name == "--now" ||
                       name == "--secret-file";
    if (!known) return usage_error("unknown argument \"" + std::string(arg) + "\"");
    if (!has_value) {
      if (i + 1 >= argc) return usage_error(std::string(name) + " needs a value");
      value = argv[++i];
    }
    auto id = [&](std::optional<std::string>& into) -> bool {
      if (!is_valid_id(value)) return false;
      into = std::string(value);
      return true;
    };
    std::optional<std::string> text;
    if (name == "--session") {
      if (!id(text))
        return usage_error("--session: ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -");
      context.session_id = *text;
      have_session = true;
    } else if (name == "--rater") {
      if (!id(context.rater_id))
        return usage_error("--rater: ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -");
    } else if (name == "--subject") {
      if (!id(context.subject_id))
        return usage_error("--subject: ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -");
    } else if (name == "--agent") {
      if (!id(context.agent_id))
        return usage_error("--agent: ids are 1 to 128 characters of A-Z a-z 0-9 . _ : -");
    } else if (name == "--expires-in") {
      if (!parse_int(value, 1, kMaxContextSignatureExpiry / 1000, expires_in))
        return usage_error("--expires-in: expected a whole number of seconds, at least 1");
    } else if (name == "--now") {
      int64_t ms = 0;
      if (!parse_int(value, 0, kMaxContextSignatureExpiry, ms))
        return usage_error("--now: expected ms since 1970 (a whole number)");
      now = ms;
    } else {
      secret_file = std::string(value);
    }
  }
  if (!have_session) return usage_error("--session ID is required");

  std::string secret;
  if (secret_file) {
    std::ifstream in(*secret_file, std::ios::binary);
    if (!in) return usage_error("cannot read the secret file " + *secret_file);
    std::stringstream ss;
    ss << in.rdbuf();
    secret = ss.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  } else if (const char* env = std::getenv("SESSION_RATING_CONTEXT_SECRET")) {
    secret = env;
  } else {
    return usage_error("no secret: give --secret-file PATH or set SESSION_RATING_CONTEXT_SECRET");
  }
  if (secret.size() < kMinContextSecret)
    return usage_error("the secret must be at least " + std::to_string(kMinContextSecret) +
                       " bytes");

  if (!now)
    now = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count();
  const int64_t exp = *now + expires_in * 1000;
  if (exp > kMaxContextSignatureExpiry)
    return usage_error("--now + --expires-in is past the largest expiry (16 digits of ms)");
  const std::string token = sign_context(secret, exp, context);
  if (token.size() != kContextSignaturePrefix.size() + 2 + std::to_string(exp).size() +
                          kContextMacLength) {
    std::fputs("session-rating sign: the MAC could not be computed\n", stderr);
    return 2;
  }
  std::fprintf(stdout, "%s\n", token.c_str());
  return std::fflush(stdout) == 0 ? 0 : 2;
}

}  // namespace session_rating::cli
