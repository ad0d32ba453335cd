#include "session_rating/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <tuple>

#include "test_util.h"

using namespace session_rating;
using sr_test::json;

namespace {

Errors config_errors(const std::string& text) {
  Config c;
  return parse_config(text, c);
}

}  // namespace

TEST(Config, empty_object_gives_documented_defaults) {
  Config c;
  ASSERT_TRUE(parse_config("{}", c).empty());
  ASSERT_EQ(c.questions.size(), 1u);
  const Question& q = c.questions[0];
  EXPECT_EQ(q.id, "overall");
  EXPECT_TRUE(q.required);
  EXPECT_EQ(q.scale, Scale::Stars);
  EXPECT_EQ(q.min, 1);
  EXPECT_EQ(q.max, 5);
  EXPECT_EQ(q.low_score_max, 3);
  EXPECT_EQ(q.positive_min, 4);
  EXPECT_EQ(c.preset, "call");
  ASSERT_EQ(q.problems.size(), 5u);
  EXPECT_EQ(q.problems[0].id, "audio");
  EXPECT_EQ(q.problems[3].id, "screen_share");
  EXPECT_FALSE(q.comment.enabled);
  EXPECT_EQ(q.comment.max_length, 500);
  EXPECT_EQ(c.finalise.window_seconds, 3600);
  EXPECT_EQ(c.finalise.from, FinaliseFrom::FirstSubmit);
  EXPECT_TRUE(c.redact_pii);
  EXPECT_EQ(c.locale, "en");
  EXPECT_FALSE(c.rtl);
  EXPECT_EQ(q.text, "How was your call?");
  EXPECT_EQ(c.throttle.key, ThrottleKey::Session);
  EXPECT_EQ(c.throttle.cooldown_days, 0);
  EXPECT_EQ(c.throttle.sample_percent, 100);
}

TEST(Config, invalid_json_is_reported_not_crashed) {
  Errors e = config_errors("{\"scale\": ");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].code, "invalid_json");
  EXPECT_EQ(e[0].path, "");
  EXPECT_EQ(config_errors("\xff\xfe")[0].code, "invalid_json");
}

TEST(Config, non_object_is_not_an_object) {
  for (const char* text : {"[]", "3", "\"stars\"", "null", "true"}) {
    Errors e = config_errors(text);
    ASSERT_EQ(e.size(), 1u) << text;
    EXPECT_EQ(e[0].code, "not_an_object") << text;
  }
}

TEST(Config, every_problem_is_reported_at_once) {
  Errors e = config_errors(R"({"scale":"hearts","low_score_max":0,"comment":{"max_length":5001,"x":1},
                               "finalise":{"window_seconds":2592001},"typo":true})");
  EXPECT_TRUE(sr_test::has_error(e, "/scale", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/low_score_max", "out_of_range"));
  EXPECT_TRUE(sr_test::has_error(e, "/comment/max_length", "out_of_range"));
  EXPECT_TRUE(sr_test::has_error(e, "/comment/x", "unknown_field"));
  EXPECT_TRUE(sr_test::has_error(e, "/finalise/window_seconds", "out_of_range"));
  EXPECT_TRUE(sr_test::has_error(e, "/typo", "unknown_field"));
  EXPECT_EQ(e.size(), 6u);
  for (const Error& err : e) EXPECT_FALSE(err.message.empty());
}

TEST(Config, boundaries_are_inclusive) {
  EXPECT_TRUE(config_errors(R"({"low_score_max":1,"positive_min":2})").empty());
  EXPECT_TRUE(config_errors(R"({"low_score_max":4,"positive_min":5})").empty());
  EXPECT_TRUE(config_errors(R"({"comment":{"enabled":true,"max_length":1}})").empty());
  EXPECT_TRUE(config_errors(R"({"comment":{"enabled":true,"max_length":5000}})").empty());
  EXPECT_TRUE(config_errors(R"({"finalise":{"window_seconds":0}})").empty());
  EXPECT_TRUE(config_errors(R"({"finalise":{"window_seconds":2592000}})").empty());
  EXPECT_TRUE(config_errors(R"({"throttle":{"cooldown_days":365,"sample_percent":0}})").empty());
  EXPECT_TRUE(config_errors(R"({"throttle":{"sample_percent":12.5}})").empty());
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"positive_min":1})"), "/positive_min", "out_of_range"));
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"positive_min":6})"), "/positive_min", "out_of_range"));
}

