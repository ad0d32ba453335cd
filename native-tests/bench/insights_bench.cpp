// Insights benchmark: one record line through the fast reader vs the DOM reader, and the whole
// contract-6 target — 1,000,000 realistic JSONL records (~330 bytes each: ids, comments,
// redactions, topics, retries, edits, final records) read, validated and aggregated.
//
//   insights_bench                         run the benchmarks (file generated in $TMPDIR)
//   insights_bench --generate FILE [N]     only write N (default 1,000,000) lines to FILE
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "session_rating/insights.h"
#include "session_rating/record.h"

using namespace session_rating;

namespace {

constexpr int64_t kStart = 1767225600000;  // 2026-01-01T00:00:00Z

const char* const kTopics[] = {"billing", "login", "refunds", "shipping", "Facturación",
                               "onboarding", "API keys", "returns", "サポート", "account",
                               "invoices", "password reset", "mobile app", "integrations",
                               "cancellation", "pricing", "security", "exports", "SSO", "other"};
const char* const kStarProblems[] = {"audio", "video", "connection", "screen_share", "other"};
const char* const kChatProblems[] = {"not_answered", "wrong_answer", "too_slow",
                                     "hard_to_understand", "other"};
const char* const kWords[] = {"the", "agent", "call", "dropped", "twice", "and", "I", "could",
                              "not", "hear", "anything", "after", "minutes", "waiting", "again",
                              "please", "fix", "this", "très", "lent", "sehr", "schlecht",
                              "answer", "was", "wrong", "screen", "froze", "while", "sharing"};

// Writes `n` record lines: ~70 % of ratings once, the rest retried (duplicate line), edited
// (revision 2, sometimes 3) and/or finalised (a final copy of the last revision); low scores
// carry problems and a 60–250 character comment, some with redactions.
std::vector<std::string> generate_lines(std::size_t n, uint64_t seed = 7, int64_t first_id = 0) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> lines;
  lines.reserve(n);
  std::vector<std::string> later;  // edits and final records, emitted a little later
  int64_t serial = first_id;
  while (lines.size() < n) {
    Record r;
    const int64_t id = serial++;
    char buf[64];
    std::snprintf(buf, sizeof buf, "rt_%012lld.%04x", static_cast<long long>(id),
                  static_cast<unsigned>(rng() & 0xffff));
    r.rating_id = buf;
    std::snprintf(buf, sizeof buf, "sess-%010lld", static_cast<long long>(id * 7 + 3));
    r.session_id = buf;
    const unsigned s = static_cast<unsigned>(rng() % 100);
    r.scale = s < 70 ? Scale::Stars : s < 85 ? Scale::Emoji : Scale::Thumbs;
    const bool chat = r.scale != Scale::Stars;
    r.internal = rng() % 100 < 3;
    if (rng() % 10) r.topic = kTopics[rng() % 20];
    if (rng() % 10) {
      std::snprintf(buf, sizeof buf, "agent-%03u", static_cast<unsigned>(rng() % 200));
      r.agent_id = buf;
    }
    r.first_submitted_at = kStart + static_cast<int64_t>(rng() % (90ULL * 86400000ULL));
    r.edit_deadline = r.first_submitted_at + 3600000;
    const int revisions = rng() % 100 < 20 ? (rng() % 4 == 0 ? 3 : 2) : 1;
    const bool retried = rng() % 100 < 15;
    const bool finalised = rng() % 100 < 30;
    for (int rev = 1; rev <= revisions; ++rev) {
      r.revision = rev;
      r.submitted_at = r.first_submitted_at + (rev - 1) * 60000;
      r.score = r.scale == Scale::Thumbs ? static_cast<int>(rng() % 100 < 70)
                                         : static_cast<int>(1 + rng() % 5);
      if (r.scale != Scale::Thumbs && rng() % 2) r.score = 4 + static_cast<int>(rng() % 2);
      r.positive = is_positive(r.scale, r.score, r.positive_min);
      r.sentiment = sentiment_of(r.scale, r.score, r.positive_min);
      r.problems.clear();
      r.comment.clear();
      r.redactions.clear();
      if (is_low(r.scale, r.score, r.low_score_max)) {
        const char* const* list = chat ? kChatProblems : kStarProblems;
        for (int i = 0; i < 5; ++i)
          if (rng() % 3 == 0) r.problems.push_back(list[i]);
        const std::size_t len = 60 + rng() % 190;
        while (r.comment.size() < len) {
          if (!r.comment.empty()) r.comment += ' ';
          r.comment += kWords[rng() % (sizeof kWords / sizeof *kWords)];
        }
        if (rng() % 4 == 0) {
          r.comment += " call me on [phone] or [email]";
          r.redactions = {{"email", 1}, {"phone", 1}};
        }
        if (rng() % 8 == 0) r.comment += " \"quoted\"\n";
      }
      const std::string line = record_to_json(r);
      if (rev == 1) lines.push_back(line); else later.push_back(line);
      if (retried && rev == revisions) later.push_back(line);
    }
    if (finalised) {
      r.final = true;
      later.push_back(record_to_json(r));
      r.final = false;
    }
    if (later.size() > 64) {  // interleave: later revisions arrive after other ratings
      for (std::string& l : later)
        if (lines.size() < n) lines.push_back(std::move(l));
      later.clear();
    }
  }
  lines.resize(n);
  return lines;
}

