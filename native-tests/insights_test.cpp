// Contract 6: insights (per-question CSAT, NPS, raters over records with retries and edits,
// rating.v1 and rating.v2 alike) and the fast record reader.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "internal/insights_table.h"
#include "internal/record_scan.h"
#include "record_fixture.h"
#include "session_rating/insights.h"
#include "session_rating/record.h"

using namespace session_rating;
using nlohmann::json;

namespace {

constexpr int64_t kDay = 86400000;

using sr_test::answer;
using sr_test::kT0;
using sr_test::rec;
using sr_test::v1_line;
using sr_test::with_answers;

std::string dump(const Insights& in) { return insights_to_json(in); }

json value(const Insights& in) { return json::parse(insights_to_json(in)); }

InsightsQuery by(const char* text, std::optional<std::string> question = std::nullopt) {
  InsightsQuery q;
  EXPECT_TRUE(parse_group_by(text, q)) << text;
  q.question = std::move(question);
  return q;
}

PropertyValue text_value(const std::string& t) {
  PropertyValue v;
  v.kind = PropertyValue::Kind::String;
  v.text = t;
  return v;
}

PropertyValue number_value(double n) {
  PropertyValue v;
  v.kind = PropertyValue::Kind::Number;
  v.number = n;
  return v;
}

PropertyValue bool_value(bool b) {
  PropertyValue v;
  v.kind = PropertyValue::Kind::Bool;
  v.boolean = b;
  return v;
}

const std::string kEmptyFigures =
    R"("distribution":{"1":0,"2":0,"3":0,"4":0,"5":0})";

}  // namespace

// --- aggregation rules ---------------------------------------------------------------------

TEST(Insights, empty_input_gives_nulls_and_zeros) {
  const Insights in = aggregate({});
  EXPECT_EQ(dump(in),
            R"({"answers":0,"csat":null,"distribution":{"1":0,"2":0,"3":0,"4":0,"5":0},)"
            R"("excluded_internal":0,"mean":null,"nps":null,"problems":{},"questions":{},)"
            R"("raters":0,"ratings":0,"sentiment":{"negative":0,"neutral":0,"positive":0},)"
            R"("thumbs":{"down":0,"up":0}})");
}

TEST(Insights, exact_result_for_a_small_set) {
  // a: 5 stars; b: 2 stars with audio; c: 4 emoji; d: thumbs up; e: internal.
  Record e = rec("e", 1, 1);
  e.internal = true;
  const Insights in = aggregate({rec("a", 1, 5), rec("b", 1, 2), rec("c", 1, 4, Scale::Emoji),
                                 rec("d", 1, 1, Scale::Thumbs), e});
  const std::string figures =
      R"("answers":4,"csat":0.75,"distribution":{"1":0,"2":1,"3":0,"4":1,"5":1},)";
  const std::string rest =
      R"("mean":3.666667,"nps":null,"problems":{"audio":1},)";
  const std::string tail =
      R"("raters":0,"ratings":4,"sentiment":{"negative":1,"neutral":0,"positive":3},)"
      R"("thumbs":{"down":0,"up":1}})";
  EXPECT_EQ(dump(in), "{" + figures + R"("excluded_internal":1,)" + rest + R"("questions":{"overall":{)" +
                          figures + rest + tail + "}," + tail);
}

TEST(Insights, ratios_are_rounded_to_six_decimals_without_floats) {
  auto field = [](const std::string& j, const std::string& key) {
    const std::size_t a = j.find("\"" + key + "\":") + key.size() + 3;
    return j.substr(a, j.find_first_of(",}", a) - a);
  };
  auto csat_text = [&](int64_t positive, int64_t answers) {
    Summary s;
    s.positive = positive;
    s.csat_answers = answers;
    return field(summary_to_json(s), "csat");
  };
  EXPECT_EQ(csat_text(2, 3), "0.666667");
  EXPECT_EQ(csat_text(1, 3), "0.333333");
  EXPECT_EQ(csat_text(1, 8), "0.125");
  EXPECT_EQ(csat_text(5, 5), "1");
  EXPECT_EQ(csat_text(0, 7), "0");
  EXPECT_EQ(csat_text(1, 2000000), "0.000001");  // exactly half: rounds up
  EXPECT_EQ(csat_text(1, 3000000), "0");
  EXPECT_EQ(csat_text(1999999, 2000000), "1");    // 0.9999995 carries into the integer part
  EXPECT_EQ(csat_text(0, 0), "null");
  Summary m;
  m.mean_sum = 17;
  m.mean_count = 4;
  EXPECT_EQ(field(summary_to_json(m), "mean"), "4.25");
  auto nps_score = [&](int64_t p, int64_t pa, int64_t d) {
    Summary s;
    s.promoters = p;
    s.passives = pa;
    s.detractors = d;
    return field(summary_to_json(s), "score");
  };
  EXPECT_EQ(nps_score(1, 1, 1), "0");
  EXPECT_EQ(nps_score(2, 0, 1), "33.333333");
  EXPECT_EQ(nps_score(1, 0, 2), "-33.333333");
  EXPECT_EQ(nps_score(0, 0, 3), "-100");
  EXPECT_EQ(nps_score(3, 0, 0), "100");
  EXPECT_EQ(nps_score(2, 1, 0), "66.666667");
  // Half away from zero on both sides; a negative value that rounds to 0 is "0".
  EXPECT_EQ(nps_score(1, 199999999, 0), "0.000001");
  EXPECT_EQ(nps_score(0, 199999999, 1), "-0.000001");
  EXPECT_EQ(nps_score(0, 299999999, 1), "0");
  Summary none;
  EXPECT_EQ(field(summary_to_json(none), "nps"), "null");
  Summary counts;
  counts.promoters = 5;
  counts.passives = 2;
  counts.detractors = 2;
  const json j = json::parse(summary_to_json(counts));
  EXPECT_EQ(j["nps"], json::parse(R"({"detractors":2,"passives":2,"promoters":5,"responses":9,)"
                                  R"("score":33.333333})"));
}

TEST(Insights, nps_equals_a_count_made_by_hand) {
  // Eleven NPS answers, one per rating; a rating revised from 2 to 9 counts as 9.
  const std::vector<int> scores = {10, 9, 9, 8, 7, 6, 3, 0, 10, 5, 9};
  std::vector<Record> records;
  int64_t promoters = 0, passives = 0, detractors = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const int s = scores[i];
    if (s >= 9) ++promoters;
    else if (s >= 7) ++passives;
    else ++detractors;
    records.push_back(rec("n" + std::to_string(i), 1, s, Scale::Nps));
  }
  records.push_back(rec("n10", 2, 9, Scale::Nps));  // supersedes n10 revision 1 (score 9)
  records.push_back(rec("n10", 1, 2, Scale::Nps));  // an older revision, arriving late
  EXPECT_EQ(promoters, 5);
  EXPECT_EQ(passives, 2);
  EXPECT_EQ(detractors, 4);
  const Insights in = aggregate(records);
  EXPECT_EQ(in.total.promoters, promoters);
  EXPECT_EQ(in.total.passives, passives);
  EXPECT_EQ(in.total.detractors, detractors);
  EXPECT_DOUBLE_EQ(in.total.nps().value(), 100.0 * (5 - 4) / 11);
  const json j = value(in);
  EXPECT_EQ(j["nps"]["responses"], 11);
  EXPECT_EQ(j["nps"]["score"], 9.090909);  // 100 / 11 = 9.0909090…
  EXPECT_TRUE(j["csat"].is_null());        // nps is not a CSAT scale
  EXPECT_TRUE(j["mean"].is_null());
  EXPECT_EQ(j["answers"], 11);
  EXPECT_EQ(j["ratings"], 11);
  EXPECT_EQ(j["distribution"], json::parse(R"({"1":0,"2":0,"3":0,"4":0,"5":0})"));
  EXPECT_EQ(j["questions"]["overall"]["nps"], j["nps"]);
}