TEST(Config, integers_reject_fractions_and_booleans) {
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"low_score_max":2.5})"), "/low_score_max", "wrong_type"));
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"low_score_max":true})"), "/low_score_max", "wrong_type"));
  EXPECT_TRUE(config_errors(R"({"low_score_max":2.0})").empty());
}

TEST(Config, thumbs_ignores_threshold_conflict) {
  EXPECT_TRUE(config_errors(R"({"scale":"thumbs","low_score_max":4,"positive_min":2})").empty());
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"scale":"stars","low_score_max":4,"positive_min":2})"),
                  "/positive_min", "conflict"));
}

TEST(Config, problem_ids_follow_the_pattern) {
  EXPECT_TRUE(config_errors(R"({"problems":[{"id":"a_b-9","label":"x"}]})").empty());
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"problems":[{"id":"","label":"x"}]})"), "/problems/0/id", "out_of_range"));
  std::string long_id(41, 'a');
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"problems":[{"id":")" + long_id + R"(","label":"x"}]})"),
                  "/problems/0/id", "out_of_range"));
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"problems":[{"id":"Audio","label":"x"}]})"), "/problems/0/id", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"problems":[{"label":"x"}]})"), "/problems/0/id", "invalid_value"));
  std::string label(81, 'x');
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"problems":[{"id":"a","label":")" + label + R"("}]})"),
                  "/problems/0/label", "out_of_range"));
}

TEST(Config, labels_count_code_points_not_bytes) {
  std::string label;
  for (int i = 0; i < 80; ++i) label += "é";  // 160 bytes, 80 code points
  EXPECT_TRUE(config_errors(R"({"problems":[{"id":"a","label":")" + label + R"("}]})").empty());
}

TEST(Config, json_pointer_escapes_keys) {
  Errors e = config_errors(R"({"a/b~c":1})");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].path, "/a~1b~0c");
}

TEST(Config, locale_selects_strings_and_direction) {
  Config c;
  ASSERT_TRUE(parse_config(R"({"locale":"ar-EG"})", c).empty());
  EXPECT_TRUE(c.rtl);
  EXPECT_EQ(c.strings["submit"], "إرسال");
  ASSERT_TRUE(parse_config(R"({"locale":"FR"})", c).empty());
  EXPECT_EQ(c.strings["submit"], "Envoyer");
  ASSERT_TRUE(parse_config(R"({"locale":"zz-ZZ"})", c).empty());
  EXPECT_EQ(c.strings["submit"], "Submit");
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"locale":"<script>"})"), "/locale", "invalid_value"));
}

TEST(Config, string_overrides_replace_single_keys) {
  Config c;
  ASSERT_TRUE(parse_config(R"({"locale":"de","strings":{"submit":"Abschicken"}})", c).empty());
  EXPECT_EQ(c.strings["submit"], "Abschicken");
  EXPECT_EQ(c.strings["close"], "Schließen");
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"strings":{"submit":5}})"), "/strings/submit", "wrong_type"));
  EXPECT_TRUE(sr_test::has_error(config_errors(R"({"strings":[]})"), "/strings", "wrong_type"));
}

TEST(Config, fingerprint_tracks_behaviour_not_spelling) {
  Config a, b, c;
  ASSERT_TRUE(parse_config("{}", a).empty());
  ASSERT_TRUE(parse_config(R"({"scale":"stars","comment":{"enabled":false}})", b).empty());
  ASSERT_TRUE(parse_config(R"({"comment":{"enabled":true}})", c).empty());
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_NE(a.fingerprint, c.fingerprint);
}

