// Issue 13 (hardening) in the core: duplicate keys refused in every JSON input, control
// characters refused in free text, redaction of look-alike characters and of every free-text
// field of a record. Each test fails on the core before these rules.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "record_fixture.h"
#include "session_rating/config.h"
#include "session_rating/flow.h"
#include "session_rating/insights.h"
#include "session_rating/record.h"
#include "session_rating/redact.h"
#include "session_rating/throttle.h"
#include "session_rating/utf8.h"
#include "test_util.h"

using namespace session_rating;
using sr_test::has_error;
using sr_test::json;

namespace {

const char* kContext = R"({"session_id":"s-1","rating_id":"r-1"})";

// A valid v2 record as text, with `topic` set.
std::string record_text(const std::string& topic = "billing") {
  Record r = sr_test::rec("r-1", 1, 2);
  r.topic = topic;
  return record_to_json(r);
}

// `text` with `"key":value,` inserted right after the opening brace.
std::string with_leading(const std::string& text, const std::string& member) {
  return "{" + member + "," + text.substr(1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Duplicate keys

TEST(DuplicateKey, config_is_refused_at_the_second_occurrence) {
  Config c;
  Errors e = parse_config(R"({"scale":"stars","comment":{"enabled":true,"enabled":false}})", c);
  ASSERT_EQ(e.size(), 1u) << errors_to_json(e);
  EXPECT_EQ(e[0].code, "duplicate_key");
  EXPECT_EQ(e[0].path, "/comment/enabled");
  e = parse_config(R"({"problems":[{"id":"a","label":"A"},{"id":"b","id":"c","label":"B"}]})", c);
  EXPECT_TRUE(has_error(e, "/problems/1/id", "duplicate_key")) << errors_to_json(e);
}

TEST(DuplicateKey, context_is_refused_with_a_context_path) {
  Config config;
  ASSERT_TRUE(parse_config("{}", config).empty());
  Context c;
  Errors e = parse_context(R"({"session_id":"s-1","topic":"a","topic":"b"})", config, c);
  EXPECT_TRUE(has_error(e, "/context/topic", "duplicate_key")) << errors_to_json(e);
  e = parse_context(R"({"session_id":"s-1","properties":{"a~/b":1,"a~/b":2}})", config, c);
  EXPECT_TRUE(has_error(e, "/context/properties/a~0~1b", "duplicate_key")) << errors_to_json(e);
}

TEST(DuplicateKey, event_is_invalid_event_and_changes_nothing) {
  std::unique_ptr<Flow> flow;
  ASSERT_TRUE(make_flow("{}", kContext, flow).empty());
  const std::string before = flow->snapshot_json();
  json r = sr_test::parse(flow->dispatch_json(R"({"type":"score","value":5,"value":1,"at":1000})"));
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["error"]["code"], "invalid_event");
  EXPECT_EQ(flow->snapshot_json(), before);
}

TEST(DuplicateKey, record_v2_and_v1_are_refused_by_both_readers) {
  const std::string v2 = with_leading(record_text(), R"("topic":"x")");
  Record out;
  Errors e = record_from_json(v2, out);
  ASSERT_EQ(e.size(), 1u) << errors_to_json(e);
  EXPECT_EQ(e[0].code, "duplicate_key");
  EXPECT_EQ(e[0].path, "/topic");
  Errors fast = parse_record_fast(v2, out);  // the insights reader agrees
  EXPECT_TRUE(has_error(fast, "/topic", "duplicate_key")) << errors_to_json(fast);

  const std::string v1 = sr_test::v1_line(sr_test::rec("r-1", 1, 5));
  ASSERT_TRUE(record_from_json(v1, out).empty());
  const std::string v1_dup = v1.substr(0, v1.size() - 1) + R"(,"score":1})";
  e = record_from_json(v1_dup, out);
  EXPECT_TRUE(has_error(e, "/score", "duplicate_key")) << errors_to_json(e);
  EXPECT_TRUE(has_error(parse_record_fast(v1_dup, out), "/score", "duplicate_key"));
}

TEST(DuplicateKey, nested_record_keys_report_their_pointer) {
  Record r = sr_test::rec("r-1", 1, 2);
  r.properties = {{"plan", PropertyValue{PropertyValue::Kind::String, "pro", 0, false}}};
  std::string text = record_to_json(r);
  const std::string props = R"("properties":{"plan":"pro")";
  const std::size_t at = text.find(props);
  ASSERT_NE(at, std::string::npos) << text;
  text.insert(at + props.size(), R"(,"plan":"free")");
  Record out;
  EXPECT_TRUE(has_error(record_from_json(text, out), "/properties/plan", "duplicate_key"));
  EXPECT_TRUE(has_error(parse_record_fast(text, out), "/properties/plan", "duplicate_key"));
  std::string answer = record_to_json(sr_test::rec("r-1", 1, 5));
  answer.insert(answer.find(R"("score":)"), R"("score":4,)");
  EXPECT_TRUE(has_error(record_from_json(answer, out), "/answers/0/score", "duplicate_key"));
}

TEST(DuplicateKey, insights_array_reports_the_record_index) {
  const std::string array = "[" + record_text() + "," + with_leading(record_text(), R"("final":true)") + "]";
  json r = sr_test::parse(aggregate_json(array, ""));
  ASSERT_TRUE(r.contains("error")) << r.dump();
  EXPECT_EQ(r["error"][0]["code"], "duplicate_key");
  EXPECT_EQ(r["error"][0]["path"], "/1/final");
}

TEST(DuplicateKey, snapshot_is_refused) {
  std::unique_ptr<Flow> flow;
  ASSERT_TRUE(make_flow("{}", kContext, flow).empty());
  const std::string snap = flow->snapshot_json();
  std::unique_ptr<Flow> copy;
  ASSERT_TRUE(Flow::restore(flow->config(), snap, copy).empty());
  const std::string dup = with_leading(snap, R"("snapshot":"flow.v3")");
  Errors e = Flow::restore(flow->config(), dup, copy);
  EXPECT_TRUE(has_error(e, "/snapshot/snapshot", "duplicate_key")) << errors_to_json(e);
}

TEST(DuplicateKey, prompt_history_context_and_throttle_are_refused) {
  json r = sr_test::parse(should_prompt_json(
      R"([{"key":"k","prompted_at":1,"rated":false,"rated":true}])",
      R"({"session_id":"s","session_id":"t"})", 10, R"({"cooldown_days":1,"cooldown_days":0})"));
  ASSERT_TRUE(r.contains("error")) << r.dump();
  std::string paths;
  for (const json& e : r["error"])
    if (e["code"] == "duplicate_key") paths += e["path"].get<std::string>() + " ";
  EXPECT_EQ(paths, "/history/0/rated /context/session_id /throttle/cooldown_days ");
}

// ---------------------------------------------------------------------------------------------
// Control characters

TEST(ControlChars, detector_covers_c0_del_and_c1) {
  EXPECT_FALSE(has_control_chars("plain text é 日本"));
  EXPECT_TRUE(has_control_chars(std::string("a\0b", 3)));
  EXPECT_TRUE(has_control_chars("a\x1f"));
  EXPECT_TRUE(has_control_chars("a\x7f"));
  EXPECT_TRUE(has_control_chars("a\xc2\x80"));
  EXPECT_TRUE(has_control_chars("a\xc2\x9f"));
  EXPECT_FALSE(has_control_chars("a\xc2\xa0"));  // no-break space is not a control
  EXPECT_TRUE(has_control_chars("a\tb"));
  EXPECT_FALSE(has_control_chars("a\tb\r\nc", true));
  EXPECT_TRUE(has_control_chars(std::string("a\0b", 3), true));
  EXPECT_TRUE(has_control_chars("a\x0b", true));
}

TEST(ControlChars, context_topic_and_property_strings_are_invalid_value) {
  Config config;
  ASSERT_TRUE(parse_config("{}", config).empty());
  Context c;
  Errors e = parse_context(
      R"({"session_id":"s-1","topic":"a\u0000b","properties":{"p":"x\u0085"}})", config, c);
  EXPECT_TRUE(has_error(e, "/context/topic", "invalid_value")) << errors_to_json(e);
  EXPECT_TRUE(has_error(e, "/context/properties/p", "invalid_value")) << errors_to_json(e);
  EXPECT_TRUE(parse_context(R"({"session_id":"s-1","topic":"a b"})", config, c).empty());
}

TEST(ControlChars, config_texts_are_invalid_value) {
  Config c;
  Errors e = parse_config(
      R"({"question":{"en":"Q\u0001"},"problems":[{"id":"a","label":"A\u007f"}],"labels":{"min":"x"}})",
      c);
  EXPECT_TRUE(has_error(e, "/question/en", "invalid_value")) << errors_to_json(e);
  EXPECT_TRUE(has_error(e, "/problems/0/label", "invalid_value")) << errors_to_json(e);
}

TEST(ControlChars, comment_event_keeps_line_breaks_and_refuses_the_rest) {
  std::unique_ptr<Flow> flow;
  ASSERT_TRUE(make_flow(R"({"comment":{"enabled":true}})", kContext, flow).empty());
  ASSERT_EQ(sr_test::send(*flow, sr_test::score(2, 1000))["ok"], true);
  json r = sr_test::send(*flow, {{"type", "comment"}, {"text", std::string("a\0b", 3)}, {"at", 1100}});
  EXPECT_EQ(r["error"]["code"], "invalid_value") << r.dump();
  r = sr_test::send(*flow, {{"type", "comment"}, {"text", "a\x1b[2Jb"}, {"at", 1100}});
  EXPECT_EQ(r["error"]["code"], "invalid_value") << r.dump();
  r = sr_test::send(*flow, {{"type", "comment"}, {"text", "one\r\n\ttwo"}, {"at", 1100}});
  EXPECT_EQ(r["ok"], true) << r.dump();
}

TEST(ControlChars, record_topic_properties_and_comment_are_invalid_value) {
  Record out;
  Errors e = record_from_json(record_text(std::string("a\x07") + "b"), out);
  EXPECT_TRUE(has_error(e, "/topic", "invalid_value")) << errors_to_json(e);
  Record r = sr_test::rec("r-1", 1, 2);
  r.answers[0].comment = std::string("x\0y", 3);
  const std::string text = record_to_json(r);
  e = record_from_json(text, out);
  EXPECT_TRUE(has_error(e, "/answers/0/comment", "invalid_value")) << errors_to_json(e);
  EXPECT_TRUE(has_error(parse_record_fast(text, out), "/answers/0/comment", "invalid_value"));
  r.answers[0].comment = "fine";
  r.properties = {{"p", PropertyValue{PropertyValue::Kind::String, "a\xc2\x9b", 0, false}}};
  e = record_from_json(record_to_json(r), out);
  EXPECT_TRUE(has_error(e, "/properties/p", "invalid_value")) << errors_to_json(e);
  Record direct = r;  // check_record (the collector's and the fast reader's check) agrees
  EXPECT_TRUE(has_error(check_record(direct), "/properties/p", "invalid_value"));
  r.answers[0].comment = "line\nbreak\tand tab";
  r.properties.clear();
  EXPECT_TRUE(record_from_json(record_to_json(r), out).empty());
}

// ---------------------------------------------------------------------------------------------
// Redaction: look-alike characters and every free-text field

TEST(RedactLookAlike, no_break_and_narrow_spaces_inside_a_card) {
  RedactResult r = redact("card 4111\xc2\xa0" "1111\xe2\x80\xaf" "1111\xc2\xa0" "1111 thanks");
  EXPECT_EQ(r.text, "card [card] thanks");
}

TEST(RedactLookAlike, dots_inside_a_card) {
  EXPECT_EQ(redact("card 4111.1111.1111.1111.").text, "card [card].");
  EXPECT_EQ(redact("not a card 4111.1111.1111.1112").text, "not a card 4111.1111.1111.1112");
}

TEST(RedactLookAlike, zero_width_characters_inside_a_card) {
  for (const char* zw : {"\xe2\x80\x8b", "\xe2\x80\x8c", "\xe2\x80\x8d", "\xe2\x81\xa0",
                         "\xef\xbb\xbf"}) {
    const std::string text = std::string("pay 4111 1111 11") + zw + "11 1111" + zw + " ok";
    // The zero-width character after the card is outside the match: kept.
    EXPECT_EQ(redact(text).text, std::string("pay [card]") + zw + " ok") << text;
  }
}

TEST(RedactLookAlike, full_width_at_digits_and_dots) {
  EXPECT_EQ(redact("mail john\xef\xbc\xa0" "example.com now").text, "mail [email] now");
  EXPECT_EQ(redact("mail john@example\xef\xbc\x8e" "com now").text, "mail [email] now");
  EXPECT_EQ(redact("mail john@example\xef\xb9\x92" "com now").text, "mail [email] now");
  // ４１１１ １１１１ １１１１ １１１１ in full-width digits, then kept CJK text.
  const std::string fw = "\xef\xbc\x94\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91";
  const std::string one = "\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91\xef\xbc\x91";
  RedactResult r = redact("カード" + fw + " " + one + " " + one + " " + one + "です");
  EXPECT_EQ(r.text, "カード[card]です");
  ASSERT_EQ(r.redactions.size(), 1u);
  EXPECT_EQ(r.redactions[0].kind, "card");
}

TEST(RedactLookAlike, look_alike_negatives_are_kept_byte_for_byte) {
  for (const std::string& text :
       {std::string("price 1\xc2\xa0" "299,00\xc2\xa0\xe2\x82\xac"), std::string("v4\xef\xbc\x8e" "1"),
        std::string("order \xef\xbc\x83\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98"),
        std::string("\xe2\x80\x8b@handle and user\xef\xbc\xa0localhost"),
        std::string("date 2024\xef\xbc\x8e" "05\xef\xbc\x8e" "01\xc2\xa0" "10:30")}) {
    RedactResult r = redact(text);
    EXPECT_EQ(r.text, text);
    EXPECT_TRUE(r.redactions.empty()) << text;
  }
}

TEST(RedactRecord, topic_properties_and_comment_are_redacted_and_counted) {
  Record r = sr_test::rec("r-1", 1, 2);
  r.topic = "refund for jane@example.com";
  r.properties = {{"note", PropertyValue{PropertyValue::Kind::String, "card 4111 1111 1111 1111", 0, false}},
                  {"seats", PropertyValue{PropertyValue::Kind::Number, "", 3, false}}};
  r.answers[0].comment = "call +1 (555) 123-4567";
  redact_record_text(r);
  EXPECT_EQ(*r.topic, "refund for [email]");
  EXPECT_EQ(r.properties[0].second.text, "card [card]");
  EXPECT_EQ(r.answers[0].comment, "call [phone]");
  ASSERT_EQ(r.answers[0].redactions.size(), 3u);
  EXPECT_EQ(r.answers[0].redactions[0].kind, "email");
  EXPECT_EQ(r.answers[0].redactions[1].kind, "phone");
  EXPECT_EQ(r.answers[0].redactions[2].kind, "card");
  Record again = r;
  redact_record_text(again);  // idempotent
  EXPECT_EQ(record_to_json(again), record_to_json(r));
  Record out;
  EXPECT_TRUE(record_from_json(record_to_json(r), out).empty());
}

TEST(RedactRecord, a_topic_grown_by_placeholders_stays_within_its_limit) {
  std::string topic;
  while (topic.size() + 7 <= 128) topic += "a@b.co ";
  topic.pop_back();
  Record r = sr_test::rec("r-1", 1, 5);
  r.topic = topic;
  redact_record_text(r);
  EXPECT_LE(code_points(*r.topic), 128u);
  Record out;
  EXPECT_TRUE(record_from_json(record_to_json(r), out).empty());
}

TEST(RedactRecord, flow_redacts_topic_and_properties_when_redact_pii_is_on) {
  const char* context =
      R"({"session_id":"s-1","rating_id":"r-1","topic":"for jane@example.com","properties":{"n":"ssn 123-45-6789"}})";
  for (bool on : {true, false}) {
    std::unique_ptr<Flow> flow;
    ASSERT_TRUE(make_flow(on ? "{}" : R"({"redact_pii":false})", context, flow).empty());
    json r = sr_test::send(*flow, sr_test::score(5, 1000));
    ASSERT_EQ(r["emit"].size(), 1u) << r.dump();
    const json& rec = r["emit"][0];
    EXPECT_EQ(rec["topic"], on ? "for [email]" : "for jane@example.com");
    EXPECT_EQ(rec["properties"]["n"], on ? "ssn [ssn]" : "ssn 123-45-6789");
    EXPECT_EQ(rec["answers"][0]["redactions"].size(), on ? 2u : 0u) << rec.dump();
  }
}

TEST(DuplicateKey, check_json_text_finds_a_duplicate_in_a_batch) {
  const std::string batch = "[" + record_text() + "," + with_leading(record_text(), R"("topic":"x")") + "]";
  Errors e = check_json_text(batch);
  ASSERT_EQ(e.size(), 1u) << errors_to_json(e);
  EXPECT_EQ(e[0].code, "duplicate_key");
  EXPECT_EQ(e[0].path, "/1/topic");
  EXPECT_TRUE(check_json_text("[" + record_text() + "]").empty());
  EXPECT_TRUE(has_error(check_json_text("[1,"), "", "invalid_json"));
  EXPECT_TRUE(has_error(check_json_text("\"\xff\""), "", "invalid_utf8"));
}
