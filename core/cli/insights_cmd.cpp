// `session-rating insights FILE.jsonl [--by topic|agent|day] [--strict]` — aggregates a
// JSONL file of records (contract 6) and prints the result object plus "invalid_lines".
// FILE may be "-" for standard input. Exit codes: 0 done, 1 --strict met an invalid line,
// 2 usage error or unreadable file.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "session_rating/error.h"
#include "session_rating/insights.h"

namespace session_rating::cli {
namespace {

constexpr const char* kUsage =
    "usage: session-rating insights FILE.jsonl [--by topic|agent|day] [--strict]\n"
    "  FILE.jsonl  one record (rating.v1) per line; \"-\" reads standard input\n"
    "  --by        also split the figures by topic, agent or UTC day of first_submitted_at\n"
    "  --strict    stop at the first invalid line (exit 1) instead of counting it\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "session-rating insights: %s\n%s", message.c_str(), kUsage);
  return 2;
}

bool blank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

}  // namespace

int cmd_insights(int argc, char** argv) {
  const char* path = nullptr;
  GroupBy by = GroupBy::None;
  bool strict = false;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--strict") {
      strict = true;
    } else if (arg == "--by" || arg.rfind("--by=", 0) == 0) {
      std::string_view value;
      if (arg == "--by") {
        if (i + 1 >= argc) return usage_error("--by needs a value: topic, agent or day");
        value = argv[++i];
      } else {
        value = arg.substr(5);
      }
      if (!parse_group_by(value, by) || value.empty())
        return usage_error("--by must be topic, agent or day, not \"" + std::string(value) + "\"");
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option " + std::string(arg));
    } else if (path) {
      return usage_error("only one FILE.jsonl may be given");
    } else {
      path = argv[i];
    }
  }
  if (!path) return usage_error("FILE.jsonl is required");

  const bool from_stdin = std::strcmp(path, "-") == 0;
  std::FILE* f = from_stdin ? stdin : std::fopen(path, "rb");
  if (!f) {
    std::fprintf(stderr, "session-rating insights: cannot read %s: %s\n", path,
                 std::strerror(errno));
    return 2;
  }

  Aggregator agg(by);
  int64_t invalid = 0;
  int64_t line_no = 0;
  std::vector<char> buf(std::size_t(1) << 20);
  std::size_t have = 0;  // bytes of a partial line kept at the front of buf
  bool eof = false;
  int status = 0;
  std::string carry;  // a line longer than the buffer, assembled here

  auto handle = [&](std::string_view line) -> bool {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (blank(line)) return true;
    Errors errors = agg.add_json(line);
    if (errors.empty()) return true;
    ++invalid;
    if (strict) {
      std::fprintf(stderr, "%s:%lld: invalid record: %s\n", path,
                   static_cast<long long>(line_no), errors_to_json(errors).c_str());
      status = 1;
      return false;
    }
    return true;
  };

  while (!eof && status == 0) {
    const std::size_t n = std::fread(buf.data() + have, 1, buf.size() - have, f);
    if (n == 0) {
      if (std::ferror(f)) {
        std::fprintf(stderr, "session-rating insights: error reading %s\n", path);
        if (!from_stdin) std::fclose(f);
        return 2;
      }
      eof = true;
    }
    const char* begin = buf.data();
    const char* end = buf.data() + have + n;
    const char* p = begin;
    for (;;) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      if (!nl) break;
      if (!carry.empty()) {
        carry.append(p, static_cast<std::size_t>(nl - p));
        const bool ok = handle(carry);
        carry.clear();
        if (!ok) break;
      } else if (!handle(std::string_view(p, static_cast<std::size_t>(nl - p)))) {
        break;
      }
      p = nl + 1;
    }
    if (status != 0) break;
    const std::size_t rest = static_cast<std::size_t>(end - p);
    if (eof) {
      if (!carry.empty() || rest > 0) {
        carry.append(p, rest);
        handle(carry);
        carry.clear();
      }
    } else if (rest == buf.size()) {
      carry.append(p, rest);  // a line longer than the whole buffer
      have = 0;
    } else {
      std::memmove(buf.data(), p, rest);
      have = rest;
    }
  }
  if (!from_stdin) std::fclose(f);
  if (status != 0) return status;

  // Re-read the core's compact JSON to add "invalid_lines" (keys stay sorted) and indent it.
  nlohmann::json out = nlohmann::json::parse(agg.result_json(), nullptr, false);
  out["invalid_lines"] = invalid;
  std::fputs(out.dump(2).c_str(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace session_rating::cli