TEST(Insights, csat_over_numeric_and_thumbs_mean_only_over_stars_and_emoji) {
  // numeric 1–7 (thresholds 5/6): 7 positive, 6 positive, 2 negative; 0–10: 8 positive.
  const Insights in = aggregate({
      with_answers(rec("a", 1, 5), {answer("ces", Scale::Numeric, 7, 1, 7)}),
      with_answers(rec("b", 1, 5), {answer("ces", Scale::Numeric, 6, 1, 7)}),
      with_answers(rec("c", 1, 5), {answer("ces", Scale::Numeric, 2, 1, 7)}),
      with_answers(rec("d", 1, 5), {answer("ten", Scale::Numeric, 8, 0, 10)}),
      rec("e", 1, 3), rec("f", 1, 0, Scale::Thumbs), rec("g", 1, 9, Scale::Nps)});
  EXPECT_EQ(in.total.ratings, 7);
  EXPECT_EQ(in.total.answers, 7);
  EXPECT_EQ(in.total.csat_answers, 6);  // all but the NPS answer
  EXPECT_EQ(in.total.positive, 3);      // a, b, d; not e (3 stars), f, c
  EXPECT_EQ(in.total.mean_count, 1);    // only e
  EXPECT_EQ(in.total.mean_sum, 3);
  EXPECT_EQ(in.total.thumbs_down, 1);
  EXPECT_EQ(in.total.promoters, 1);
  EXPECT_EQ(in.total.questions.at("ces").csat_answers, 3);
  EXPECT_EQ(in.total.questions.at("ces").positive, 2);
  EXPECT_FALSE(in.total.questions.at("ces").mean().has_value());
  EXPECT_EQ(in.total.questions.at("ten").positive, 1);
  const json j = value(in);
  EXPECT_EQ(j["csat"], 0.5);
  EXPECT_EQ(j["questions"]["ces"]["csat"], 0.666667);
  EXPECT_EQ(j["questions"]["overall"]["mean"], 3);
}

TEST(Insights, per_question_figures_of_two_question_ratings) {
  // The support chat's pair of thumbs questions, plus one single-question rating.
  auto two = [](const std::string& id, int helpful, int experience) {
    return with_answers(rec(id, 1, 5), {answer("HELPFUL_THUMBS", Scale::Thumbs, helpful),
                                        answer("EXPERIENCE_THUMBS", Scale::Thumbs, experience)});
  };
  const Insights in = aggregate({two("a", 1, 1), two("b", 1, 0), two("c", 0, 0),
                                 with_answers(rec("d", 1, 5), {answer("HELPFUL_THUMBS", Scale::Thumbs, 1)})});
  EXPECT_EQ(in.total.ratings, 4);
  EXPECT_EQ(in.total.answers, 7);
  EXPECT_EQ(in.total.thumbs_up, 4);
  EXPECT_EQ(in.total.thumbs_down, 3);
  EXPECT_EQ(in.total.problems.at("audio"), 3);  // each thumbs-down answer picked audio
  ASSERT_EQ(in.total.questions.size(), 2u);
  const Figures& h = in.total.questions.at("HELPFUL_THUMBS");
  const Figures& x = in.total.questions.at("EXPERIENCE_THUMBS");
  EXPECT_EQ(h.ratings, 4);
  EXPECT_EQ(h.answers, 4);
  EXPECT_EQ(h.thumbs_up, 3);
  EXPECT_DOUBLE_EQ(h.csat().value(), 0.75);
  EXPECT_EQ(h.problems.at("audio"), 1);
  EXPECT_EQ(x.ratings, 3);
  EXPECT_EQ(x.thumbs_up, 1);
  EXPECT_EQ(x.problems.at("audio"), 2);
  const json j = value(in);
  EXPECT_FALSE(j["questions"]["HELPFUL_THUMBS"].contains("excluded_internal"));
  EXPECT_FALSE(j["questions"]["HELPFUL_THUMBS"].contains("questions"));
  EXPECT_EQ(j["questions"]["EXPERIENCE_THUMBS"]["csat"], 0.333333);
  EXPECT_EQ(j["csat"], 0.571429);  // 4 of 7 answers
}

TEST(Insights, question_filter_counts_only_that_question) {
  Record a = with_answers(rec("a", 1, 5), {answer("overall", Scale::Stars, 5),
                                           answer("nps", Scale::Nps, 10)});
  a.rater_id = "u1";
  Record b = with_answers(rec("b", 1, 5), {answer("overall", Scale::Stars, 1),
                                           answer("nps", Scale::Nps, 4)});
  b.rater_id = "u2";
  b.answers[1].problems = {"video"};  // "audio" stays with overall
  Record c = rec("c", 1, 2);  // no nps answer: not counted at all
  c.rater_id = "u3";
  Record d = with_answers(rec("d", 1, 5), {answer("nps", Scale::Nps, 8)});
  d.internal = true;  // has the question: counted as excluded
  Record e = rec("e", 1, 5);
  e.internal = true;  // has not: left out entirely
  // f answered nps in revision 1 only; its winning revision 2 has no nps answer.
  Record f1 = with_answers(rec("f", 1, 5), {answer("nps", Scale::Nps, 0)});
  Record f2 = rec("f", 2, 5);
  const Insights in = aggregate({a, b, c, d, e, f1, f2}, by("topic", "nps"));
  EXPECT_EQ(in.total.ratings, 2);
  EXPECT_EQ(in.total.answers, 2);
  EXPECT_EQ(in.total.raters, 2);
  EXPECT_EQ(in.total.excluded_internal, 1);
  EXPECT_EQ(in.total.promoters, 1);
  EXPECT_EQ(in.total.detractors, 1);
  EXPECT_EQ(in.total.mean_count, 0);
  EXPECT_EQ(in.total.problems, (std::map<std::string, int64_t>{{"video", 1}}));
  ASSERT_EQ(in.total.questions.size(), 1u);
  EXPECT_EQ(in.total.questions.count("nps"), 1u);
  ASSERT_EQ(in.groups.size(), 1u);
  EXPECT_EQ(in.groups.at(kNoGroupKey).ratings, 2);
  const json j = value(in);
  EXPECT_EQ(j["question"], "nps");
  EXPECT_EQ(j["nps"]["score"], 0);
  EXPECT_FALSE(value(aggregate({a})).contains("question"));
  // A question nobody answered gives the empty figures.
  const Insights none = aggregate({a, b, c}, by("", "missing"));
  EXPECT_EQ(none.total.ratings, 0);
  EXPECT_TRUE(none.total.questions.empty());
}

TEST(Insights, raters_are_distinct_non_null_rater_ids) {
  // u1 rates two answers of one session and another session; u2 once; two anonymous ratings.
  std::vector<Record> records;
  auto add = [&](const std::string& id, std::optional<std::string> rater,
                 std::optional<std::string> subject, bool internal = false) {
    Record r = with_answers(rec(id, 1, 5), {answer("overall", Scale::Stars, 4),
                                            answer("nps", Scale::Nps, 9)});
    r.rater_id = std::move(rater);
    r.subject_id = std::move(subject);
    r.internal = internal;
    records.push_back(r);
  };
  add("r1", "u1", "m1");
  add("r2", "u1", "m2");
  add("r3", "u1", std::nullopt);
  add("r4", "u2", std::nullopt);
  add("r5", std::nullopt, std::nullopt);
  add("r6", std::nullopt, "m1");
  add("r7", "u3", std::nullopt, true);  // internal: not a counted rater
  const Insights in = aggregate(records, by("agent"));
  EXPECT_EQ(in.total.ratings, 6);
  EXPECT_EQ(in.total.raters, 2);
  EXPECT_EQ(in.total.questions.at("overall").raters, 2);
  EXPECT_EQ(in.total.questions.at("nps").raters, 2);
  EXPECT_EQ(in.groups.at(kNoGroupKey).raters, 2);
  EXPECT_EQ(value(in)["raters"], 2);
}

