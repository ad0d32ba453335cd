// insights.h, Tally: counting ratings that are already one per rating_id (the collector's
// ratings table) gives exactly the Aggregator's figures, for every grouping and question
// filter.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "record_fixture.h"
#include "session_rating/insights.h"
#include "session_rating/record.h"

using namespace session_rating;
using sr_test::kT0;

namespace {

constexpr int64_t kDay = 86400000;

// What a store keeping one row per rating hands to Tally for a record; the Row owns the
// joined problem ids and the property text the views point into.
struct Row {
  RatingFigures f;
  std::vector<std::string> joined;
  std::optional<std::string> property;
};

void figures(const Record& r, const InsightsQuery& q, Row& row) {
  row.joined.clear();
  for (const Answer& a : r.answers) row.joined.push_back(join_problem_ids(a.problems));
  row.property.reset();
  for (const auto& [key, value] : r.properties)
    if (q.by == GroupBy::Property && key == q.property) row.property = property_text(value);
  RatingFigures& f = row.f;
  f = RatingFigures{};
  for (std::size_t i = 0; i < r.answers.size(); ++i) {
    const Answer& a = r.answers[i];
    AnswerFigures x;
    x.question = a.question;
    x.scale = a.scale;
    x.score = a.score;
    x.positive = a.positive;
    x.sentiment = a.sentiment;
    x.problem_ids = row.joined[i];
    f.answers.push_back(x);
  }
  f.internal = r.internal;
  if (r.rater_id) f.rater_id = *r.rater_id;
  if (r.topic) f.topic = *r.topic;
  if (r.agent_id) f.agent_id = *r.agent_id;
  if (row.property) f.property = *row.property;
  f.first_submitted_at = r.first_submitted_at;
}

InsightsQuery query(const char* by, std::optional<std::string> question = std::nullopt) {
  InsightsQuery q;
  EXPECT_TRUE(parse_group_by(by, q)) << by;
  q.question = std::move(question);
  return q;
}

}  // namespace

TEST(Tally, matches_the_aggregator_on_random_winning_records_for_every_query) {
  std::mt19937_64 rng(7);
  int compared = 0;
  for (int round = 0; round < 4; ++round) {
    std::vector<Record> all;
    std::map<std::string, Record> winners;
    sr_test::random_ratings(rng, 300, all, winners);
    for (const char* by : {"none", "topic", "agent", "day", "property:model", "property:temp",
                           "property:beta", "property:absent"}) {
      for (const std::optional<std::string>& question :
           {std::optional<std::string>(), std::optional<std::string>("nps"),
            std::optional<std::string>("HELPFUL_THUMBS"), std::optional<std::string>("nope")}) {
        const InsightsQuery q = query(by, question);
        Tally tally(q);
        Row row;
        for (const auto& [id, r] : winners) {
          figures(r, q, row);
          tally.add(row.f);
        }
        const Insights expected = aggregate(all, q);
        const Insights got = tally.result();
        ASSERT_EQ(insights_to_json(got), insights_to_json(expected))
            << "round " << round << " by " << by << " question " << question.value_or("-");
        EXPECT_EQ(got.query.by, q.by);
        EXPECT_EQ(got.query.property, q.property);
        ++compared;
      }
    }
    // The random data really exercises every figure.
    const Insights in = aggregate(all);
    EXPECT_GT(in.total.promoters, 0);
    EXPECT_GT(in.total.detractors, 0);
    EXPECT_GT(in.total.raters, 1);
    EXPECT_LT(in.total.raters, in.total.ratings);
    EXPECT_GT(in.total.excluded_internal, 0);
    EXPECT_GE(in.total.questions.size(), 6u);
  }
  EXPECT_EQ(compared, 4 * 8 * 4);
}

