// `session-rating insights [--by topic|agent|day|property:KEY] [--question ID] [--strict]
// FILE...` — aggregates JSONL files of records (contract 3: rating.v2 and rating.v1 lines
// alike; contract 6) and prints the result object plus "invalid_lines". A FILE may be "-" for
// standard input. Exit codes: 0 done, 1 --strict met an invalid line, 2 usage error or
// unreadable file.
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
    "usage: session-rating insights [--by topic|agent|day|property:KEY] [--question ID]\n"
    "                               [--strict] FILE.jsonl...\n"
    "  FILE.jsonl  one record per line, rating.v2 or rating.v1 (read as one answer to the\n"
    "              question \"overall\"); several files are counted together; \"-\" reads\n"
    "              standard input\n"
    "  --by        also split the figures by topic, agent, UTC day of first_submitted_at, or\n"
    "              the text of custom property KEY (\"(none)\" when absent)\n"
    "  --question  count only the answers to question ID (ratings without one are left out)\n"
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

// The value of option `name` given as "--name VALUE" or "--name=VALUE"; false when it is
// missing.
bool option_value(int argc, char** argv, int& i, std::string_view name, std::string_view& value) {
  const std::string_view arg = argv[i];
  if (arg.size() > name.size() && arg[name.size()] == '=') {
    value = arg.substr(name.size() + 1);
    return true;
  }
  if (i + 1 >= argc) return false;
  value = argv[++i];
  return true;
}

bool is_option(std::string_view arg, std::string_view name) {
  return arg == name || (arg.size() > name.size() && arg.rfind(name, 0) == 0 &&
                         arg[name.size()] == '=');
}

// Adds every line of `path` ("-": standard input) to `agg`; counts invalid lines in
// `invalid`. Returns 0, 1 (--strict met an invalid line; reported on stderr with its
// file:line) or 2 (unreadable).
int read_file(const char* path, Aggregator& agg, bool strict, int64_t& invalid) {
  const bool from_stdin = std::strcmp(path, "-") == 0;
  std::FILE* f = from_stdin ? stdin : std::fopen(path, "rb");
  if (!f) {
    std::fprintf(stderr, "session-rating insights: cannot read %s: %s\n", path,
                 std::strerror(errno));
    return 2;
  }

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
  return status;
}

}  // namespace

int cmd_insights(int argc, char** argv) {
  std::vector<const char*> paths;
  InsightsQuery query;
  bool strict = false;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::string_view value;
    if (arg == "--strict") {
      strict = true;
    } else if (is_option(arg, "--by")) {
      if (!option_value(argc, argv, i, "--by", value))
        return usage_error("--by needs a value: topic, agent, day or property:KEY");
      if (value.empty() || !parse_group_by(value, query))
        return usage_error("--by must be topic, agent, day or property:KEY (KEY: 1 to 40 of "
                           "a-z 0-9 _), not \"" + std::string(value) + "\"");
    } else if (is_option(arg, "--question")) {
      if (!option_value(argc, argv, i, "--question", value))
        return usage_error("--question needs a question id");
      if (!is_valid_question_id(value))
        return usage_error("--question must be a question id (1 to 40 of A-Z a-z 0-9 _ -), "
                           "not \"" + std::string(value) + "\"");
      query.question = std::string(value);
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option " + std::string(arg));
    } else {
      paths.push_back(argv[i]);
    }
  }
  if (paths.empty()) return usage_error("at least one FILE.jsonl is required");

  Aggregator agg(query);
  int64_t invalid = 0;
  for (const char* path : paths) {
    const int status = read_file(path, agg, strict, invalid);
    if (status != 0) return status;
  }

  // Re-read the core's compact JSON to add "invalid_lines" (keys stay sorted) and indent it.
  nlohmann::json out = nlohmann::json::parse(agg.result_json(), nullptr, false);
  out["invalid_lines"] = invalid;
  std::fputs(out.dump(2).c_str(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace session_rating::cli