TEST(Context, ids_are_validated) {
  Config c;
  ASSERT_TRUE(parse_config("{}", c).empty());
  Context ctx;
  EXPECT_TRUE(parse_context(R"({"session_id":"a.b_c:d-1"})", c, ctx).empty());
  EXPECT_EQ(ctx.rating_id, "a.b_c:d-1");
  Errors e = parse_context(R"({"session_id":"","agent_id":"x y","internal":"no","topic":5})", c, ctx);
  EXPECT_TRUE(sr_test::has_error(e, "/context/session_id", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/context/agent_id", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/context/internal", "wrong_type"));
  EXPECT_TRUE(sr_test::has_error(e, "/context/topic", "wrong_type"));
  EXPECT_TRUE(sr_test::has_error(parse_context("[]", c, ctx), "/context", "not_an_object"));
  EXPECT_TRUE(sr_test::has_error(parse_context("{", c, ctx), "/context", "invalid_json"));
}

TEST(Context, session_end_may_be_unknown_until_reported) {
  Config c;
  ASSERT_TRUE(parse_config(R"({"finalise":{"from":"session_end"}})", c).empty());
  Context ctx;
  // A live session: the end arrives later as a session_end event (docs/contracts.md).
  EXPECT_TRUE(parse_context(R"({"session_id":"s"})", c, ctx).empty());
  EXPECT_FALSE(ctx.session_ended_at.has_value());
  EXPECT_TRUE(parse_context(R"({"session_id":"s","session_ended_at":null})", c, ctx).empty());
  EXPECT_TRUE(parse_context(R"({"session_id":"s","session_ended_at":5})", c, ctx).empty());
  EXPECT_EQ(*ctx.session_ended_at, 5);
}

TEST(Config, shorthand_is_one_question_overall_and_keeps_its_fingerprint) {
  // The fingerprint of a config written before `questions` existed must not change: stored
  // flow.v1/v2 snapshots are checked against it (property_test restores one written by the
  // old core).
  Config c;
  ASSERT_TRUE(parse_config("{}", c).empty());
  EXPECT_EQ(c.questions[0].id, "overall");
  Config same;
  ASSERT_TRUE(parse_config(R"({"scale":"stars","low_score_max":3})", same).empty());
  EXPECT_NE(same.fingerprint, 0u);
  Config q;
  ASSERT_TRUE(parse_config(R"({"questions":[{"id":"overall"}]})", q).empty());
  EXPECT_NE(q.fingerprint, c.fingerprint) << "a questions config hashes its own canonical text";
}

TEST(Config, questions_resolve_defaults_per_scale) {
  Config c;
  ASSERT_TRUE(parse_config(R"({"questions":[{"id":"HELPFUL_THUMBS"},{"id":"EXPERIENCE_THUMBS"},
      {"id":"ces","scale":"numeric","range":[1,7]},{"id":"nps","scale":"nps"},
      {"id":"ten","scale":"numeric","range":[1,10],"required":true}]})", c).empty());
  ASSERT_EQ(c.questions.size(), 5u);
  EXPECT_EQ(c.questions[0].scale, Scale::Thumbs);
  EXPECT_EQ(c.questions[0].text, "Was this helpful?");
  EXPECT_TRUE(c.questions[0].required);
  EXPECT_EQ(c.questions[1].text, "How was your experience?");
  EXPECT_FALSE(c.questions[1].required);
  EXPECT_TRUE(c.questions[0].problems.empty()) << "questions have no problems unless given";
  EXPECT_EQ(c.questions[2].low_score_max, 5);
  EXPECT_EQ(c.questions[2].positive_min, 6);
  EXPECT_EQ(c.questions[3].min, 0);
  EXPECT_EQ(c.questions[3].max, 10);
  EXPECT_EQ(c.questions[3].low_score_max, 6);
  EXPECT_EQ(c.questions[3].positive_min, 9);
  EXPECT_EQ(c.questions[3].min_label, "Not at all likely");
  EXPECT_EQ(c.questions[4].low_score_max, 7);
  EXPECT_EQ(c.questions[4].positive_min, 8);
  EXPECT_TRUE(c.questions[4].required);
  EXPECT_EQ(c.question_index("nps"), 3);
  EXPECT_EQ(c.question_index("NPS"), -1);
}

