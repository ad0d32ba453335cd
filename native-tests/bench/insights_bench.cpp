// Insights benchmark: one record line through the fast reader vs the DOM reader, and the whole
// contract-6 target — 1,000,000 realistic JSONL records, rating.v1 and rating.v2 mixed (ids,
// raters, subjects, 1–2 answers on every scale, properties, comments, redactions, topics,
// retries, edits, final records) read, validated and aggregated, with the figures printed.
//
//   insights_bench                         run the benchmarks (file generated in $TMPDIR)
//   insights_bench --generate FILE [N]     only write N (default 1,000,000) lines to FILE
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "../record_fixture.h"
#include "session_rating/config.h"
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

const char* const kModels[] = {"gpt-a", "gpt-b", "claude-x", "local-7b"};

// One answer with `problems` when low, and a third of those with a short comment (20–80
// characters; one in eight with an [email] token and its redaction count).
Answer make_answer(std::mt19937_64& rng, const char* question, Scale scale, int min, int max,
                   bool chat) {
  Answer a;
  a.question = question;
  a.scale = scale;
  a.min = min;
  a.max = max;
  default_thresholds(scale, min, max, a.low_score_max, a.positive_min);
  if (scale == Scale::Thumbs) {
    a.score = static_cast<int>(rng() % 100 < 70);
  } else {
    a.score = min + static_cast<int>(rng() % static_cast<uint64_t>(max - min + 1));
    if (rng() % 2) a.score = std::min(max, a.positive_min + static_cast<int>(rng() % 2));  // skew high
  }
  a.positive = is_positive(scale, a.score, a.positive_min);
  a.sentiment = sentiment_of(scale, min, max, a.score, a.positive_min);
  if (is_low(scale, a.score, a.low_score_max)) {
    const char* const* list = chat ? kChatProblems : kStarProblems;
    for (int i = 0; i < 5; ++i)
      if (rng() % 3 == 0) a.problems.push_back(list[i]);
    if (rng() % 3 == 0) {
      const std::size_t len = 20 + rng() % 60;
      while (a.comment.size() < len) {
        if (!a.comment.empty()) a.comment += ' ';
        a.comment += kWords[rng() % (sizeof kWords / sizeof *kWords)];
      }
      if (rng() % 8 == 0) {
        a.comment += " mail me at [email]";
        a.redactions = {{"email", 1}};
      }
      if (rng() % 8 == 0) a.comment += " \"quoted\"\n";
    }
  }
  return a;
}

