// `session-rating insights [--by topic|agent|day|property:KEY] [--question ID] [--strict]
// [--threads N] FILE...` — aggregates JSONL files of records (contract 3: rating.v2 and rating.v1 lines
// alike; contract 6) and prints the result object plus "invalid_lines". A FILE may be "-" for
// standard input. Exit codes: 0 done, 1 --strict met an invalid line, 2 usage error or
// unreadable file.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "session_rating/error.h"
#include "session_rating/insights.h"

namespace session_rating::cli {
namespace {

constexpr const char* kUsage =
    "usage: session-rating insights [--by topic|agent|day|property:KEY] [--question ID]\n"
    "                               [--strict] [--threads N] FILE.jsonl...\n"
    "  FILE.jsonl  one record per line, rating.v2 or rating.v1 (read as one answer to the\n"
    "              question \"overall\"); several files are counted together; \"-\" reads\n"
    "              standard input\n"
    "  --by        also split the figures by topic, agent, UTC day of first_submitted_at, or\n"
    "              the text of custom property KEY (\"(none)\" when absent)\n"
    "  --question  count only the answers to question ID (ratings without one are left out)\n"
    "  --strict    stop at the first invalid line (exit 1) instead of counting it\n"
    "  --threads   read each regular file in N parts at once (1 to 64; default 2); the\n"
    "              result is the same for every N\n";

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

// Lines of one byte range of a file (or all of standard input) fed to one Aggregator: what
// one thread does. Line numbers are counted within the part.
struct Part {
  explicit Part(const InsightsQuery& query) : agg(query) {}
  int64_t begin = 0;          // byte range [begin, end) of the file; a line starts at begin
  int64_t end = 0;
  bool stream = false;        // a pipe, device or standard input: read() to its end instead
  Aggregator agg;
  int64_t lines = 0;          // lines read
  int64_t invalid = 0;        // invalid lines among them
  int64_t bad_line = 0;       // --strict: the part's first invalid line (1-based), 0 = none
  std::string bad_errors;     // its errors, as JSON
  bool read_error = false;
};

// Reads part.begin..part.end of `fd` with pread (or, for a stream, all of it with read) in
// 1 MiB chunks and adds every line to part.agg. With `strict`, stops at the first
// invalid line, and also once `failed` (the lowest part index that met one) is below
// `index`: a later part's lines no longer matter then.
void read_part(int fd, Part& part, bool strict, std::size_t index,
               std::atomic<std::size_t>& failed) {
  std::vector<char> buf(std::size_t(1) << 20);
  std::size_t have = 0;  // bytes of a partial line kept at the front of buf
  int64_t pos = part.begin;
  bool eof = false;
  bool stop = false;
  std::string carry;  // a line longer than the buffer, assembled here

  auto handle = [&](std::string_view line) -> bool {
    ++part.lines;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (blank(line)) return true;
    Errors errors = part.agg.add_json(line);
    if (errors.empty()) return true;
    ++part.invalid;
    if (!strict) return true;
    part.bad_line = part.lines;
    part.bad_errors = errors_to_json(errors);
    std::size_t cur = failed.load();
    while (index < cur && !failed.compare_exchange_weak(cur, index)) {
    }
    return false;
  };

  while (!eof && !stop) {
    if (strict && failed.load() < index) break;
    std::size_t n = 0;
    if (part.stream) {
      for (;;) {
        const ssize_t got = ::read(fd, buf.data() + have, buf.size() - have);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
          part.read_error = true;
          return;
        }
        n = static_cast<std::size_t>(got);
        break;
      }
    } else {
      const std::size_t want = static_cast<std::size_t>(
          std::min<int64_t>(static_cast<int64_t>(buf.size() - have), part.end - pos));
      while (n < want) {
        const ssize_t got = ::pread(fd, buf.data() + have + n, want - n, pos);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
          part.read_error = true;
          return;
        }
        if (got == 0) break;  // the file shrank: what is there is read
        n += static_cast<std::size_t>(got);
        pos += got;
      }
    }
    if (n == 0) eof = true;
    const char* end = buf.data() + have + n;
    const char* p = buf.data();
    for (;;) {
      const char* nl =
          static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      if (!nl) break;
      bool ok;
      if (!carry.empty()) {
        carry.append(p, static_cast<std::size_t>(nl - p));
        ok = handle(carry);
        carry.clear();
      } else {
        ok = handle(std::string_view(p, static_cast<std::size_t>(nl - p)));
      }
      p = nl + 1;
      if (!ok) {
        stop = true;
        break;
      }
    }
    if (stop) break;
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
}

// The offset just after the first '\n' at or after `from` (the start of the next line), or
// `size` when there is none.
int64_t next_line_start(int fd, int64_t from, int64_t size) {
  char buf[1 << 16];
  while (from < size) {
    const ssize_t got = ::pread(fd, buf, sizeof buf, from);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return size;
    if (const void* nl = std::memchr(buf, '\n', static_cast<std::size_t>(got)))
      return from + (static_cast<const char*>(nl) - buf) + 1;
    from += got;
  }
  return size;
}

// Adds every line of `path` ("-": standard input) to `agg`; counts invalid lines in
// `invalid`. A regular file is cut at line boundaries into `threads` parts of about equal
// size, each read and aggregated by its own thread, and the parts' aggregates are merged in
// order — the result is the same as one thread's (Aggregator::merge). Returns 0, 1 (--strict
// met an invalid line; the first one in the file is reported on stderr with its file:line)
// or 2 (unreadable).
int read_file(const char* path, Aggregator& agg, const InsightsQuery& query, bool strict,
              unsigned threads, int64_t& invalid) {
  const bool from_stdin = std::strcmp(path, "-") == 0;
  int fd = STDIN_FILENO;
  int64_t size = 0;
  bool stream = true;
  if (!from_stdin) {
    fd = ::open(path, O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
      const int err = fd < 0 ? errno : (S_ISDIR(st.st_mode) ? EISDIR : errno);
      if (fd >= 0) ::close(fd);
      std::fprintf(stderr, "session-rating insights: cannot read %s: %s\n", path,
                   std::strerror(err));
      return 2;
    }
    stream = !S_ISREG(st.st_mode);
    if (!stream) size = static_cast<int64_t>(st.st_size);
  }
  if (stream) threads = 1;  // a pipe, device or standard input: one part, read to its end

  std::vector<std::unique_ptr<Part>> parts;
  int64_t begin = 0;
  for (unsigned i = 0; i < threads; ++i) {
    auto part = std::make_unique<Part>(query);
    part->stream = stream;
    part->begin = begin;
    part->end = i + 1 == threads
                    ? size
                    : std::max(begin, next_line_start(fd, size / threads * (i + 1), size));
    begin = part->end;
    parts.push_back(std::move(part));
  }
  std::atomic<std::size_t> failed{parts.size()};
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < parts.size(); ++i)
    workers.emplace_back(read_part, fd, std::ref(*parts[i]), strict, i, std::ref(failed));
  read_part(fd, *parts[0], strict, 0, failed);
  for (std::thread& t : workers) t.join();
  if (!from_stdin) ::close(fd);

