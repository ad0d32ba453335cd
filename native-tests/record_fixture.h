// Shared by the insights tests (native-tests/insights_test.cpp) and the CLI tests
// (native-tests/cli/insights_cli_test.cpp): one way to make a valid record for a test.
#pragma once

#include <cstdint>
#include <string>

#include "session_rating/record.h"

namespace sr_test {

inline constexpr int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

// A valid record of rating `id` at `revision` (thresholds 3 / 4; low scores pick "audio").
inline session_rating::Record rec(const std::string& id, int64_t revision, int score,
                                  session_rating::Scale scale = session_rating::Scale::Stars,
                                  bool final = false) {
  using namespace session_rating;
  Record r;
  r.rating_id = id;
  r.session_id = "s-" + id;
  r.revision = revision;
  r.final = final;
  r.scale = scale;
  r.score = score;
  r.positive = is_positive(scale, score, r.positive_min);
  r.sentiment = sentiment_of(scale, score, r.positive_min);
  if (is_low(scale, score, r.low_score_max)) r.problems = {"audio"};
  r.first_submitted_at = kT0;
  r.submitted_at = kT0 + (revision - 1) * 1000;
  r.edit_deadline = kT0 + 3600000;
  return r;
}

}  // namespace sr_test
