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

// The same rating as valid_record(), as rating.v2 with a rater, a subject and properties.
json valid_v2() {
  return sr_test::parse(R"({"schema":"rating.v2","rating_id":"r-1","session_id":"s-1",
    "rater_id":"u-1","subject_id":"m-9","revision":2,"final":false,
    "answers":[{"question":"overall","scale":"stars","range":[1,5],"score":2,"positive":false,
      "sentiment":"negative","problems":["audio"],"comment":"[email] was rude",
      "redactions":[{"kind":"email","count":1}],"thresholds":{"low_score_max":3,"positive_min":4}},
     {"question":"NPS","scale":"nps","range":[0,10],"score":9,"positive":true,
      "sentiment":"positive","problems":[],"comment":"","redactions":[],
      "thresholds":{"low_score_max":6,"positive_min":9}}],
    "submitted_at":2000,"first_submitted_at":1000,"edit_deadline":3601000,"internal":false,
    "topic":null,"agent_id":"a-1","properties":{"beta":true,"model":"m-2","temp":0.5}})");
}

Errors check(const json& j) {
  Record r;
  return record_from_json(j.dump(), r);
}

}  // namespace

TEST(Record, v1_record_converts_to_the_same_v2_bytes_every_time) {
  Record r;
  json j = valid_record();
  ASSERT_TRUE(record_from_json(j.dump(), r).empty());
  std::string again = record_to_json(r);
  Record r2;
  ASSERT_TRUE(record_from_json(again, r2).empty());
  EXPECT_EQ(record_to_json(r2), again);
  EXPECT_EQ(sr_test::parse(again)["schema"], "rating.v2");
}

TEST(Record, v1_record_is_read_as_a_one_answer_v2_record) {
  Record r;
  int version = 0;
  ASSERT_TRUE(record_from_json(valid_record().dump(), r, &version).empty());
  EXPECT_EQ(version, 1);
  json v2 = sr_test::parse(record_to_json(r));
  EXPECT_EQ(v2["schema"], "rating.v2");
  EXPECT_EQ(v2["rater_id"], nullptr);
  EXPECT_EQ(v2["subject_id"], nullptr);
  EXPECT_EQ(v2["properties"], json::object());
  ASSERT_EQ(v2["answers"].size(), 1u);
  EXPECT_EQ(v2["answers"][0], sr_test::parse(R"({"question":"overall","scale":"stars",
    "range":[1,5],"score":2,"positive":false,"sentiment":"negative","problems":["audio"],
    "comment":"[email] was rude","redactions":[{"kind":"email","count":1}],
    "thresholds":{"low_score_max":3,"positive_min":4}})"));
  json thumbs = valid_record();
  thumbs["scale"] = "thumbs";
  thumbs["score"] = 0;
  ASSERT_TRUE(record_from_json(thumbs.dump(), r).empty()) << errors_to_json(check(thumbs));
  EXPECT_EQ(r.answers[0].min, 0);
  EXPECT_EQ(r.answers[0].max, 1);
}

TEST(Record, v2_record_round_trips_byte_for_byte) {
  Record r;
  int version = 0;
  json j = valid_v2();
  ASSERT_TRUE(record_from_json(j.dump(), r, &version).empty()) << errors_to_json(check(j));
  EXPECT_EQ(version, 2);
  const std::string text = record_to_json(r);
  EXPECT_EQ(sr_test::parse(text), j);
  Record again;
  ASSERT_TRUE(record_from_json(text, again).empty());
  EXPECT_EQ(record_to_json(again), text);
  // Keys in the contract's order, properties sorted.
  EXPECT_EQ(text.find("{\"schema\":\"rating.v2\",\"rating_id\":\"r-1\",\"session_id\":\"s-1\",\"rater_id\""), 0u);
  EXPECT_NE(text.find("\"properties\":{\"beta\":true,\"model\":\"m-2\",\"temp\":0.5}}"),
            std::string::npos) << text;
}

TEST(Record, schema_must_be_rating_v1_or_v2) {
  json j = valid_record();
  j["schema"] = "rating.v3";
  EXPECT_TRUE(sr_test::has_error(check(j), "/schema", "invalid_value"));
}

TEST(Record, v1_record_with_v2_fields_or_unknown_fields_is_refused) {
  json j = valid_record();
  j["rater_id"] = "u-1";
  j["colour"] = 1;
  Errors e = check(j);
  EXPECT_TRUE(sr_test::has_error(e, "/rater_id", "unknown_field"));
  EXPECT_TRUE(sr_test::has_error(e, "/colour", "unknown_field"));
  j = valid_record();
  j["scale"] = "nps";
  EXPECT_TRUE(sr_test::has_error(check(j), "/scale", "invalid_value"));
  j = valid_record();
  j["edit_deadline"] = nullptr;  // v1 records always carried a deadline
  EXPECT_TRUE(sr_test::has_error(check(j), "/edit_deadline", "wrong_type"));
}

