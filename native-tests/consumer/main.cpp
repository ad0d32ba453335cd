// A native app linking the installed session_rating::core: runs one prompt flow (thumbs up
// submits a positive rating) and one bad config, and prints "consumer: ok ..." only when both
// behave as the contracts say. Any other outcome prints what went wrong and exits 1.
#include <cstdio>
#include <memory>
#include <string>

#include "session_rating/error.h"
#include "session_rating/flow.h"

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

int fail(const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "consumer: FAILED: %s: %s\n", what.c_str(), detail.c_str());
  return 1;
}

}  // namespace

int main() {
  using namespace session_rating;

  std::unique_ptr<Flow> flow;
  const Errors errors = make_flow(R"({"scale":"thumbs"})",
                                  R"({"session_id":"s-1","rating_id":"r-1"})", flow);
  if (!errors.empty() || !flow) return fail("make_flow", errors_to_json(errors));

  const std::string result = flow->dispatch_json(R"({"type":"score","at":1000,"value":1})");
  if (!contains(result, R"("ok":true)")) return fail("thumbs up", result);
  if (!contains(result, R"("step":"thanks")")) return fail("thumbs up: not in thanks", result);
  if (!contains(result, R"("rating_id":"r-1")")) return fail("thumbs up: no record", result);

  std::unique_ptr<Flow> bad;
  const Errors refused = make_flow(R"({"scale":"stars","question":7})",
                                   R"({"session_id":"s-2"})", bad);
  if (refused.empty() || bad) return fail("bad config accepted", "");
  if (refused.front().path != "/question") return fail("bad config path", errors_to_json(refused));

  std::printf("consumer: ok: step=%s revision=%lld; bad config refused at %s (%s)\n",
              step_name(flow->step()), static_cast<long long>(flow->revision()),
              refused.front().path.c_str(), refused.front().code.c_str());
  return 0;
}
