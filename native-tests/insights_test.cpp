// Contract 6: insights (CSAT over records with retries and edits), the fast record reader,
// and the `session-rating insights` command.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "session_rating/insights.h"
#include "record_fixture.h"
#include "session_rating/record.h"

using namespace session_rating;
using nlohmann::json;

namespace {

constexpr int64_t kDay = 86400000;

using sr_test::kT0;
using sr_test::rec;

std::string dump(const Insights& in) { return insights_to_json(in); }

json value(const Insights& in) { return json::parse(insights_to_json(in)); }

}  // namespace

// --- aggregation rules ---------------------------------------------------------------------

TEST(Insights, empty_input_gives_nulls_and_zeros) {
  const Insights in = aggregate({});
  EXPECT_EQ(dump(in),
            R"({"csat":null,"distribution":{"1":0,"2":0,"3":0,"4":0,"5":0},)"
            R"("excluded_internal":0,"mean":null,"problems":{},"ratings":0,)"
            R"("sentiment":{"negative":0,"neutral":0,"positive":0},"thumbs":{"down":0,"up":0}})");
}

TEST(Insights, exact_result_for_a_small_set) {
  // a: 5 stars; b: 2 stars with audio; c: 4 emoji; d: thumbs up; e: internal.
  Record e = rec("e", 1, 1);
  e.internal = true;
  const Insights in = aggregate({rec("a", 1, 5), rec("b", 1, 2), rec("c", 1, 4, Scale::Emoji),
                                 rec("d", 1, 1, Scale::Thumbs), e});
  EXPECT_EQ(dump(in),
            R"({"csat":0.75,"distribution":{"1":0,"2":1,"3":0,"4":1,"5":1},)"
            R"("excluded_internal":1,"mean":3.666667,"problems":{"audio":1},)"
            R"("ratings":4,"sentiment":{"negative":1,"neutral":0,"positive":3},)"
            R"("thumbs":{"down":0,"up":1}})");
}

TEST(Insights, csat_and_mean_are_rounded_to_six_decimals_without_floats) {
  auto csat_text = [](int64_t positive, int64_t ratings) {
    Summary s;
    s.positive = positive;
    s.ratings = ratings;
    const std::string j = summary_to_json(s);
    const std::size_t a = j.find("\"csat\":") + 7;
    return j.substr(a, j.find(',', a) - a);
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
  EXPECT_NE(summary_to_json(m).find("\"mean\":4.25,"), std::string::npos);
}

TEST(Insights, grouped_result_exact_json) {
  Record a = rec("a", 1, 5);
  a.topic = "b\"illing";  // keys are escaped
  const std::string j = insights_to_json(aggregate({a, rec("b", 1, 0, Scale::Thumbs)}, GroupBy::Topic));
  const std::string empty5 = R"j({"1":0,"2":0,"3":0,"4":0,"5":0})j";
  EXPECT_EQ(j,
            R"j({"csat":0.5,"distribution":{"1":0,"2":0,"3":0,"4":0,"5":1},"excluded_internal":0,)j"
            R"j("groups":{"(none)":{"csat":0,"distribution":)j" + empty5 +
                R"j(,"excluded_internal":0,"mean":null,"problems":{"audio":1},"ratings":1,)j"
                R"j("sentiment":{"negative":1,"neutral":0,"positive":0},"thumbs":{"down":1,"up":0}},)j"
                R"j("b\"illing":{"csat":1,"distribution":{"1":0,"2":0,"3":0,"4":0,"5":1},)j"
                R"j("excluded_internal":0,"mean":5,"problems":{},"ratings":1,)j"
                R"j("sentiment":{"negative":0,"neutral":0,"positive":1},"thumbs":{"down":0,"up":0}}},)j"
                R"j("mean":5,"problems":{"audio":1},"ratings":2,)j"
                R"j("sentiment":{"negative":1,"neutral":0,"positive":1},"thumbs":{"down":1,"up":0}})j");
  EXPECT_TRUE(json::parse(j, nullptr, false).is_object());
}

TEST(Insights, counts_only_the_highest_revision_in_any_order) {
  // Rating r: first 2 stars, edited to 3, then to 5; each sent twice (retries).
  std::vector<Record> records = {rec("r", 1, 2), rec("r", 1, 2), rec("r", 2, 3),
                                 rec("r", 2, 3), rec("r", 3, 5), rec("r", 3, 5),
                                 rec("x", 1, 1)};
  std::sort(records.begin(), records.end(), [](const Record& a, const Record& b) {
    return record_to_json(a) < record_to_json(b);
  });
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
  } while (std::next_permutation(records.begin(), records.end(),
                                 [](const Record& a, const Record& b) {
                                   return record_to_json(a) < record_to_json(b);
                                 }) &&
           orders < 2000);
  EXPECT_GT(orders, 100);
}