TEST(Insights, counts_only_the_highest_revision_in_any_order) {
  // Rating r: first 2 stars, edited to 3, then to 5; each sent twice (retries).
  std::vector<Record> records = {rec("r", 1, 2), rec("r", 1, 2), rec("r", 2, 3),
                                 rec("r", 2, 3), rec("r", 3, 5), rec("r", 3, 5),
                                 rec("x", 1, 1)};
  auto less = [](const Record& a, const Record& b) { return record_to_json(a) < record_to_json(b); };
  std::sort(records.begin(), records.end(), less);
  std::string first;
  int orders = 0;
  do {
    const Insights in = aggregate(records);
    EXPECT_EQ(in.total.ratings, 2);
    EXPECT_EQ(in.total.distribution[4], 1);  // r counted once, as 5
    EXPECT_EQ(in.total.distribution[0], 1);  // x
    EXPECT_EQ(in.total.distribution[1], 0);
    EXPECT_EQ(in.total.distribution[2], 0);
    EXPECT_EQ(in.total.problems.at("audio"), 1);  // only x's; r's revision 1 is superseded
    if (first.empty()) first = dump(in);
    EXPECT_EQ(dump(in), first);
    ++orders;
  } while (std::next_permutation(records.begin(), records.end(), less) && orders < 2000);
  EXPECT_GT(orders, 100);
}

TEST(Insights, final_record_wins_a_tie) {
  Record edited = rec("r", 2, 2);                   // not final, revision 2, score 2
  Record fin = rec("r", 2, 5, Scale::Stars, true);  // final of revision 2 (different score to tell)
  for (const auto& order : {std::vector<Record>{edited, fin}, std::vector<Record>{fin, edited}}) {
    const Insights in = aggregate(order);
    EXPECT_EQ(in.total.ratings, 1);
    EXPECT_EQ(in.total.distribution[4], 1);
    EXPECT_EQ(in.total.distribution[1], 0);
  }
}

TEST(Insights, higher_revision_beats_a_final_lower_one) {
  const Insights in = aggregate({rec("r", 1, 5, Scale::Stars, true), rec("r", 2, 1)});
  EXPECT_EQ(in.total.ratings, 1);
  EXPECT_EQ(in.total.distribution[0], 1);
  EXPECT_EQ(in.total.distribution[4], 0);
}

TEST(Insights, equal_revision_ties_are_order_independent_on_every_v2_field) {
  // Records claiming the same revision, final flag and submit time (should not happen; must
  // not flip with the input order), differing in one v2 field each.
  const Record base = with_answers(rec("r", 2, 5), {answer("overall", Scale::Stars, 2),
                                                    answer("nps", Scale::Nps, 9)});
  std::vector<Record> variants;
  Record v = base;
  v.answers[1] = answer("nps", Scale::Nps, 3);
  variants.push_back(v);
  v = base;
  v.answers.pop_back();
  variants.push_back(v);
  v = base;
  v.answers[0].problems = {"video"};
  variants.push_back(v);
  v = base;
  v.answers[0].question = "other";
  variants.push_back(v);
  v = base;
  v.rater_id = "u9";
  variants.push_back(v);
  v = base;
  v.properties = {{"model", text_value("m-9")}};
  variants.push_back(v);
  v = base;
  v.topic = "t";
  variants.push_back(v);
  for (const char* grouping : {"none", "property:model", "topic"}) {
    for (const Record& other : variants) {
      EXPECT_EQ(dump(aggregate({base, other}, by(grouping))),
                dump(aggregate({other, base}, by(grouping))))
          << record_to_json(other) << " by " << grouping;
    }
  }
  // A later submit of the same revision wins outright.
  Record later = base;
  later.submitted_at += 5;
  later.answers[0].problems = {"video"};
  EXPECT_EQ(aggregate({base, later}).total.problems.count("video"), 1u);
  EXPECT_EQ(aggregate({later, base}).total.problems.count("video"), 1u);
  EXPECT_EQ(aggregate({later, base}).total.problems.count("audio"), 0u);
}

TEST(Insights, internal_ratings_are_excluded_and_counted_by_latest_revision) {
  Record i1 = rec("i", 1, 1);
  i1.internal = true;
  Record i2 = rec("i", 2, 1);
  i2.internal = true;
  Record j1 = rec("j", 1, 5);
  j1.internal = true;
  Record j2 = rec("j", 2, 5);  // latest revision of j is not internal: counted
  const Insights in = aggregate({i1, i2, i2, j2, j1, rec("k", 1, 3)});
  EXPECT_EQ(in.total.excluded_internal, 1);  // i once, despite three records
  EXPECT_EQ(in.total.ratings, 2);            // j and k
  EXPECT_EQ(in.total.distribution[0], 0);
  EXPECT_DOUBLE_EQ(in.total.csat().value(), 0.5);
}

TEST(Insights, only_internal_gives_null_csat_and_mean) {
  Record r = rec("a", 1, 5);
  r.internal = true;
  const json j = value(aggregate({r}));
  EXPECT_TRUE(j["csat"].is_null());
  EXPECT_TRUE(j["mean"].is_null());
  EXPECT_EQ(j["ratings"], 0);
  EXPECT_EQ(j["excluded_internal"], 1);
  EXPECT_EQ(j["questions"], json::object());
}

TEST(Insights, thumbs_count_in_csat_and_sentiment_but_not_mean) {
  const Insights in = aggregate({rec("a", 1, 1, Scale::Thumbs), rec("b", 1, 0, Scale::Thumbs),
                                 rec("c", 1, 0, Scale::Thumbs), rec("d", 1, 3),
                                 rec("e", 1, 5, Scale::Emoji)});
  EXPECT_EQ(in.total.ratings, 5);
  EXPECT_EQ(in.total.thumbs_up, 1);
  EXPECT_EQ(in.total.thumbs_down, 2);
  EXPECT_DOUBLE_EQ(in.total.mean().value(), 4.0);  // (3 + 5) / 2
  EXPECT_DOUBLE_EQ(in.total.csat().value(), 0.4);  // a and e
  EXPECT_EQ(in.total.sentiment[static_cast<int>(Sentiment::Negative)], 2);
  EXPECT_EQ(in.total.sentiment[static_cast<int>(Sentiment::Neutral)], 1);
  EXPECT_EQ(in.total.sentiment[static_cast<int>(Sentiment::Positive)], 2);
  EXPECT_EQ((in.total.distribution), (std::array<int64_t, 5>{0, 0, 1, 0, 1}));
  EXPECT_EQ(in.total.problems.at("audio"), 3);  // b, c (thumbs down) and d (3 is low)
}

TEST(Insights, csat_uses_the_records_own_thresholds) {
  Record r = rec("a", 1, 3);  // 3 stars: not positive under positive_min 4
  Record lenient = rec("b", 1, 3);
  Answer& a = lenient.answers[0];
  a.low_score_max = 2;
  a.positive_min = 3;
  a.positive = true;
  a.sentiment = Sentiment::Positive;
  a.problems.clear();
  ASSERT_TRUE(check_record(lenient).empty()) << errors_to_json(check_record(lenient));
  const Insights in = aggregate({r, lenient});
  EXPECT_DOUBLE_EQ(in.total.csat().value(), 0.5);
}

