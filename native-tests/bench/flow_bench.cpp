// Dispatch throughput: event JSON text in, result JSON text (view + records) out.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "session_rating/flow.h"

using namespace session_rating;

namespace {

std::unique_ptr<Flow> new_flow(const char* config) {
  std::unique_ptr<Flow> flow;
  make_flow(config, R"({"session_id":"sess-20261122-abc","rating_id":"rt-1"})", flow);
  return flow;
}

// Events a person produces on the details step, repeated (no finalisation: times stay
// inside the window). `wire`: the answer in the form the WebAssembly bridge sends, written as
// the bridge does it (dispatch_wire into one reused buffer; docs/view.md, docs/wasm.md), for
// scripts/bench-wasm.mjs's like-for-like ratio.
void dispatch_details_events(benchmark::State& state, bool wire) {
  auto flow = new_flow(R"({"comment":{"enabled":true}})");
  flow->dispatch_json(R"({"type":"score","value":2,"at":1000})");
  const std::vector<std::string> events = {
      R"({"type":"toggle_problem","id":"audio","at":1001})",
      R"({"type":"toggle_problem","id":"video","at":1002})",
      R"({"type":"comment","text":"The audio kept dropping out","at":1003})",
      R"({"type":"score","value":1,"at":1004})",
      R"({"type":"tick","at":1005})",
  };
  std::size_t i = 0, bytes = 0;
  std::string out;  // the wire variant keeps its capacity, like the bridge's g_answer
  for (auto _ : state) {
    if (wire) flow->dispatch_wire(events[i], out);
    else out = flow->dispatch_json(events[i]);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
    i = (i + 1) % events.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["result_bytes"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
}

void BM_DispatchDetailsEvents(benchmark::State& state) { dispatch_details_events(state, false); }
BENCHMARK(BM_DispatchDetailsEvents);

void BM_DispatchDetailsEventsWire(benchmark::State& state) { dispatch_details_events(state, true); }
BENCHMARK(BM_DispatchDetailsEventsWire);

// A 3-question prompt (stars with problems and a comment, NPS, the helpful thumbs): the
// events a person produces answering all three, changing answers, ticking. The issue's
// figure: >= 250k events/s.
void BM_DispatchThreeQuestions(benchmark::State& state) {
  auto flow = new_flow(R"({"questions":[
      {"id":"quality","scale":"stars","problems":[{"id":"audio","label":"Audio"},
       {"id":"video","label":"Video"}],"comment":{"enabled":true}},
      {"id":"nps","scale":"nps"},
      {"id":"HELPFUL_THUMBS"}],"finalise":{"window_seconds":2592000}})");
  flow->dispatch_json(R"({"type":"score","question":"quality","value":2,"at":1000})");
  const std::vector<std::string> events = {
      R"({"type":"toggle_problem","question":"quality","id":"audio","at":1001})",
      R"({"type":"score","question":"nps","value":9,"at":1002})",
      R"({"type":"score","question":"HELPFUL_THUMBS","value":1,"at":1003})",
      R"({"type":"comment","question":"quality","text":"The audio kept dropping out","at":1004})",
      R"({"type":"score","question":"nps","value":6,"at":1005})",
      R"({"type":"tick","at":1006})",
  };
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::string out = flow->dispatch_json(events[i]);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
    i = (i + 1) % events.size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["result_bytes"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_DispatchThreeQuestions);

// The same prompt submitted over and over: each iteration is a new revision with a
// 3-answer record.
void BM_DispatchThreeQuestionsSubmit(benchmark::State& state) {
  auto flow = new_flow(R"({"questions":[{"id":"quality","scale":"stars"},
      {"id":"nps","scale":"nps"},{"id":"HELPFUL_THUMBS"}],
      "finalise":{"window_seconds":2592000}})");
  flow->dispatch_json(R"({"type":"score","question":"quality","value":5,"at":1000})");
  flow->dispatch_json(R"({"type":"score","question":"nps","value":9,"at":1000})");
  flow->dispatch_json(R"({"type":"score","question":"HELPFUL_THUMBS","value":1,"at":1000})");
  int64_t at = 1001;
  int value = 9;
  for (auto _ : state) {
    std::string change = R"({"type":"score","question":"nps","value":)" + std::to_string(value) +
                         R"(,"at":)" + std::to_string(at) + "}";
    std::string submit = R"({"type":"submit","at":)" + std::to_string(at++) + "}";
    benchmark::DoNotOptimize(flow->dispatch_json(change));
    benchmark::DoNotOptimize(flow->dispatch_json(submit));
    value = value == 9 ? 10 : 9;
  }
  state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_DispatchThreeQuestionsSubmit);

// Submitting changes: each iteration emits a record too.
void BM_DispatchSubmitWithRecord(benchmark::State& state) {
  auto flow = new_flow(R"({"finalise":{"window_seconds":2592000}})");
  int64_t at = 1000;
  int value = 4;
  for (auto _ : state) {
    std::string event = R"({"type":"score","value":)" + std::to_string(value) +
                        R"(,"at":)" + std::to_string(at++) + "}";
    std::string out = flow->dispatch_json(event);
    benchmark::DoNotOptimize(out);
    value = value == 4 ? 5 : 4;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DispatchSubmitWithRecord);

// Whole prompt: config + context validation, 4 events, destroy.
void BM_WholeFlow(benchmark::State& state) {
  for (auto _ : state) {
    auto flow = new_flow(R"({"scale":"emoji","comment":{"enabled":true}})");
    benchmark::DoNotOptimize(flow->dispatch_json(R"({"type":"score","value":2,"at":1})"));
    benchmark::DoNotOptimize(flow->dispatch_json(R"({"type":"toggle_problem","id":"audio","at":2})"));
    benchmark::DoNotOptimize(flow->dispatch_json(R"({"type":"comment","text":"so so","at":3})"));
    benchmark::DoNotOptimize(flow->dispatch_json(R"({"type":"submit","at":4})"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WholeFlow);

}  // namespace

BENCHMARK_MAIN();