TEST(Insights, final_record_wins_a_tie) {
  Record edited = rec("r", 2, 2);     // not final, revision 2, score 2
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

TEST(Insights, equal_revision_and_final_is_still_order_independent) {
  // Two different records claiming the same revision (should not happen; must not flip).
  Record a = rec("r", 2, 2);
  Record b = rec("r", 2, 4);
  EXPECT_EQ(dump(aggregate({a, b})), dump(aggregate({b, a})));
  b = rec("r", 2, 2);
  b.submitted_at += 5;  // the later submit wins
  b.problems = {"video"};
  EXPECT_EQ(aggregate({a, b}).total.problems.count("video"), 1u);
  EXPECT_EQ(aggregate({b, a}).total.problems.count("video"), 1u);
  EXPECT_EQ(aggregate({b, a}).total.problems.count("audio"), 0u);
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

TEST(Insights, only_thumbs_gives_null_mean_and_a_csat) {
  const json j = value(aggregate({rec("a", 1, 1, Scale::Thumbs), rec("b", 1, 0, Scale::Thumbs)}));
  EXPECT_TRUE(j["mean"].is_null());
  EXPECT_EQ(j["csat"], 0.5);
  EXPECT_EQ(j["thumbs"], json::parse(R"({"down":1,"up":1})"));
}

TEST(Insights, csat_uses_the_records_own_thresholds) {
  Record r = rec("a", 1, 3);  // 3 stars: not positive under positive_min 4
  Record lenient = rec("b", 1, 3);
  lenient.low_score_max = 2;
  lenient.positive_min = 3;
  lenient.positive = true;
  lenient.sentiment = Sentiment::Positive;
  lenient.problems.clear();
  ASSERT_TRUE(check_record(lenient).empty());
  const Insights in = aggregate({r, lenient});
  EXPECT_DOUBLE_EQ(in.total.csat().value(), 0.5);
}

TEST(Insights, problems_are_counted_per_id_from_the_winning_record) {
  Record a = rec("a", 1, 1);
  a.problems = {"audio", "video"};
  Record a2 = rec("a", 2, 2);
  a2.problems = {"video", "other"};
  Record b = rec("b", 1, 2);
  b.problems = {"other"};
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
  const json j = value(aggregate({a, b, c, d}, GroupBy::Topic));
  ASSERT_TRUE(j.contains("groups"));
  const json& g = j["groups"];
  EXPECT_EQ(g.size(), 3u);
  EXPECT_EQ(g["billing"]["ratings"], 2);
  EXPECT_EQ(g["billing"]["csat"], 0.5);
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
  const json j = value(aggregate({a2, a1, b}, GroupBy::Agent));
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
  Record early = rec("b", 1, 4);  // 2026-01-01T00:00:00.000Z
  Record edited = rec("c", 2, 1);  // first submitted 2026-01-01, edited on 2026-01-03
  edited.submitted_at = kT0 + 2 * kDay + 5;
  edited.edit_deadline = kT0 + 3 * kDay;
  Record leap = rec("d", 1, 3);
  leap.first_submitted_at = leap.submitted_at = 1709164800000;  // 2024-02-29T00:00:00Z
  leap.edit_deadline = leap.first_submitted_at;
  const json j = value(aggregate({late, early, edited, leap}, GroupBy::Day));
  const json& g = j["groups"];
  ASSERT_EQ(g.size(), 3u) << j.dump();
  EXPECT_EQ(g["2025-12-31"]["ratings"], 1);
  EXPECT_EQ(g["2026-01-01"]["ratings"], 2);
  EXPECT_EQ(g["2024-02-29"]["ratings"], 1);
  // Sorted keys.
  std::vector<std::string> keys;
  for (auto it = g.begin(); it != g.end(); ++it) keys.push_back(it.key());
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TEST(Insights, no_groups_key_without_by) {
  EXPECT_FALSE(value(aggregate({rec("a", 1, 5)})).contains("groups"));
  EXPECT_TRUE(value(aggregate({}, GroupBy::Day)).contains("groups"));
}

TEST(Insights, parse_group_by_names) {
  GroupBy by = GroupBy::Day;
  EXPECT_TRUE(parse_group_by("topic", by));
  EXPECT_EQ(by, GroupBy::Topic);
  EXPECT_TRUE(parse_group_by("agent", by));
  EXPECT_EQ(by, GroupBy::Agent);
  EXPECT_TRUE(parse_group_by("", by));
  EXPECT_EQ(by, GroupBy::None);
  EXPECT_FALSE(parse_group_by("week", by));
  EXPECT_STREQ(group_by_name(GroupBy::Day), "day");
}

// --- randomised: order independence and agreement with a naive reference -------------------

TEST(Insights, random_streams_match_a_naive_reference_in_any_order) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::vector<Record> records;
    std::map<std::string, Record> best;  // naive: highest revision, final breaks the tie
    for (int k = 0; k < 60; ++k) {
      const std::string id = "r" + std::to_string(k);
      const int revisions = 1 + static_cast<int>(rng() % 4);
      const Scale scale = rng() % 4 == 0 ? Scale::Thumbs : (rng() % 2 ? Scale::Stars : Scale::Emoji);
      const bool internal = rng() % 10 == 0;
      const bool finalised = rng() % 2 == 0;
      std::optional<std::string> topic;
      if (rng() % 3) topic = "t" + std::to_string(rng() % 3);
      for (int rev = 1; rev <= revisions; ++rev) {
        const int score = scale == Scale::Thumbs ? static_cast<int>(rng() % 2)
                                                 : 1 + static_cast<int>(rng() % 5);
        Record r = rec(id, rev, score, scale);
        r.internal = internal;
        r.topic = topic;
        const int copies = 1 + static_cast<int>(rng() % 3);  // retries
        for (int c = 0; c < copies; ++c) records.push_back(r);
        if (rev == revisions) {
          if (finalised) {
            Record f = r;
            f.final = true;
            records.push_back(f);
            best[id] = f;
          } else {
            best[id] = r;
          }
        }
      }
    }
    // Naive reference.
    int64_t ratings = 0, positive = 0, excluded = 0, sum = 0, n15 = 0;
    for (const auto& [id, r] : best) {
      if (r.internal) {
        ++excluded;
        continue;
      }
      ++ratings;
      positive += r.positive;
      if (r.scale != Scale::Thumbs) {
        sum += r.score;
        ++n15;
      }
    }
    std::string expected;
    for (int shuffle = 0; shuffle < 5; ++shuffle) {
      std::shuffle(records.begin(), records.end(), rng);
      const Insights in = aggregate(records, GroupBy::Topic);
      EXPECT_EQ(in.total.ratings, ratings);
      EXPECT_EQ(in.total.positive, positive);
      EXPECT_EQ(in.total.excluded_internal, excluded);
      EXPECT_EQ(in.total.mean_sum, sum);
      EXPECT_EQ(in.total.mean_count, n15);
      int64_t group_total = 0;
      for (const auto& [key, s] : in.groups) group_total += s.ratings + s.excluded_internal;
      EXPECT_EQ(group_total, static_cast<int64_t>(best.size()));
      if (expected.empty()) expected = dump(in);
      EXPECT_EQ(dump(in), expected) << "round " << round << " shuffle " << shuffle;
    }
  }
}

// --- Aggregator and JSON input --------------------------------------------------------------

TEST(Insights, aggregator_add_json_counts_valid_and_rejects_invalid) {
  Aggregator agg(GroupBy::None);
  EXPECT_TRUE(agg.add_json(record_to_json(rec("a", 1, 5))).empty());
  EXPECT_TRUE(agg.add_json(record_to_json(rec("a", 2, 1))).empty());
  Record bad = rec("b", 1, 5);
  bad.positive = false;  // disagrees with the score
  const Errors errors = agg.add_json(record_to_json(bad));
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].path, "/positive");
  EXPECT_EQ(errors[0].code, "conflict");
  EXPECT_FALSE(agg.add_json("{not json").empty());
  EXPECT_EQ(agg.records_added(), 2);
  EXPECT_EQ(agg.distinct_ratings(), 1);
  EXPECT_EQ(agg.result().total.distribution[0], 1);
  EXPECT_EQ(agg.result_json(), dump(aggregate({rec("a", 2, 1)})));
}