TEST(Insights, problems_are_counted_per_id_from_the_winning_record) {
  Record a = rec("a", 1, 1);
  a.answers[0].problems = {"audio", "video"};
  Record a2 = rec("a", 2, 2);
  a2.answers[0].problems = {"video", "other"};
  Record b = rec("b", 1, 2);
  b.answers[0].problems = {"other"};
  const json j = value(aggregate({a, b, a2}));
  EXPECT_EQ(j["problems"], json::parse(R"({"other":2,"video":1})"));
}

// --- grouping ----------------------------------------------------------------------------

TEST(Insights, group_by_topic_with_none_key) {
  Record a = rec("a", 1, 5);
  a.topic = "billing";
  Record b = rec("b", 1, 1);
  b.topic = "billing";
  Record c = rec("c", 1, 4);
  Record d = rec("d", 1, 2);
  d.topic = "login";
  d.internal = true;
  const json j = value(aggregate({a, b, c, d}, by("topic")));
  ASSERT_TRUE(j.contains("groups"));
  const json& g = j["groups"];
  EXPECT_EQ(g.size(), 3u);
  EXPECT_EQ(g["billing"]["ratings"], 2);
  EXPECT_EQ(g["billing"]["csat"], 0.5);
  EXPECT_EQ(g["billing"]["questions"]["overall"]["ratings"], 2);
  EXPECT_EQ(g["(none)"]["ratings"], 1);
  EXPECT_EQ(g["(none)"]["mean"], 4.0);
  EXPECT_EQ(g["login"]["ratings"], 0);
  EXPECT_EQ(g["login"]["excluded_internal"], 1);
  EXPECT_TRUE(g["login"]["csat"].is_null());
  EXPECT_EQ(j["ratings"], 3);  // the total is still there
  EXPECT_EQ(j["excluded_internal"], 1);
}

TEST(Insights, group_by_agent_uses_the_winning_record) {
  Record a1 = rec("a", 1, 5);
  a1.agent_id = "ag1";
  Record a2 = rec("a", 2, 1);
  a2.agent_id = "ag2";  // unusual, but the latest revision decides the group
  Record b = rec("b", 1, 3);
  const json j = value(aggregate({a2, a1, b}, by("agent")));
  EXPECT_EQ(j["groups"].size(), 2u);
  EXPECT_EQ(j["groups"]["ag2"]["ratings"], 1);
  EXPECT_EQ(j["groups"]["ag2"]["distribution"]["1"], 1);
  EXPECT_EQ(j["groups"]["(none)"]["ratings"], 1);
  EXPECT_FALSE(j["groups"].contains("ag1"));
}

