// Benchmark: redact() throughput on realistic comments (MB/s of input text).
#include <string>

#include <benchmark/benchmark.h>

#include "session_rating/redact.h"

namespace {

// A typical low-score comment with a little of everything: prose, a date, a time, a price, a
// version number, and some personal data.
const std::string kComment =
    "The call dropped three times on 2024-05-01 between 12:30 and 13:15, and the agent asked me "
    "to repeat my order number 2039 0089 5108 0619 each time. I was charged $1,299.99 twice on "
    "my card 4111 1111 1111 1111. Please call me back on +1 (555) 123-4567 or write to "
    "john.doe@example.com. App version 10.0.19045.2965, request id "
    "550e8400-e29b-41d4-a716-446655440000. Refund to DE89 3704 0044 0532 0130 00 please.";

// The same length of plain prose in several scripts, nothing to redact.
const std::string kPlain =
    "Die Verbindung war schlecht und der Ton kam nur verzögert an. La vidéo se figeait toutes les "
    "deux minutes, c'était pénible. 音声が途切れて、相手の声がほとんど聞こえませんでした。 "
    "كانت جودة الصوت سيئة جدا ولم أستطع سماع الموظف. The agent was friendly but could not fix "
    "the problem, and I waited a long time before anyone answered my question about billing.";

void run(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    session_rating::RedactResult r = session_rating::redact(text);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// The comment with look-alikes (no-break spaces, a zero-width space, a full-width @): the
// normalising pass runs (docs/redaction.md).
const std::string kLookAlike =
    "The call dropped three times on 2024-05-01 between 12:30 and 13:15, and the agent asked me "
    "to repeat my order number 2039 0089 5108 0619 each time. I was charged $1,299.99 twice on "
    "my card 4111\xc2\xa0" "1111\xc2\xa0" "1111\xe2\x80\x8b" "1111. Please call me back on +1 (555) "
    "123-4567 or write to john.doe\xef\xbc\xa0" "example.com. App version 10.0.19045.2965, "
    "request id 550e8400-e29b-41d4-a716-446655440000. Refund to DE89 3704 0044 0532 0130 00.";

void BM_RedactComment(benchmark::State& state) { run(state, kComment); }
void BM_RedactLookAlikeComment(benchmark::State& state) { run(state, kLookAlike); }
void BM_RedactPlainText(benchmark::State& state) { run(state, kPlain); }
void BM_RedactLongComment(benchmark::State& state) {
  std::string big;
  while (big.size() < 64 * 1024) big += kComment + " " + kPlain + " ";
  run(state, big);
}

}  // namespace

BENCHMARK(BM_RedactComment);
BENCHMARK(BM_RedactLookAlikeComment);
BENCHMARK(BM_RedactPlainText);
BENCHMARK(BM_RedactLongComment);
BENCHMARK_MAIN();