// Writes `n` record lines, ~20 % rating.v1 (old widgets: one stars/emoji/thumbs answer) and
// the rest rating.v2: a call's stars question, the support chat's thumbs question (a second
// one a quarter of the time), an NPS survey (with a numeric 1–7 effort question a quarter of
// the time) or a per-answer emoji; most with a rater, chat ones with a subject, AI ones with properties (model, prompt version,
// temperature). ~70 % of ratings are sent once, the rest retried (duplicate line), edited
// (revision 2, sometimes 3) and/or finalised (a final copy of the last revision).
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
    std::snprintf(buf, sizeof buf, "sess-%010lld", static_cast<long long>(id / 2 * 7 + 3));
    r.session_id = buf;
    const bool v1 = rng() % 100 < 20;
    const unsigned kind = static_cast<unsigned>(rng() % 100);  // which product
    r.internal = rng() % 100 < 3;
    if (rng() % 10) r.topic = kTopics[rng() % 20];
    if (rng() % 10) {
      std::snprintf(buf, sizeof buf, "agent-%03u", static_cast<unsigned>(rng() % 200));
      r.agent_id = buf;
    }
    if (!v1) {
      if (rng() % 10) {
        std::snprintf(buf, sizeof buf, "u-%08x", static_cast<unsigned>(rng() % 300000));
        r.rater_id = buf;
      }
      if (kind >= 40) {
        std::snprintf(buf, sizeof buf, "msg-%06u", static_cast<unsigned>(rng() % 1000000));
        r.subject_id = buf;
      }
      if (kind >= 70) {
        PropertyValue model;
        model.text = kModels[rng() % 4];
        PropertyValue prompt;
        prompt.kind = PropertyValue::Kind::Number;
        prompt.number = static_cast<double>(1 + rng() % 5);
        PropertyValue temp;
        temp.kind = PropertyValue::Kind::Number;
        temp.number = (rng() % 2) ? 0.5 : 0.75;
        r.properties = {{"model", model}, {"prompt_version", prompt}, {"temperature", temp}};
      }
    }
    r.first_submitted_at = kStart + static_cast<int64_t>(rng() % (90ULL * 86400000ULL));
    r.edit_deadline = r.first_submitted_at + 3600000;
    if (!v1 && rng() % 10 == 0) r.edit_deadline.reset();  // live session
    const int revisions = rng() % 100 < 20 ? (rng() % 4 == 0 ? 3 : 2) : 1;
    const bool retried = rng() % 100 < 15;
    const bool finalised = rng() % 100 < 30;
    const unsigned v1_scale = static_cast<unsigned>(rng() % 100);
    const bool with_effort = rng() % 4 == 0;
    for (int rev = 1; rev <= revisions; ++rev) {
      r.revision = rev;
      r.submitted_at = r.first_submitted_at + (rev - 1) * 60000;
      r.answers.clear();
      if (v1) {
        const Scale sc = v1_scale < 70 ? Scale::Stars : v1_scale < 85 ? Scale::Emoji : Scale::Thumbs;
        int lo = 1, hi = 5;
        fixed_range(sc, lo, hi);
        r.answers.push_back(make_answer(rng, "overall", sc, lo, hi, sc != Scale::Stars));
      } else if (kind < 40) {
        r.answers.push_back(make_answer(rng, "overall", Scale::Stars, 1, 5, false));
      } else if (kind < 70) {
        r.answers.push_back(make_answer(rng, "HELPFUL_THUMBS", Scale::Thumbs, 0, 1, true));
        if (rng() % 4 == 0) r.answers.push_back(make_answer(rng, "EXPERIENCE_THUMBS", Scale::Thumbs, 0, 1, true));
      } else if (kind < 85) {
        r.answers.push_back(make_answer(rng, "nps", Scale::Nps, 0, 10, true));
        if (with_effort) r.answers.push_back(make_answer(rng, "effort", Scale::Numeric, 1, 7, true));
      } else {
        r.answers.push_back(make_answer(rng, "answer", Scale::Emoji, 1, 5, true));
      }
      const std::string line = v1 ? sr_test::v1_line(r) : record_to_json(r);
      if (rev == 1) lines.push_back(line); else later.push_back(line);
      if (retried && rev == revisions) later.push_back(line);
    }
    if (finalised) {
      r.final = true;
      later.push_back(v1 ? sr_test::v1_line(r) : record_to_json(r));
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

// Writes n generated lines to `path`; `bytes` (when given) receives the file's size.
bool write_file(const std::string& path, std::size_t n, uint64_t* bytes = nullptr) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  uint64_t total = 0;
  const std::size_t chunk = 100000;
  for (std::size_t done = 0; done < n; done += chunk) {
    const std::vector<std::string> lines =
        generate_lines(std::min(chunk, n - done), 7 + done, static_cast<int64_t>(done));
    for (const std::string& l : lines) {
      std::fwrite(l.data(), 1, l.size(), f);
      std::fputc('\n', f);
      total += l.size() + 1;
    }
  }
  if (bytes) *bytes = total;
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

// The queries of BM_Insights1MFile, by its argument.
InsightsQuery bench_query(int64_t arg) {
  InsightsQuery q;
  switch (arg) {
    case 1: parse_group_by("day", q); break;
    case 2: parse_group_by("property:model", q); break;
    case 3: q.question = "nps"; break;
    default: break;
  }
  return q;
}

void BM_Insights1MFile(benchmark::State& state) {
  const std::string& path = big_file();
  const InsightsQuery query = bench_query(state.range(0));
  int64_t bytes = 0;
  int64_t invalid = 0;
  int64_t distinct = 0;
  double seconds = 0;
  Insights in;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    Aggregator agg(query);
    invalid = aggregate_file(path, agg, bytes);
    benchmark::DoNotOptimize(agg.result_json());
    distinct = agg.distinct_ratings();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    in = agg.result();
  }
  state.counters["seconds"] = seconds;
  state.counters["records/s"] = 1e6 / seconds;
  state.counters["bytes/record"] = static_cast<double>(bytes) / 1e6;
  state.counters["distinct_ratings"] = static_cast<double>(distinct);
  state.counters["invalid"] = static_cast<double>(invalid);
  state.counters["ratings"] = static_cast<double>(in.total.ratings);
  state.counters["answers"] = static_cast<double>(in.total.answers);
  state.counters["raters"] = static_cast<double>(in.total.raters);
  state.counters["groups"] = static_cast<double>(in.groups.size());
  state.counters["csat"] = in.total.csat().value_or(-1);
  state.counters["nps"] = in.total.nps().value_or(-1000);
  state.SetLabel(std::string("by=") + group_by_name(query.by) +
                 (query.by == GroupBy::Property ? ":" + query.property : "") +
                 (query.question ? " question=" + *query.question : ""));
  state.SetItemsProcessed(state.iterations() * 1000000);
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_Insights1MFile)
    ->Arg(0)   // total only
    ->Arg(1)   // by day
    ->Arg(2)   // by property:model
    ->Arg(3)   // question nps
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "--generate") == 0) {
    const std::size_t n = argc >= 4 ? std::strtoull(argv[3], nullptr, 10) : 1000000;
    uint64_t bytes = 0;
    if (!write_file(argv[2], n, &bytes)) {
      std::fprintf(stderr, "cannot write %s\n", argv[2]);
      return 2;
    }
    std::printf("%zu lines, %llu bytes, mean line %.1f bytes (newline included)\n", n,
                static_cast<unsigned long long>(bytes),
                n ? static_cast<double>(bytes) / static_cast<double>(n) : 0.0);
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