TEST(Config, default_numeric_thresholds_follow_the_documented_formula) {
  for (int min : {0, 1}) {
    for (int max = 3; max <= 10; ++max) {
      int low = 0, pos = 0;
      default_thresholds(Scale::Numeric, min, max, low, pos);
      EXPECT_EQ(pos, max - (max - min + 1) / 5) << min << ".." << max;
      EXPECT_EQ(low, pos - 1);
      EXPECT_GT(pos, min) << "some score must not be positive";
      EXPECT_LE(pos, max);
    }
  }
}

TEST(Config, localized_texts_use_the_string_fallback) {
  const char* config = R"({"locale":"%s","questions":[{"id":"q","text":{"en":"E","de":"D"},
      "problems":[{"id":"p","label":{"fr":"F","ja":"J"}}]}]})";
  for (auto [locale, text, label] : {std::tuple{"de-AT", "D", "F"}, std::tuple{"en", "E", "F"},
                                     std::tuple{"ja", "E", "J"}, std::tuple{"xx", "E", "F"}}) {
    char buf[256];
    std::snprintf(buf, sizeof buf, config, locale);
    Config c;
    ASSERT_TRUE(parse_config(buf, c).empty()) << locale;
    EXPECT_EQ(c.questions[0].text, text) << locale;
    EXPECT_EQ(c.questions[0].problems[0].label, label) << locale;
  }
  Errors e = config_errors(R"({"questions":[{"id":"q","text":{}},{"id":"r","text":{"d e":"x"}},
      {"id":"s","text":{"en":""}},{"id":"t","text":7}]})");
  EXPECT_TRUE(sr_test::has_error(e, "/questions/0/text", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/questions/1/text/d e", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/questions/2/text/en", "out_of_range"));
  EXPECT_TRUE(sr_test::has_error(e, "/questions/3/text", "wrong_type"));
}

TEST(Config, derived_rating_ids_are_stable_distinct_and_valid) {
  const std::optional<std::string> none;
  EXPECT_EQ(derive_rating_id("s-1", none, none), "s-1");
  std::set<std::string> seen;
  int n = 0;
  for (const char* session : {"s-1", "s-2", "call:42", "a"}) {
    for (std::optional<std::string> subject : {none, std::optional<std::string>("m-1"),
                                               std::optional<std::string>("m-2")}) {
      for (std::optional<std::string> rater : {none, std::optional<std::string>("u-1"),
                                               std::optional<std::string>("u-2")}) {
        const std::string id = derive_rating_id(session, subject, rater);
        EXPECT_EQ(id, derive_rating_id(session, subject, rater));
        EXPECT_TRUE(is_valid_id(id)) << id;
        seen.insert(id);
        ++n;
      }
    }
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(n)) << "every triple gets its own id";
  // Subject and rater are not interchangeable.
  EXPECT_NE(derive_rating_id("s", std::optional<std::string>("x"), none),
            derive_rating_id("s", none, std::optional<std::string>("x")));
}

TEST(Config, properties_parse_sorted_and_print_as_text) {
  Properties p;
  ASSERT_TRUE(parse_properties(R"({"z":"last","a":1,"m":0.25,"b":true})", "/p", p).empty());
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].first, "a");
  EXPECT_EQ(property_text(p[0].second), "1");
  EXPECT_EQ(property_text(p[1].second), "true");
  EXPECT_EQ(property_text(p[2].second), "0.25");
  EXPECT_EQ(property_text(p[3].second), "last");
  Errors e = parse_properties(R"({"bad-key":1,"n":null})", "/p", p);
  EXPECT_TRUE(sr_test::has_error(e, "/p/bad-key", "invalid_value"));
  EXPECT_TRUE(sr_test::has_error(e, "/p/n", "wrong_type"));
  EXPECT_EQ(p.size(), 4u) << "unchanged on error";
}