TEST(Tally, exact_figures_for_a_small_set) {
  Tally tally(query("day"));
  RatingFigures a;  // a 5-star answer and an NPS 10 by rater u1 on day 0
  a.answers = {{"overall", Scale::Stars, 5, true, Sentiment::Positive, ""},
               {"nps", Scale::Nps, 10, true, Sentiment::Positive, ""}};
  a.rater_id = "u1";
  a.first_submitted_at = kT0;
  RatingFigures b;  // a low thumbs answer with two problems by u1 too, the next day
  b.answers = {{"overall", Scale::Thumbs, 0, false, Sentiment::Negative, "audio,video"}};
  b.rater_id = "u1";
  b.first_submitted_at = kT0 + kDay;
  RatingFigures c = b;  // internal: only excluded_internal
  c.internal = true;
  c.rater_id = "u2";
  tally.add(a);
  tally.add(b);
  tally.add(c);
  const Insights in = tally.result();
  EXPECT_EQ(in.total.ratings, 2);
  EXPECT_EQ(in.total.answers, 3);
  EXPECT_EQ(in.total.raters, 1);      // u1 twice; u2 only in an internal rating
  EXPECT_EQ(in.total.csat_answers, 2);  // nps is not a CSAT scale
  EXPECT_EQ(in.total.positive, 1);
  EXPECT_EQ(in.total.excluded_internal, 1);
  EXPECT_EQ(in.total.mean_count, 1);
  EXPECT_EQ(in.total.mean_sum, 5);
  EXPECT_EQ(in.total.thumbs_down, 1);
  EXPECT_EQ(in.total.promoters, 1);
  EXPECT_EQ(in.total.nps().value(), 100.0);
  EXPECT_EQ(in.total.problems, (std::map<std::string, int64_t>{{"audio", 1}, {"video", 1}}));
  ASSERT_EQ(in.total.questions.size(), 2u);
  EXPECT_EQ(in.total.questions.at("overall").ratings, 2);
  EXPECT_EQ(in.total.questions.at("overall").csat().value(), 0.5);
  EXPECT_EQ(in.total.questions.at("nps").ratings, 1);
  EXPECT_FALSE(in.total.questions.at("nps").csat().has_value());
  ASSERT_EQ(in.groups.size(), 2u);
  EXPECT_EQ(in.groups.at("2026-01-01").ratings, 1);
  EXPECT_EQ(in.groups.at("2026-01-02").ratings, 1);
  EXPECT_EQ(in.groups.at("2026-01-02").excluded_internal, 1);
}

TEST(Tally, question_filter_leaves_out_ratings_without_that_question) {
  Tally tally(query("", "nps"));
  RatingFigures a;
  a.answers = {{"overall", Scale::Stars, 5, true, Sentiment::Positive, ""}};
  RatingFigures b;
  b.answers = {{"overall", Scale::Stars, 1, false, Sentiment::Negative, "audio"},
               {"nps", Scale::Nps, 3, false, Sentiment::Negative, ""}};
  RatingFigures c = a;  // internal, without the question: not even excluded
  c.internal = true;
  tally.add(a);
  tally.add(b);
  tally.add(c);
  const Insights in = tally.result();
  EXPECT_EQ(in.total.ratings, 1);
  EXPECT_EQ(in.total.answers, 1);
  EXPECT_EQ(in.total.detractors, 1);
  EXPECT_EQ(in.total.excluded_internal, 0);
  EXPECT_TRUE(in.total.problems.empty());  // b's "audio" belongs to overall
  EXPECT_EQ(in.total.questions.size(), 1u);
  EXPECT_EQ(in.total.nps().value(), -100.0);
}

TEST(Tally, nothing_added_gives_the_empty_result) {
  EXPECT_EQ(insights_to_json(Tally(query("topic")).result()),
            insights_to_json(aggregate({}, query("topic"))));
  EXPECT_EQ(insights_to_json(Tally().result()), insights_to_json(aggregate({})));
}

TEST(Tally, null_group_keys_are_counted_under_none) {
  for (const char* by : {"agent", "topic", "property:model"}) {
    Tally tally(query(by));
    RatingFigures r;
    r.answers = {{"overall", Scale::Stars, 3, false, Sentiment::Neutral, ""}};
    tally.add(r);
    const Insights in = tally.result();
    ASSERT_EQ(in.groups.count(kNoGroupKey), 1u) << by;
    EXPECT_EQ(in.groups.at(kNoGroupKey).ratings, 1);
  }
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