  int64_t line_base = 0;
  for (std::unique_ptr<Part>& part : parts) {
    if (part->read_error) {
      std::fprintf(stderr, "session-rating insights: error reading %s\n", path);
      return 2;
    }
    if (part->bad_line) {
      std::fprintf(stderr, "%s:%lld: invalid record: %s\n", path,
                   static_cast<long long>(line_base + part->bad_line), part->bad_errors.c_str());
      return 1;
    }
    line_base += part->lines;
    invalid += part->invalid;
    agg.merge(std::move(part->agg));
    part.reset();  // its memory goes before the next part is merged
  }
#ifdef __GLIBC__
  if (parts.size() > 1) malloc_trim(0);  // give back what the other threads' heaps freed
#endif
  return 0;
}

}  // namespace

int cmd_insights(int argc, char** argv) {
  std::vector<const char*> paths;
  InsightsQuery query;
  bool strict = false;
  unsigned threads = 2;
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
    } else if (is_option(arg, "--threads")) {
      if (!option_value(argc, argv, i, "--threads", value))
        return usage_error("--threads needs a number from 1 to 64");
      unsigned n = 0;
      bool digits = !value.empty() && value.size() <= 2;
      for (char c : value) {
        digits = digits && c >= '0' && c <= '9';
        n = n * 10 + static_cast<unsigned>(c - '0');
      }
      if (!digits || n < 1 || n > 64)
        return usage_error("--threads must be a number from 1 to 64, not \"" +
                           std::string(value) + "\"");
      threads = n;
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usage_error("unknown option " + std::string(arg));
    } else {
      paths.push_back(argv[i]);
    }
  }
  if (paths.empty()) return usage_error("at least one FILE.jsonl is required");
#ifdef __GLIBC__
  // The aggregates' big blocks (chunks of entries and ids, 256 KiB and up) get their own
  // mappings, so merging a part frees its memory as it goes. Without this, glibc raises its
  // mmap threshold after the first such free and keeps later blocks in thread heaps it does
  // not give back: 2 threads peaked ~20 MB higher over 1M lines.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif

  Aggregator agg(query);
  int64_t invalid = 0;
  for (const char* path : paths) {
    const int status = read_file(path, agg, query, strict, threads, invalid);
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
