// insights.h, Tally: counting ratings that are already one per rating_id (the collector's
// ratings table) gives exactly the Aggregator's figures.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "session_rating/insights.h"
#include "session_rating/record.h"

using namespace session_rating;

namespace {

constexpr int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr int64_t kDay = 86400000;

// What a store keeping one row per rating hands to Tally for a record.
RatingFigures figures(const Record& r, const std::string& joined_problems) {
  RatingFigures f;
  f.scale = r.scale;
  f.score = r.score;
  f.positive = r.positive;
  f.sentiment = r.sentiment;
  f.internal = r.internal;
  f.problem_ids = joined_problems;
  if (r.topic) f.topic = *r.topic;
  if (r.agent_id) f.agent_id = *r.agent_id;
  f.first_submitted_at = r.first_submitted_at;
  return f;
}

// Random ratings with retries and edits: every record, and each rating's winning record.
void random_ratings(std::mt19937_64& rng, std::vector<Record>& all,
                    std::map<std::string, Record>& winners) {
  static const char* const kProblems[] = {"audio", "video", "connection", "other"};
  for (int k = 0; k < 300; ++k) {
    const std::string id = "r" + std::to_string(k);
    const Scale scale = rng() % 4 == 0 ? Scale::Thumbs : (rng() % 2 ? Scale::Stars : Scale::Emoji);
    Record r;
    r.rating_id = id;
    r.session_id = "s-" + id;
    r.scale = scale;
    r.internal = rng() % 10 == 0;
    if (rng() % 3) r.topic = rng() % 7 ? "t" + std::to_string(rng() % 4) : std::string("(none)");
    if (rng() % 3) r.agent_id = "a" + std::to_string(rng() % 5);
    r.first_submitted_at = kT0 + static_cast<int64_t>(rng() % 10) * kDay +
                           static_cast<int64_t>(rng() % kDay);
    r.edit_deadline = r.first_submitted_at + 3600000;
    const int revisions = 1 + static_cast<int>(rng() % 3);
    for (int rev = 1; rev <= revisions; ++rev) {
      r.revision = rev;
      r.submitted_at = r.first_submitted_at + (rev - 1) * 1000;
      r.score = scale == Scale::Thumbs ? static_cast<int>(rng() % 2) : 1 + static_cast<int>(rng() % 5);
      r.positive = is_positive(scale, r.score, r.positive_min);
      r.sentiment = sentiment_of(scale, r.score, r.positive_min);
      r.problems.clear();
      if (is_low(scale, r.score, r.low_score_max))
        for (const char* p : kProblems)
          if (rng() % 2) r.problems.push_back(p);
      all.push_back(r);
      if (rng() % 2) all.push_back(r);  // a retry
    }
    if (rng() % 2) {
      r.final = true;
      all.push_back(r);
    }
    winners[id] = r;
  }
}

}  // namespace

TEST(Tally, matches_the_aggregator_on_winning_records_for_every_grouping) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::vector<Record> all;
    std::map<std::string, Record> winners;
    random_ratings(rng, all, winners);
    for (GroupBy by : {GroupBy::None, GroupBy::Topic, GroupBy::Agent, GroupBy::Day}) {
      Tally tally(by);
      for (const auto& [id, r] : winners) {
        const std::string joined = join_problem_ids(r.problems);
        tally.add(figures(r, joined));
      }
      const Insights expected = aggregate(all, by);
      const Insights got = tally.result();
      EXPECT_EQ(insights_to_json(got), insights_to_json(expected))
          << "round " << round << " by " << group_by_name(by);
      EXPECT_EQ(got.by, by);
    }
  }
}

TEST(Tally, exact_figures_for_a_small_set) {
  Tally tally(GroupBy::Day);
  RatingFigures a;  // a 5-star rating on day 0
  a.score = 5;
  a.positive = true;
  a.sentiment = Sentiment::Positive;
  a.first_submitted_at = kT0;
  RatingFigures b;  // a low thumbs rating with two problems, the next day
  b.scale = Scale::Thumbs;
  b.score = 0;
  b.sentiment = Sentiment::Negative;
  b.problem_ids = "audio,video";
  b.first_submitted_at = kT0 + kDay;
  RatingFigures c = b;  // internal: only excluded_internal
  c.internal = true;
  tally.add(a);
  tally.add(b);
  tally.add(c);
  const Insights in = tally.result();
  EXPECT_EQ(in.total.ratings, 2);
  EXPECT_EQ(in.total.positive, 1);
  EXPECT_EQ(in.total.excluded_internal, 1);
  EXPECT_EQ(in.total.mean_count, 1);
  EXPECT_EQ(in.total.mean_sum, 5);
  EXPECT_EQ(in.total.thumbs_down, 1);
  EXPECT_EQ(in.total.problems, (std::map<std::string, int64_t>{{"audio", 1}, {"video", 1}}));
  ASSERT_EQ(in.groups.size(), 2u);
  EXPECT_EQ(in.groups.at("2026-01-01").ratings, 1);
  EXPECT_EQ(in.groups.at("2026-01-02").ratings, 1);
  EXPECT_EQ(in.groups.at("2026-01-02").excluded_internal, 1);
}

TEST(Tally, nothing_added_gives_the_empty_result) {
  EXPECT_EQ(insights_to_json(Tally(GroupBy::Topic).result()),
            insights_to_json(aggregate({}, GroupBy::Topic)));
  EXPECT_EQ(insights_to_json(Tally().result()), insights_to_json(aggregate({})));
}

TEST(Tally, null_group_keys_are_counted_under_none) {
  Tally tally(GroupBy::Agent);
  RatingFigures r;
  r.score = 3;
  tally.add(r);
  const Insights in = tally.result();
  ASSERT_EQ(in.groups.count(kNoGroupKey), 1u);
  EXPECT_EQ(in.groups.at(kNoGroupKey).ratings, 1);
}

TEST(Tally, problem_ids_join_and_split_round_trip) {
  EXPECT_EQ(join_problem_ids({}), "");
  EXPECT_EQ(join_problem_ids({"audio"}), "audio");
  EXPECT_EQ(join_problem_ids({"audio", "too_slow", "x-1"}), "audio,too_slow,x-1");
  std::vector<std::string> out = {"stale"};
  split_problem_ids("", out);
  EXPECT_TRUE(out.empty());
  split_problem_ids("audio,too_slow,x-1", out);
  EXPECT_EQ(out, (std::vector<std::string>{"audio", "too_slow", "x-1"}));
}