TEST(Insights, group_by_utc_day_of_first_submit) {
  Record late = rec("a", 1, 5);
  late.first_submitted_at = late.submitted_at = kT0 - 1;  // 2025-12-31T23:59:59.999Z
  late.edit_deadline = kT0 + 10;
  Record early = rec("b", 1, 4);   // 2026-01-01T00:00:00.000Z
  Record edited = rec("c", 2, 1);  // first submitted 2026-01-01, edited on 2026-01-03
  edited.submitted_at = kT0 + 2 * kDay + 5;
  edited.edit_deadline = kT0 + 3 * kDay;
  Record leap = rec("d", 1, 3);
  leap.first_submitted_at = leap.submitted_at = 1709164800000;  // 2024-02-29T00:00:00Z
  leap.edit_deadline = leap.first_submitted_at;
  const json j = value(aggregate({late, early, edited, leap}, by("day")));
  const json& g = j["groups"];
  ASSERT_EQ(g.size(), 3u) << j.dump();
  EXPECT_EQ(g["2025-12-31"]["ratings"], 1);
  EXPECT_EQ(g["2026-01-01"]["ratings"], 2);
  EXPECT_EQ(g["2024-02-29"]["ratings"], 1);
  std::vector<std::string> keys;
  for (auto it = g.begin(); it != g.end(); ++it) keys.push_back(it.key());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TEST(Insights, group_by_property_of_string_number_and_bool_values) {
  auto with = [](const std::string& id, int score, Properties props) {
    Record r = rec(id, 1, score);
    r.properties = std::move(props);
    return r;
  };
  const std::vector<Record> records = {
      with("a", 5, {{"beta", bool_value(true)}, {"model", text_value("m-2")}, {"temp", number_value(0.5)}}),
      with("b", 1, {{"beta", bool_value(false)}, {"model", text_value("m-2")}, {"temp", number_value(3)}}),
      with("c", 4, {{"model", text_value("m-1")}, {"temp", number_value(0.5)}}),
      with("d", 2, {}),
      with("e", 5, {{"model", text_value("(none)")}}),  // joins the absent ones
  };
  const json model = value(aggregate(records, by("property:model")));
  EXPECT_EQ(model["groups"].size(), 3u) << model.dump();
  EXPECT_EQ(model["groups"]["m-2"]["ratings"], 2);
  EXPECT_EQ(model["groups"]["m-2"]["csat"], 0.5);
  EXPECT_EQ(model["groups"]["m-1"]["ratings"], 1);
  EXPECT_EQ(model["groups"]["(none)"]["ratings"], 2);
  EXPECT_EQ(model["groups"]["(none)"]["mean"], 3.5);
  const json temp = value(aggregate(records, by("property:temp")));
  EXPECT_EQ(temp["groups"].size(), 3u) << temp.dump();
  EXPECT_EQ(temp["groups"]["0.5"]["ratings"], 2);
  EXPECT_EQ(temp["groups"]["3"]["ratings"], 1);
  EXPECT_EQ(temp["groups"]["(none)"]["ratings"], 2);
  const json beta = value(aggregate(records, by("property:beta")));
  EXPECT_EQ(beta["groups"].size(), 3u) << beta.dump();
  EXPECT_EQ(beta["groups"]["true"]["ratings"], 1);
  EXPECT_EQ(beta["groups"]["false"]["ratings"], 1);
  EXPECT_EQ(beta["groups"]["(none)"]["ratings"], 3);
  const json absent = value(aggregate(records, by("property:nobody_sets_this")));
  EXPECT_EQ(absent["groups"].size(), 1u);
  EXPECT_EQ(absent["groups"]["(none)"]["ratings"], 5);
}

TEST(Insights, grouped_and_filtered_result_exact_json) {
  Record a = with_answers(rec("a", 1, 5), {answer("nps", Scale::Nps, 10)});
  a.properties = {{"model", text_value("m\"2")}};  // keys are escaped
  a.rater_id = "u1";
  const std::string j = insights_to_json(aggregate({a, rec("b", 1, 1)}, by("property:model", "nps")));
  const std::string nps = R"("nps":{"detractors":0,"passives":0,"promoters":1,"responses":1,"score":100},)";
  const std::string sentiment = R"("sentiment":{"negative":0,"neutral":0,"positive":1},"thumbs":{"down":0,"up":0})";
  const std::string fig = R"("answers":1,"csat":null,)" + kEmptyFigures + ",";
  const std::string q = R"("questions":{"nps":{)" + fig + R"("mean":null,)" + nps +
                        R"("problems":{},"raters":1,"ratings":1,)" + sentiment + "}},";
  const std::string summary_tail = R"("problems":{},)";
  EXPECT_EQ(j, "{" + fig + R"("excluded_internal":0,"groups":{"m\"2":{)" + fig +
                   R"("excluded_internal":0,"mean":null,)" + nps + summary_tail + q +
                   R"("raters":1,"ratings":1,)" + sentiment + "}}," + R"("mean":null,)" + nps +
                   summary_tail + R"("question":"nps",)" + q + R"("raters":1,"ratings":1,)" +
                   sentiment + "}");
  EXPECT_TRUE(json::parse(j, nullptr, false).is_object());
}

TEST(Insights, a_topic_spelled_none_joins_the_null_topic_group) {
  // Two different topics (null and the text "(none)") share the group key "(none)": one
  // group holding both, whatever order the records come in.
  Record a = rec("a", 1, 5);
  Record b = rec("b", 1, 1);
  b.topic = std::string(kNoGroupKey);
  for (const auto& records : {std::vector<Record>{a, b}, std::vector<Record>{b, a}}) {
    const Insights in = aggregate(records, by("topic"));
    ASSERT_EQ(in.groups.size(), 1u);
    EXPECT_EQ(in.groups.at(kNoGroupKey).ratings, 2);
    EXPECT_EQ(in.groups.at(kNoGroupKey).positive, 1);
    EXPECT_EQ(in.groups.at(kNoGroupKey).problems.at("audio"), 1);
  }
}

TEST(Insights, no_groups_key_without_by) {
  EXPECT_FALSE(value(aggregate({rec("a", 1, 5)})).contains("groups"));
  EXPECT_TRUE(value(aggregate({}, by("day"))).contains("groups"));
}

TEST(Insights, parse_group_by_names) {
  InsightsQuery q;
  q.by = GroupBy::Day;
  EXPECT_TRUE(parse_group_by("topic", q));
  EXPECT_EQ(q.by, GroupBy::Topic);
  EXPECT_TRUE(parse_group_by("agent", q));
  EXPECT_EQ(q.by, GroupBy::Agent);
  EXPECT_TRUE(parse_group_by("property:model_v2", q));
  EXPECT_EQ(q.by, GroupBy::Property);
  EXPECT_EQ(q.property, "model_v2");
  EXPECT_TRUE(parse_group_by("", q));
  EXPECT_EQ(q.by, GroupBy::None);
  EXPECT_EQ(q.property, "");
  q.by = GroupBy::Day;
  for (const char* bad : {"week", "property:", "property:Model", "property:a-b", "property",
                          "property:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Topic"}) {
    EXPECT_FALSE(parse_group_by(bad, q)) << bad;
    EXPECT_EQ(q.by, GroupBy::Day) << bad;  // unchanged
  }
  EXPECT_TRUE(parse_group_by("property:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", q));  // 40
  EXPECT_STREQ(group_by_name(GroupBy::Day), "day");
  EXPECT_STREQ(group_by_name(GroupBy::Property), "property");
}

// --- randomised: order independence and agreement with a naive reference -------------------

TEST(Insights, random_streams_match_a_naive_reference_in_any_order) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 10; ++round) {
    std::vector<Record> records;
    std::map<std::string, Record> best;
    sr_test::random_ratings(rng, 80, records, best);
    // Naive reference over the winners, per answer.
    int64_t ratings = 0, answers = 0, csat_answers = 0, positive = 0, excluded = 0, sum = 0,
            n15 = 0, promoters = 0, detractors = 0;
    std::set<std::string> raters;
    std::map<std::string, int64_t> per_question;
    for (const auto& [id, r] : best) {
      if (r.internal) {
        ++excluded;
        continue;
      }
      ++ratings;
      if (r.rater_id) raters.insert(*r.rater_id);
      for (const Answer& a : r.answers) {
        ++answers;
        ++per_question[a.question];
        if (a.scale != Scale::Nps) {
          ++csat_answers;
          positive += a.positive;
        }
        if (a.scale == Scale::Stars || a.scale == Scale::Emoji) {
          sum += a.score;
          ++n15;
        }
        if (a.scale == Scale::Nps && a.score >= 9) ++promoters;
        if (a.scale == Scale::Nps && a.score <= 6) ++detractors;
      }
    }
    std::string expected;
    for (int shuffle = 0; shuffle < 4; ++shuffle) {
      std::shuffle(records.begin(), records.end(), rng);
      const Insights in = aggregate(records, by("topic"));
      EXPECT_EQ(in.total.ratings, ratings);
      EXPECT_EQ(in.total.answers, answers);
      EXPECT_EQ(in.total.csat_answers, csat_answers);
      EXPECT_EQ(in.total.positive, positive);
      EXPECT_EQ(in.total.excluded_internal, excluded);
      EXPECT_EQ(in.total.mean_sum, sum);
      EXPECT_EQ(in.total.mean_count, n15);
      EXPECT_EQ(in.total.promoters, promoters);
      EXPECT_EQ(in.total.detractors, detractors);
      EXPECT_EQ(in.total.raters, static_cast<int64_t>(raters.size()));
      for (const auto& [q, n] : per_question) EXPECT_EQ(in.total.questions.at(q).answers, n) << q;
      int64_t group_total = 0;
      for (const auto& [key, s] : in.groups) group_total += s.ratings + s.excluded_internal;
      EXPECT_EQ(group_total, static_cast<int64_t>(best.size()));
      if (expected.empty()) expected = dump(in);
      EXPECT_EQ(dump(in), expected) << "round " << round << " shuffle " << shuffle;
    }
  }
}

// --- Aggregator and JSON input: rating.v1 and rating.v2 ---------------------------------------

TEST(Insights, aggregator_add_json_counts_valid_and_rejects_invalid) {
  Aggregator agg;
  EXPECT_TRUE(agg.add_json(record_to_json(rec("a", 1, 5))).empty());
  EXPECT_TRUE(agg.add_json(record_to_json(rec("a", 2, 1))).empty());
  Record bad = rec("b", 1, 5);
  bad.answers[0].positive = false;  // disagrees with the score
  const Errors errors = agg.add_json(record_to_json(bad));
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].path, "/answers/0/positive");
  EXPECT_EQ(errors[0].code, "conflict");
  EXPECT_FALSE(agg.add_json("{not json").empty());
  EXPECT_EQ(agg.records_added(), 2);
  EXPECT_EQ(agg.distinct_ratings(), 1);
  EXPECT_EQ(agg.result().total.distribution[0], 1);
  EXPECT_EQ(agg.result_json(), dump(aggregate({rec("a", 2, 1)})));
}

TEST(Insights, v1_and_v2_lines_mixed_count_as_the_same_ratings) {
  // The same ratings as v1 lines, as v2 lines, and mixed (a v1 revision 1 edited by a v2
  // revision 2): one answer to "overall" each, the same figures.
  std::vector<Record> records = {rec("a", 1, 5), rec("b", 1, 2, Scale::Emoji),
                                 rec("c", 1, 0, Scale::Thumbs), rec("c", 2, 1, Scale::Thumbs),
                                 rec("d", 1, 1)};
  records[1].topic = "billing";
  records[4].agent_id = "ag.1";
  records[4].internal = true;
  Aggregator v1(by("topic"));
  Aggregator v2(by("topic"));
  Aggregator mixed(by("topic"));
  for (std::size_t i = 0; i < records.size(); ++i) {
    ASSERT_TRUE(v1.add_json(v1_line(records[i])).empty()) << v1_line(records[i]);
    ASSERT_TRUE(v2.add_json(record_to_json(records[i])).empty());
    const std::string line = i % 2 ? v1_line(records[i]) : record_to_json(records[i]);
    ASSERT_TRUE(mixed.add_json(line).empty()) << line;
  }
  EXPECT_EQ(v1.result_json(), v2.result_json());
  EXPECT_EQ(mixed.result_json(), v2.result_json());
  const Insights in = mixed.result();
  EXPECT_EQ(in.total.ratings, 3);
  EXPECT_EQ(in.total.thumbs_up, 1);  // c's revision 2 (a v2 line) beat its v1 revision 1
  EXPECT_EQ(in.total.excluded_internal, 1);
  EXPECT_EQ(in.total.questions.at("overall").ratings, 3);
  EXPECT_EQ(in.groups.at("billing").ratings, 1);
}