TEST(Insights, aggregate_json_gives_the_result_object) {
  const std::string arr =
      "[" + record_to_json(rec("a", 1, 5)) + "," + record_to_json(rec("a", 2, 4)) + "]";
  const json j = json::parse(aggregate_json(arr, "topic"));
  EXPECT_EQ(j["ratings"], 1);
  EXPECT_EQ(j["distribution"]["4"], 1);
  EXPECT_EQ(j["groups"]["(none)"]["ratings"], 1);
  EXPECT_EQ(json::parse(aggregate_json("[]", "")), json::parse(dump(aggregate({}))));
}

TEST(Insights, aggregate_json_refuses_invalid_records_with_indexed_paths) {
  json arr = json::array();
  for (int i = 0; i < 5; ++i) arr.push_back(json::parse(record_to_json(rec("r" + std::to_string(i), 1, 5))));
  arr[3]["score"] = 9;
  arr[1]["colour"] = "red";
  const json j = json::parse(aggregate_json(arr.dump(), "day"));
  ASSERT_TRUE(j.contains("error")) << j.dump();
  bool score = false, unknown = false;
  for (const json& e : j["error"]) {
    score |= e["path"] == "/3/score";
    unknown |= e["path"] == "/1/colour" && e["code"] == "unknown_field";
  }
  EXPECT_TRUE(score) << j.dump();
  EXPECT_TRUE(unknown) << j.dump();
}

