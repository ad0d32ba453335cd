#include "session_rating/record.h"

#include <gtest/gtest.h>

#include "test_util.h"

using namespace session_rating;
using sr_test::json;

namespace {

json valid_record() {
  return sr_test::parse(R"({"schema":"rating.v1","rating_id":"r-1","session_id":"s-1","revision":2,
    "final":false,"scale":"stars","score":2,"positive":false,"sentiment":"negative",
    "problems":["audio"],"comment":"[email] was rude","redactions":[{"kind":"email","count":1}],
    "submitted_at":2000,"first_submitted_at":1000,"edit_deadline":3601000,"internal":false,
    "topic":null,"agent_id":"a-1","thresholds":{"low_score_max":3,"positive_min":4}})");
}

Errors check(const json& j) {
  Record r;
  return record_from_json(j.dump(), r);
}

}  // namespace

TEST(Record, valid_record_round_trips_byte_for_byte) {
  Record r;
  json j = valid_record();
  ASSERT_TRUE(record_from_json(j.dump(), r).empty());
  std::string again = record_to_json(r);
  Record r2;
  ASSERT_TRUE(record_from_json(again, r2).empty());
  EXPECT_EQ(record_to_json(r2), again);
  EXPECT_EQ(sr_test::parse(again), j);
}

TEST(Record, schema_must_be_rating_v1) {
  json j = valid_record();
  j["schema"] = "rating.v2";
  EXPECT_TRUE(sr_test::has_error(check(j), "/schema", "invalid_value"));
}

TEST(Record, missing_and_unknown_fields_are_reported) {
  json j = valid_record();
  j.erase("score");
  j["colour"] = "red";
  Errors e = check(j);
  EXPECT_TRUE(sr_test::has_error(e, "/score", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/colour", "unknown_field"));
}

TEST(Record, positive_and_sentiment_must_agree_with_score) {
  json j = valid_record();
  j["positive"] = true;
  EXPECT_TRUE(sr_test::has_error(check(j), "/positive", "conflict"));
  j = valid_record();
  j["sentiment"] = "neutral";
  EXPECT_TRUE(sr_test::has_error(check(j), "/sentiment", "conflict"));
}

TEST(Record, problems_and_comment_only_with_low_score) {
  json j = valid_record();
  j["score"] = 5;
  j["positive"] = true;
  j["sentiment"] = "positive";
  Errors e = check(j);
  EXPECT_TRUE(sr_test::has_error(e, "/problems", "conflict"));
  EXPECT_TRUE(sr_test::has_error(e, "/comment", "conflict"));
}

TEST(Record, revision_ids_and_times_are_checked) {
  json j = valid_record();
  j["revision"] = 0;
  j["rating_id"] = "has space";
  j["edit_deadline"] = 500;
  Errors e = check(j);
  EXPECT_TRUE(sr_test::has_error(e, "/revision", "out_of_range"));
  EXPECT_TRUE(sr_test::has_error(e, "/rating_id", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/edit_deadline", "conflict"));
  j = valid_record();
  j["submitted_at"] = 10;
  EXPECT_TRUE(sr_test::has_error(check(j), "/submitted_at", "conflict"));
}

TEST(Record, score_range_depends_on_scale) {
  json j = valid_record();
  j["scale"] = "thumbs";
  j["score"] = 2;
  EXPECT_TRUE(sr_test::has_error(check(j), "/score", "out_of_range"));
  j["score"] = 0;
  EXPECT_TRUE(check(j).empty()) << errors_to_json(check(j));
}

TEST(Record, redactions_kinds_and_counts) {
  json j = valid_record();
  j["redactions"] = json::array({{{"kind", "passport"}, {"count", 0}}});
  Errors e = check(j);
  EXPECT_TRUE(sr_test::has_error(e, "/redactions/0/kind", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/redactions/0/count", "out_of_range"));
}

TEST(Record, comment_limit_is_5000_code_points) {
  json j = valid_record();
  std::string c;
  for (int i = 0; i < 5000; ++i) c += "ü";
  j["comment"] = c;
  EXPECT_TRUE(check(j).empty());
  j["comment"] = c + "x";
  EXPECT_TRUE(sr_test::has_error(check(j), "/comment", "out_of_range"));
}

TEST(Record, garbage_input_is_an_error_not_a_crash) {
  Record r;
  for (const char* text : {"", "{", "[]", "null", "{\"schema\":1}", "\xff"}) {
    Errors e = record_from_json(text, r);
    EXPECT_FALSE(e.empty()) << text;
  }
  EXPECT_EQ(record_from_json("[]", r)[0].code, "not_an_object");
  EXPECT_EQ(record_from_json("{", r)[0].code, "invalid_json");
}

TEST(Record, scale_and_sentiment_names_round_trip) {
  for (Scale s : {Scale::Stars, Scale::Emoji, Scale::Thumbs}) {
    Scale back = s == Scale::Stars ? Scale::Thumbs : Scale::Stars;
    ASSERT_TRUE(parse_scale(scale_name(s), back));
    EXPECT_EQ(back, s);
  }
  for (Sentiment s : {Sentiment::Negative, Sentiment::Neutral, Sentiment::Positive}) {
    Sentiment back = s == Sentiment::Neutral ? Sentiment::Positive : Sentiment::Neutral;
    ASSERT_TRUE(parse_sentiment(sentiment_name(s), back));
    EXPECT_EQ(back, s);
  }
  Scale scale = Scale::Emoji;
  Sentiment sentiment = Sentiment::Negative;
  // Only the exact names: no prefixes, no other case (the collector used to peek at one letter).
  for (const char* bad : {"", "s", "star", "Stars", "stars ", "pos", "positiv", "NEGATIVE"}) {
    EXPECT_FALSE(parse_scale(bad, scale)) << bad;
    EXPECT_FALSE(parse_sentiment(bad, sentiment)) << bad;
  }
  EXPECT_EQ(scale, Scale::Emoji);
  EXPECT_EQ(sentiment, Sentiment::Negative);
}

TEST(Record, redaction_kinds_outside_the_list_are_refused_with_the_list) {
  Record r;
  r.rating_id = r.session_id = "r1";
  r.score = 1;
  r.sentiment = Sentiment::Negative;
  r.redactions = {{"email", 1}, {"passport", 1}};
  const Errors errors = check_record(r);
  ASSERT_TRUE(sr_test::has_error(errors, "/redactions/1/kind", "invalid_value"));
  for (const Error& e : errors) {
    if (e.path == "/redactions/1/kind") {
      EXPECT_EQ(e.message, "kind must be one of email, phone, card, iban, ssn");
    }
  }
  EXPECT_FALSE(sr_test::has_error(errors, "/redactions/0/kind", "invalid_value"));
}