TEST(Insights, aggregate_json_gives_the_result_object) {
  const Record c = with_answers(rec("c", 1, 5), {answer("nps", Scale::Nps, 9)});
  const std::string arr = "[" + record_to_json(rec("a", 1, 5)) + "," +
                          record_to_json(rec("a", 2, 4)) + "," +
                          v1_line(rec("b", 1, 2, Scale::Emoji)) + "," + record_to_json(c) + "]";
  const json j = json::parse(aggregate_json(arr, "topic"));
  EXPECT_EQ(j["ratings"], 3);
  EXPECT_EQ(j["distribution"]["4"], 1);
  EXPECT_EQ(j["distribution"]["2"], 1);
  EXPECT_EQ(j["nps"]["promoters"], 1);
  EXPECT_EQ(j["groups"]["(none)"]["ratings"], 3);
  EXPECT_FALSE(j.contains("question"));
  EXPECT_EQ(json::parse(aggregate_json("[]", "")), json::parse(dump(aggregate({}))));
  const json f = json::parse(aggregate_json(arr, "", "overall"));
  EXPECT_EQ(f["ratings"], 2);  // a, and b (the v1 record's answer is to "overall")
  EXPECT_EQ(f["question"], "overall");
  EXPECT_TRUE(f["nps"].is_null());
  const std::vector<Record> same = {rec("a", 1, 5), rec("a", 2, 4), rec("b", 1, 2, Scale::Emoji), c};
  EXPECT_EQ(json::parse(aggregate_json(arr, "property:model", "nps")),
            value(aggregate(same, by("property:model", "nps"))));
  EXPECT_EQ(json::parse(aggregate_json(arr, "day")), value(aggregate(same, by("day"))));
}

TEST(Insights, aggregate_json_refuses_invalid_records_with_indexed_paths) {
  json arr = json::array();
  for (int i = 0; i < 5; ++i)
    arr.push_back(json::parse(record_to_json(rec("r" + std::to_string(i), 1, 5))));
  arr[3]["answers"][0]["score"] = 9;
  arr[1]["colour"] = "red";
  arr[4] = json::parse(v1_line(rec("v", 1, 5)));
  arr[4]["score"] = 0;
  const json j = json::parse(aggregate_json(arr.dump(), "day"));
  ASSERT_TRUE(j.contains("error")) << j.dump();
  bool score = false, unknown = false, v1 = false;
  for (const json& e : j["error"]) {
    const std::string path = e["path"];
    score |= path == "/3/answers/0/score";
    unknown |= path == "/1/colour" && e["code"] == "unknown_field";
    v1 |= path.rfind("/4/", 0) == 0;
    EXPECT_NE(path.rfind("/0", 0) == 0 && path.size() > 1 && path[2] == '/', true) << path;
  }
  EXPECT_TRUE(score) << j.dump();
  EXPECT_TRUE(unknown) << j.dump();
  EXPECT_TRUE(v1) << j.dump();
}

TEST(Insights, aggregate_json_reports_bad_by_question_and_json) {
  json j = json::parse(aggregate_json("[]", "week"));
  ASSERT_TRUE(j.contains("error"));
  EXPECT_EQ(j["error"][0]["path"], "/by");
  EXPECT_EQ(j["error"][0]["code"], "invalid_value");
  j = json::parse(aggregate_json("[]", "property:Bad-Key"));
  EXPECT_EQ(j["error"][0]["path"], "/by");
  j = json::parse(aggregate_json("[]", "", "no spaces"));
  ASSERT_TRUE(j.contains("error"));
  EXPECT_EQ(j["error"][0]["path"], "/question");
  EXPECT_EQ(j["error"][0]["code"], "invalid_value");
  j = json::parse(aggregate_json("[]", "", std::string(41, 'q')));
  EXPECT_EQ(j["error"][0]["path"], "/question");
  j = json::parse(aggregate_json("[]", "week", "?"));  // both at once
  EXPECT_EQ(j["error"].size(), 2u);
  j = json::parse(aggregate_json("[1,", ""));
  EXPECT_EQ(j["error"][0]["code"], "invalid_json");
  j = json::parse(aggregate_json("{}", ""));
  EXPECT_EQ(j["error"][0]["code"], "wrong_type");
  j = json::parse(aggregate_json("[7]", ""));
  EXPECT_EQ(j["error"][0]["path"], "/0");
}

// --- the fast reader agrees with record_from_json --------------------------------------------

namespace {

std::vector<Record> sample_records() {
  std::vector<Record> out;
  out.push_back(rec("plain", 1, 5));
  Record low = rec("low:1.x_y-z", 3, 2, Scale::Emoji, true);
  low.answers[0].problems = {"audio", "screen_share"};
  low.answers[0].comment =
      "Ton brach ab \xe2\x80\x94 \"zweimal\"\n\tbitte [email] anrufen \\ danke \xf0\x9f\x99\x82";
  low.answers[0].redactions = {{"email", 1}, {"phone", 2}};
  low.topic = "Facturaci\xc3\xb3n / billing";
  low.agent_id = "agent.7";
  low.internal = true;
  out.push_back(low);
  Record thumbs = rec("t", 1, 0, Scale::Thumbs);
  thumbs.answers[0].comment = "no";
  out.push_back(thumbs);
  Record lenient = rec("len", 1, 3);
  Answer& a = lenient.answers[0];
  a.low_score_max = 2;
  a.positive_min = 3;
  a.positive = true;
  a.sentiment = Sentiment::Positive;
  a.problems.clear();
  out.push_back(lenient);
  out.push_back(rec("n", 1, 6, Scale::Nps));
  // A full v2 record: three questions, rater, subject, properties of every kind.
  Record full = with_answers(rec("rt-full", 2, 5),
                             {answer("HELPFUL_THUMBS", Scale::Thumbs, 0),
                              answer("ces", Scale::Numeric, 4, 1, 7),
                              answer("nps", Scale::Nps, 10)});
  full.answers[0].comment = "wrong \xc3\xa4nswer";
  full.rater_id = "u-7f3a";
  full.edit_deadline.reset();  // live session, end not reported yet
  full.subject_id = "msg:42";
  full.properties = {{"beta", bool_value(false)},
                     {"model", text_value("gpt \"x\" \xe2\x80\x94 v2")},
                     {"n", number_value(-3)},
                     {"temp", number_value(0.25)},
                     {"z", number_value(123456.000001)}};
  out.push_back(full);
  return out;
}

void expect_same(const std::string& text) {
  Record fast;
  Record slow;
  const Errors fe = parse_record_fast(text, fast);
  const Errors se = record_from_json(text, slow);
  ASSERT_EQ(errors_to_json(fe), errors_to_json(se)) << text;
  if (fe.empty()) {
    ASSERT_EQ(record_to_json(fast), record_to_json(slow)) << text;
  }
}

// Every sample as a v2 line, and the samples rating.v1 could express also as v1 lines.
std::vector<std::string> sample_lines() {
  std::vector<std::string> lines;
  for (const Record& r : sample_records()) {
    lines.push_back(record_to_json(r));
    if (r.answers.size() == 1 && r.answers[0].question == "overall" && !r.rater_id &&
        !r.subject_id && r.properties.empty() && r.answers[0].scale != Scale::Nps &&
        r.edit_deadline)  // rating.v1 had no nps and no null deadline
      lines.push_back(v1_line(r));
  }
  return lines;
}

}  // namespace