TEST(Insights, aggregate_json_reports_bad_by_and_bad_json) {
  json j = json::parse(aggregate_json("[]", "week"));
  ASSERT_TRUE(j.contains("error"));
  EXPECT_EQ(j["error"][0]["path"], "/by");
  EXPECT_EQ(j["error"][0]["code"], "invalid_value");
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
  low.problems = {"audio", "screen_share"};
  low.comment = "Ton brach ab \xe2\x80\x94 \"zweimal\"\n\tbitte [email] anrufen \\ danke \xf0\x9f\x99\x82";
  low.redactions = {{"email", 1}, {"phone", 2}};
  low.topic = "Facturaci\xc3\xb3n / billing";
  low.agent_id = "agent.7";
  low.internal = true;
  out.push_back(low);
  Record thumbs = rec("t", 1, 0, Scale::Thumbs);
  thumbs.comment = "no";
  out.push_back(thumbs);
  Record lenient = rec("len", 1, 3);
  lenient.low_score_max = 2;
  lenient.positive_min = 3;
  lenient.positive = true;
  lenient.sentiment = Sentiment::Positive;
  lenient.problems.clear();
  out.push_back(lenient);
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

}  // namespace

TEST(Insights, fast_reader_reads_valid_records_exactly) {
  for (const Record& r : sample_records()) {
    const std::string text = record_to_json(r);
    Record out;
    ASSERT_TRUE(parse_record_fast(text, out).empty()) << text;
    EXPECT_EQ(record_to_json(out), text);
    // Pretty-printed and reordered (sorted keys) too.
    const json j = json::parse(text);
    expect_same(j.dump(2));
    expect_same(j.dump());
    expect_same("  " + text + " \r\n");
  }
}