bool write_file(const std::string& path, std::size_t n) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const std::size_t chunk = 100000;
  for (std::size_t done = 0; done < n; done += chunk) {
    const std::vector<std::string> lines =
        generate_lines(std::min(chunk, n - done), 7 + done, static_cast<int64_t>(done));
    for (const std::string& l : lines) {
      std::fwrite(l.data(), 1, l.size(), f);
      std::fputc('\n', f);
    }
  }
  return std::fclose(f) == 0;
}

// The 1M-line file, generated once per process in a fresh temp directory.
const std::string& big_file() {
  static std::string path;
  if (path.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir_tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/sr-insights-bench-XXXXXX";
    std::vector<char> buf(dir_tmpl.begin(), dir_tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) std::abort();
    path = std::string(buf.data()) + "/records.jsonl";
    if (!write_file(path, 1000000)) std::abort();
    std::atexit([] {
      std::remove(path.c_str());
      rmdir(path.substr(0, path.rfind('/')).c_str());
    });
  }
  return path;
}

// Reads the file in 1 MiB chunks and feeds each line to the aggregator (what the CLI does).
int64_t aggregate_file(const std::string& path, Aggregator& agg, int64_t& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) std::abort();
  std::vector<char> buf(1 << 20);
  std::size_t have = 0;
  int64_t invalid = 0;
  bytes = 0;
  for (;;) {
    const std::size_t n = std::fread(buf.data() + have, 1, buf.size() - have, f);
    bytes += static_cast<int64_t>(n);
    const char* p = buf.data();
    const char* end = buf.data() + have + n;
    while (const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p))) {
      if (nl > p && !agg.add_json(std::string_view(p, nl - p)).empty()) ++invalid;
      p = nl + 1;
    }
    have = static_cast<std::size_t>(end - p);
    std::memmove(buf.data(), p, have);
    if (n == 0) break;
  }
  std::fclose(f);
  return invalid;
}

void BM_ParseRecordFast(benchmark::State& state) {
  const std::vector<std::string> lines = generate_lines(10000);
  Record r;
  std::size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& l = lines[i++ % lines.size()];
    benchmark::DoNotOptimize(parse_record_fast(l, r));
    bytes += static_cast<int64_t>(l.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_ParseRecordFast);

void BM_RecordFromJsonDom(benchmark::State& state) {
  const std::vector<std::string> lines = generate_lines(10000);
  Record r;
  std::size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& l = lines[i++ % lines.size()];
    benchmark::DoNotOptimize(record_from_json(l, r));
    bytes += static_cast<int64_t>(l.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_RecordFromJsonDom);

void BM_Insights1MFile(benchmark::State& state) {
  const std::string& path = big_file();
  const GroupBy by = static_cast<GroupBy>(state.range(0));
  int64_t bytes = 0;
  int64_t invalid = 0;
  int64_t distinct = 0;
  double seconds = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    Aggregator agg(by);
    invalid = aggregate_file(path, agg, bytes);
    benchmark::DoNotOptimize(agg.result_json());
    distinct = agg.distinct_ratings();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  state.counters["seconds"] = seconds;
  state.counters["records/s"] = 1e6 / seconds;
  state.counters["bytes/record"] = static_cast<double>(bytes) / 1e6;
  state.counters["distinct_ratings"] = static_cast<double>(distinct);
  state.counters["invalid"] = static_cast<double>(invalid);
  state.SetItemsProcessed(state.iterations() * 1000000);
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_Insights1MFile)
    ->Arg(static_cast<int>(GroupBy::None))
    ->Arg(static_cast<int>(GroupBy::Day))
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--generate") == 0) {
    const std::size_t n = argc >= 4 ? std::strtoull(argv[3], nullptr, 10) : 1000000;
    if (!write_file(argv[2], n)) {
      std::fprintf(stderr, "cannot write %s\n", argv[2]);
      return 2;
    }
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