TEST(Insights, fast_reader_reads_valid_records_exactly) {
  int v1 = 0;
  for (const std::string& text : sample_lines()) {
    Record out;
    ASSERT_TRUE(parse_record_fast(text, out).empty()) << text;
    Record dom;
    int version = 0;
    ASSERT_TRUE(record_from_json(text, dom, &version).empty()) << text;
    EXPECT_EQ(record_to_json(out), record_to_json(dom));
    // Read by the scanner itself, not by the fallback.
    Record scanned;
    EXPECT_TRUE(internal::scan_record(text, scanned)) << text;
    EXPECT_TRUE(internal::scan_record(json::parse(text).dump(2), scanned)) << text;
    EXPECT_EQ(record_to_json(scanned), record_to_json(dom));
    if (version == 1) {
      ++v1;
      ASSERT_EQ(out.answers.size(), 1u);
      EXPECT_EQ(out.answers[0].question, "overall");
      EXPECT_FALSE(out.rater_id.has_value());
      EXPECT_TRUE(out.properties.empty());
    } else {
      EXPECT_EQ(record_to_json(out), text);
    }
    // Pretty-printed and reordered (sorted keys) too.
    const json j = json::parse(text);
    expect_same(j.dump(2));
    expect_same(j.dump());
    expect_same("  " + text + " \r\n");
  }
  EXPECT_GE(v1, 4);
}

TEST(Insights, fast_reader_reuses_its_output_across_v1_and_v2_lines) {
  // Aggregator::add_json reads every line into one scratch Record: nothing of a previous
  // line (more answers, properties, a rater) may leak into the next.
  const std::vector<std::string> lines = sample_lines();
  Record scratch;
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string& text = lines[pass ? lines.size() - 1 - i : i];
      Record fresh;
      ASSERT_TRUE(parse_record_fast(text, scratch).empty());
      ASSERT_TRUE(record_from_json(text, fresh).empty());
      EXPECT_EQ(record_to_json(scratch), record_to_json(fresh)) << text;
    }
  }
}

TEST(Insights, fast_reader_agrees_with_dom_reader_on_mutations) {
  const std::vector<std::string> inserts = {"\"", "\\", "x", "1", " ", "}", "]", ",", ":",
                                            "\x01", "\xc3", "\xff", "-", ".5", "e3", "null",
                                            "\\u0041", "{}", "[]", "0"};
  int cases = 0;
  for (const std::string& text : sample_lines()) {
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i < text.size()) {
        std::string del = text;
        del.erase(i, 1);
        expect_same(del);
        ++cases;
      }
      for (const std::string& ins : inserts) {
        if (i % 3 != 0 && ins.size() > 1) continue;  // keep the run short
        std::string m = text;
        m.insert(i, ins);
        expect_same(m);
        ++cases;
        if (i < text.size()) {
          std::string rep = text;
          rep.replace(i, 1, ins);
          expect_same(rep);
          ++cases;
        }
      }
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(cases, 20000);
}

TEST(Insights, fast_reader_structural_edge_cases) {
  std::vector<std::string> texts;
  // Missing, null and extra fields; duplicates; non-integers; \u escapes; huge numbers —
  // at the top level of a v1 and a v2 record, and inside a v2 answer and its properties.
  auto mutate_members = [&](const json& base, const std::function<json&(json&)>& at) {
    json probe = base;
    const json& obj = at(probe);
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      for (const json& replacement : {json(nullptr), json(1.0), json("x"), json(true),
                                      json::array(), json::object(), json(-1)}) {
        json m = base;
        at(m)[it.key()] = replacement;
        texts.push_back(m.dump());
      }
      json m = base;
      at(m).erase(it.key());
      texts.push_back(m.dump());
    }
    json m = base;
    at(m)["extra"] = 1;
    texts.push_back(m.dump());
  };
  const json v2 = json::parse(record_to_json(sample_records().back()));
  const json v1 = json::parse(v1_line(sample_records()[1]));
  mutate_members(v2, [](json& j) -> json& { return j; });
  mutate_members(v1, [](json& j) -> json& { return j; });
  mutate_members(v2, [](json& j) -> json& { return j["answers"][1]; });
  mutate_members(v2, [](json& j) -> json& { return j["properties"]; });
  mutate_members(v2, [](json& j) -> json& { return j["answers"][0]["thresholds"]; });
  for (const json& base : {v1, v2}) {
    const std::string t = base.dump();
    texts.push_back(t.substr(0, t.size() - 1) + ",\"revision\":2}");  // duplicate key
    texts.push_back("[" + t + "]");
    texts.push_back(t + t);
    texts.push_back(t + " x");
    texts.push_back(std::string("\xEF\xBB\xBF") + t);  // BOM
    json m = base;
    m["revision"] = 2.0;
    texts.push_back(m.dump());
    m["revision"] = 123456789012345678901.0;
    texts.push_back(m.dump());
    m = base;
    m["topic"] = std::string(129, 't');
    texts.push_back(m.dump());
    m["topic"] = "";
    texts.push_back(m.dump());
  }
  // v2 specifics: answer counts, ranges, duplicate questions and property keys, v1/v2 mixes.
  json m = v2;
  m["answers"] = json::array();
  texts.push_back(m.dump());
  for (int i = 0; i < 3; ++i) m["answers"].push_back(v2["answers"][0]);
  texts.push_back(m.dump());  // duplicate questions
  m = v2;
  for (int i = 0; i < 3; ++i) {
    json a = v2["answers"][0];
    a["question"] = "q" + std::to_string(i);
    m["answers"].push_back(a);
  }
  texts.push_back(m.dump());  // 6 answers
  m["answers"].erase(m["answers"].size() - 1);
  texts.push_back(m.dump());  // 5 answers: valid
  m = v2;
  m["answers"][1]["range"] = json::parse("[1, 7, 9]");
  texts.push_back(m.dump());
  m["answers"][1]["range"] = json::parse("[0, 7]");
  texts.push_back(m.dump());
  m["answers"][1]["range"] = json::parse("[1, 2000]");
  texts.push_back(m.dump());
  m["answers"][1]["range"] = json::parse("[1.0, 7]");
  texts.push_back(m.dump());
  m = v2;
  m["answers"][0]["comment"] = std::string(5001, 'a');
  texts.push_back(m.dump());
  m["answers"][0]["comment"] = std::string(5000, 'a');
  texts.push_back(m.dump());
  m = v2;
  m["answers"][0]["problems"] = json::array();
  for (int i = 0; i < 21; ++i) m["answers"][0]["problems"].push_back("p" + std::to_string(i));
  texts.push_back(m.dump());
  m = v2;
  for (int i = 0; i < 16; ++i) m["properties"]["k" + std::to_string(i)] = i;
  texts.push_back(m.dump());  // 21 properties
  m["properties"].erase("k15");
  texts.push_back(m.dump());  // 20: valid
  m = v2;
  m["properties"]["temp"] = std::string(201, 'v');
  texts.push_back(m.dump());
  m["properties"]["temp"] = "";
  texts.push_back(m.dump());
  m["properties"]["Temp"] = 1;
  texts.push_back(m.dump());
  const std::string t2 = v2.dump();
  texts.push_back(t2.substr(0, t2.size() - 2) + ",\"x\":1e400}}");    // overflows: refused
  texts.push_back(t2.substr(0, t2.size() - 2) + ",\"temp\":1}}");      // duplicate property
  texts.push_back(t2.substr(0, t2.size() - 2) + ",\"x\":1.5e-3}}");   // exponent number
  texts.push_back(t2.substr(0, t2.size() - 2) + ",\"x\":12345678901234567890}}");
  m = v2;
  m["schema"] = "rating.v1";
  texts.push_back(m.dump());  // v2 fields under the v1 name
  m = v1;
  m["schema"] = "rating.v2";
  texts.push_back(m.dump());
  m = v1;
  m["rater_id"] = "u1";
  texts.push_back(m.dump());  // a v1 record with a v2 field
  m = v2;
  m["score"] = 3;
  texts.push_back(m.dump());
  m = v1;
  m["scale"] = "nps";
  m["score"] = 10;
  texts.push_back(m.dump());  // v1 never had nps: whatever the DOM reader says
  m = v1;
  m["scale"] = "numeric";
  texts.push_back(m.dump());
  m = v1;  // old cores wrote the config's 3 / 4 thresholds into thumbs records
  m["scale"] = "thumbs";
  m["score"] = 1;
  m["positive"] = true;
  m["sentiment"] = "positive";
  m["problems"] = json::array();
  m["comment"] = "";
  m["redactions"] = json::array();
  m["thresholds"] = json::parse(R"({"low_score_max":3,"positive_min":4})");
  texts.push_back(m.dump());
  {
    Record thumbs;
    ASSERT_TRUE(parse_record_fast(m.dump(), thumbs).empty()) << m.dump();
    EXPECT_EQ(thumbs.answers.at(0).min, 0);
    EXPECT_EQ(thumbs.answers.at(0).max, 1);
  }
  texts.push_back(R"({"schema":"rating.v2","rating_id":"\u0041"})");
  texts.push_back(R"({"schema":"rating.v\u0032"})");
  texts.push_back("");
  texts.push_back("{}");
  for (const std::string& s : texts) {
    expect_same(s);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(texts.size(), 300u);
}