TEST(Record, v2_answers_that_contradict_their_thresholds_are_refused) {
  json j = valid_v2();
  j["answers"][1]["positive"] = false;
  EXPECT_TRUE(sr_test::has_error(check(j), "/answers/1/positive", "conflict"));
  j = valid_v2();
  j["answers"][1]["thresholds"]["positive_min"] = 8;
  EXPECT_TRUE(sr_test::has_error(check(j), "/answers/1/thresholds", "conflict"));
  j = valid_v2();
  j["answers"][0]["score"] = 4;  // not low any more, yet problems and a comment
  j["answers"][0]["positive"] = true;
  j["answers"][0]["sentiment"] = "positive";
  Errors e = check(j);
  EXPECT_TRUE(sr_test::has_error(e, "/answers/0/problems", "conflict"));
  EXPECT_TRUE(sr_test::has_error(e, "/answers/0/comment", "conflict"));
  j = valid_v2();
  j["answers"][1]["question"] = "overall";
  EXPECT_TRUE(sr_test::has_error(check(j), "/answers/1/question", "duplicate_id"));
  j = valid_v2();
  j["answers"][1]["range"] = {0, 9};
  EXPECT_TRUE(sr_test::has_error(check(j), "/answers/1/range", "conflict"));
  j = valid_v2();
  j["answers"] = json::array();
  EXPECT_TRUE(sr_test::has_error(check(j), "/answers", "out_of_range"));
}

TEST(Record, v2_numeric_answers_check_their_range) {
  json j = valid_v2();
  j["answers"][1] = sr_test::parse(R"({"question":"CES","scale":"numeric","range":[1,7],"score":6,
    "positive":true,"sentiment":"positive","problems":[],"comment":"","redactions":[],
    "thresholds":{"low_score_max":5,"positive_min":6}})");
  EXPECT_TRUE(check(j).empty()) << errors_to_json(check(j));
  j["answers"][1]["score"] = 8;
  EXPECT_TRUE(sr_test::has_error(check(j), "/answers/1/score", "out_of_range"));
  j["answers"][1]["score"] = 6;
  j["answers"][1]["range"] = {2, 7};
  EXPECT_TRUE(sr_test::has_error(check(j), "/answers/1/range", "out_of_range"));
  j["answers"][1]["range"] = {1, 7};
  j["answers"][1]["thresholds"]["low_score_max"] = 7;
  EXPECT_TRUE(sr_test::has_error(check(j), "/answers/1/thresholds/low_score_max", "out_of_range"));
}

TEST(Record, v2_properties_are_checked) {
  json j = valid_v2();
  j["properties"] = json::object();
  for (int i = 0; i < 21; ++i) j["properties"]["p" + std::to_string(i)] = i;
  EXPECT_TRUE(sr_test::has_error(check(j), "/properties", "out_of_range"));
  j["properties"] = {{"model", std::string(201, 'x')}};
  EXPECT_TRUE(sr_test::has_error(check(j), "/properties/model", "out_of_range"));
  std::string cjk;
  for (int i = 0; i < 200; ++i) cjk += "語";  // 200 code points, 600 bytes: fine
  j["properties"] = {{"model", cjk}};
  EXPECT_TRUE(check(j).empty());
  j["properties"] = {{"Model", "x"}, {"list", json::array()}, {"none", nullptr}};
  Errors e = check(j);
  EXPECT_TRUE(sr_test::has_error(e, "/properties/Model", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/properties/list", "wrong_type"));
  EXPECT_TRUE(sr_test::has_error(e, "/properties/none", "wrong_type"));
}

TEST(Record, v2_edit_deadline_may_be_null_while_unknown) {
  json j = valid_v2();
  j["edit_deadline"] = nullptr;
  Record r;
  ASSERT_TRUE(record_from_json(j.dump(), r).empty());
  EXPECT_FALSE(r.edit_deadline.has_value());
  EXPECT_NE(record_to_json(r).find("\"edit_deadline\":null"), std::string::npos);
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
  for (Scale s : {Scale::Stars, Scale::Emoji, Scale::Thumbs, Scale::Numeric, Scale::Nps}) {
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
  Answer a;
  a.score = 1;
  a.sentiment = Sentiment::Negative;
  a.redactions = {{"email", 1}, {"passport", 1}};
  r.answers.push_back(a);
  const Errors errors = check_record(r);
  ASSERT_TRUE(sr_test::has_error(errors, "/answers/0/redactions/1/kind", "invalid_value"));
  for (const Error& e : errors) {
    if (e.path == "/answers/0/redactions/1/kind") {
      EXPECT_EQ(e.message, "kind must be one of email, phone, card, iban, ssn");
    }
  }
  EXPECT_FALSE(sr_test::has_error(errors, "/answers/0/redactions/0/kind", "invalid_value"));
}