TEST(Insights, fast_reader_agrees_with_dom_reader_on_mutations) {
  const std::vector<std::string> inserts = {"\"", "\\", "x", "1", " ", "}", "]", ",", ":",
                                            "\x01", "\xc3", "\xff", "-", ".5", "e3", "null",
                                            "\\u0041", "{}", "[]", "0"};
  int cases = 0;
  for (const Record& r : sample_records()) {
    const std::string text = record_to_json(r);
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
  EXPECT_GT(cases, 10000);
}

TEST(Insights, fast_reader_structural_edge_cases) {
  const json base = json::parse(record_to_json(sample_records()[1]));
  std::vector<std::string> texts;
  // Missing, null and extra fields; duplicates; non-integers; \u escapes; huge numbers.
  for (auto it = base.begin(); it != base.end(); ++it) {
    json m = base;
    m.erase(it.key());
    texts.push_back(m.dump());
    m = base;
    m[it.key()] = nullptr;
    texts.push_back(m.dump());
    m = base;
    m[it.key()] = 1.0;
    texts.push_back(m.dump());
    m = base;
    m[it.key()] = "x";
    texts.push_back(m.dump());
  }
  const std::string t = base.dump();
  texts.push_back(t.substr(0, t.size() - 1) + ",\"score\":2}");                 // duplicate key
  texts.push_back(t.substr(0, t.size() - 1) + ",\"extra\":true}");              // unknown field
  texts.push_back("[" + t + "]");
  texts.push_back(t + t);
  texts.push_back(t + " x");
  json m = base;
  m["revision"] = 2.0;
  texts.push_back(m.dump());
  m = base;
  m["revision"] = 123456789012345678901.0;
  texts.push_back(m.dump());
  m = base;
  m["comment"] = std::string(5001, 'a');
  texts.push_back(m.dump());
  m["comment"] = std::string(5000, 'a');
  texts.push_back(m.dump());
  m = base;
  m["topic"] = std::string(129, 't');
  texts.push_back(m.dump());
  m["topic"] = "";
  texts.push_back(m.dump());
  m = base;
  m["problems"] = json::array();
  for (int i = 0; i < 21; ++i) m["problems"].push_back("p" + std::to_string(i));
  texts.push_back(m.dump());
  m = base;
  m["redactions"] = json::parse(R"([{"kind":"email","count":1,"x":1}])");
  texts.push_back(m.dump());
  m["redactions"] = json::parse(R"([{"kind":"email"}])");
  texts.push_back(m.dump());
  m["redactions"] = json::parse(R"([{"count":2,"kind":"email"},{"kind":"email","count":1}])");
  texts.push_back(m.dump());
  m = base;
  m["thresholds"] = json::parse(R"({"low_score_max":3})");
  texts.push_back(m.dump());
  m["thresholds"] = json::parse(R"({"low_score_max":3,"positive_min":4,"x":0})");
  texts.push_back(m.dump());
  texts.push_back(R"({"schema":"rating.v1","rating_id":"\u0041"})");
  texts.push_back(std::string("\xEF\xBB\xBF") + t);  // BOM
  texts.push_back("");
  texts.push_back("{}");
  for (const std::string& s : texts) expect_same(s);
}

TEST(Insights, a_topic_spelled_none_joins_the_null_topic_group) {
  // Two different topics (null and the text "(none)") share the group key "(none)": one
  // group holding both, whatever order the records come in.
  Record a = rec("a", 1, 5);
  Record b = rec("b", 1, 1);
  b.topic = std::string(kNoGroupKey);
  for (const auto& records : {std::vector<Record>{a, b}, std::vector<Record>{b, a}}) {
    const Insights in = aggregate(records, GroupBy::Topic);
    ASSERT_EQ(in.groups.size(), 1u);
    EXPECT_EQ(in.groups.at(kNoGroupKey).ratings, 2);
    EXPECT_EQ(in.groups.at(kNoGroupKey).positive, 1);
    EXPECT_EQ(in.groups.at(kNoGroupKey).problems.at("audio"), 1);
  }
}