// --- merge: one Aggregator per part of the input, merged, equals one Aggregator ---------------

namespace {

// Records with retries, edits and conflicting copies (same revision, final flag and submit
// time, other content: the fixed tie-break order decides), in a random order.
std::vector<Record> records_with_conflicts(std::mt19937_64& rng, int count) {
  std::vector<Record> records;
  std::map<std::string, Record> best;
  sr_test::random_ratings(rng, count, records, best);
  const std::size_t n = records.size();
  for (std::size_t i = 0; i < n; i += 7) {
    Record copy = records[i];
    copy.answers[0].score = copy.answers[0].min;
    copy.answers[0].positive = false;
    copy.answers[0].sentiment = Sentiment::Negative;
    copy.topic = "conflict";
    records.push_back(copy);
  }
  std::shuffle(records.begin(), records.end(), rng);
  return records;
}

}  // namespace

TEST(Insights, merged_parts_equal_one_aggregator_for_every_split_and_order) {
  std::mt19937_64 rng(1414);
  for (int round = 0; round < 4; ++round) {
    const std::vector<Record> records = records_with_conflicts(rng, 150);
    for (const InsightsQuery& q : {by("none"), by("topic"), by("day"), by("property:model"),
                                   by("agent", std::string("nps"))}) {
      Aggregator one(q);
      for (const Record& r : records) one.add(r);
      const std::string expected = one.result_json();
      for (std::size_t parts : {2u, 3u, 5u}) {
        // Contiguous parts, as the CLI cuts a file.
        std::vector<Aggregator> aggs;
        for (std::size_t k = 0; k < parts; ++k) aggs.emplace_back(q);
        for (std::size_t i = 0; i < records.size(); ++i)
          aggs[i * parts / records.size()].add(records[i]);
        for (bool reverse : {false, true}) {
          std::vector<Aggregator> copy;
          for (std::size_t k = 0; k < parts; ++k) {
            copy.emplace_back(q);
            const std::size_t lo = k * records.size() / parts;
            const std::size_t hi = (k + 1) * records.size() / parts;
            for (std::size_t i = lo; i < hi; ++i) copy.back().add(records[i]);
          }
          if (reverse) std::reverse(copy.begin(), copy.end());
          Aggregator merged(q);
          for (Aggregator& a : copy) {
            merged.merge(std::move(a));
            EXPECT_EQ(a.records_added(), 0);  // left empty
            EXPECT_EQ(a.distinct_ratings(), 0);
          }
          EXPECT_EQ(merged.result_json(), expected)
              << "round " << round << ", " << parts << " parts, reverse " << reverse;
          EXPECT_EQ(merged.records_added(), one.records_added());
          EXPECT_EQ(merged.distinct_ratings(), one.distinct_ratings());
        }
        // Merging into a non-empty Aggregator (the first part) instead of an empty one.
        Aggregator first = std::move(aggs[0]);
        for (std::size_t k = 1; k < parts; ++k) first.merge(std::move(aggs[k]));
        EXPECT_EQ(first.result_json(), expected) << parts << " parts into the first";
      }
    }
  }
}

TEST(Insights, merge_of_an_empty_aggregator_changes_nothing_and_merged_one_is_reusable) {
  Aggregator a;
  a.add(rec("a", 1, 5));
  a.add(rec("a", 2, 1));
  const std::string before = a.result_json();
  Aggregator empty;
  a.merge(std::move(empty));
  EXPECT_EQ(a.result_json(), before);
  EXPECT_EQ(a.records_added(), 2);
  Aggregator b;
  b.add(rec("a", 3, 4));  // a later revision of the same rating, in the other part
  a.merge(std::move(b));
  EXPECT_EQ(a.distinct_ratings(), 1);
  EXPECT_EQ(value(a.result())["distribution"]["4"], 1);
  EXPECT_EQ(value(a.result())["distribution"]["1"], 0);
  b.add(rec("z", 1, 2));  // the emptied Aggregator counts again from nothing
  EXPECT_EQ(b.records_added(), 1);
  EXPECT_EQ(value(b.result())["ratings"], 1);
}

namespace {
struct ConstantHash {
  uint64_t operator()(std::string_view) const { return 0x123456789abcdef0ull; }
};
struct TwoBitHash {  // 4 values: long probe runs and equal tags for different ids
  uint64_t operator()(std::string_view id) const { return id.empty() ? 0 : (id.back() & 3u) * 0x4000000000000001ull; }
};

template <typename Hash>
void check_id_table_against_a_map(int n) {
  internal::IdTable<int, Hash> table;
  std::map<std::string, int> reference;
  std::mt19937_64 rng(5);
  for (int i = 0; i < n; ++i) {
    // Ids of 0–40 bytes, many repeated, some only differing in their last byte.
    std::string id = "id-" + std::to_string(rng() % static_cast<uint64_t>(n / 2 + 1));
    if (rng() % 5 == 0) id.push_back(static_cast<char>('a' + rng() % 4));
    if (rng() % 50 == 0) id.clear();
    bool inserted = false;
    auto& item = table.find_or_insert(id, inserted);
    EXPECT_EQ(inserted, reference.count(id) == 0) << id;
    EXPECT_EQ(item.key(), id);
    item.value += 1;
    reference[id] += 1;
  }
  ASSERT_EQ(table.size(), reference.size());
  std::map<std::string, int> seen;
  table.for_each([&](const auto& item) { seen[std::string(item.key())] = item.value; });
  EXPECT_EQ(seen, reference);
  std::map<std::string, int> drained;
  table.drain([&](const auto& item) { drained[std::string(item.key())] = item.value; });
  EXPECT_EQ(drained, reference);
  EXPECT_EQ(table.size(), 0u);
}
}  // namespace

TEST(Insights, id_table_keeps_ids_apart_when_their_hashes_collide) {
  check_id_table_against_a_map<internal::IdHash>(200000);  // several slot growths, many chunks
  check_id_table_against_a_map<ConstantHash>(3000);       // every id collides
  check_id_table_against_a_map<TwoBitHash>(3000);
}
