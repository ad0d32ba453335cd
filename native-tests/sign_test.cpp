// Signed context in the core (sign.h; issue 13): the canonical payload, the token syntax, and
// context_signature through context, record and snapshot. Core only (runs native and WASM);
// the MAC and the CLI are tested in native-tests/cli/sign_cli_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "record_fixture.h"
#include "session_rating/config.h"
#include "session_rating/flow.h"
#include "session_rating/insights.h"
#include "session_rating/record.h"
#include "session_rating/sign.h"
#include "test_util.h"

using namespace session_rating;
using sr_test::json;

namespace {

// A token of valid syntax (the mac is 43 base64url characters; not a real MAC).
const std::string kToken = "sr1.1767225600000.avysUWekt0IJypuZoiVahNfBfcfk5eQSLMtNwD85aLg";

Context context_of(const std::string& text) {
  Config config;
  EXPECT_TRUE(parse_config("{}", config).empty());
  Context c;
  const Errors errors = parse_context(text, config, c);
  EXPECT_TRUE(errors.empty()) << errors_to_json(errors);
  return c;
}

Errors context_errors(const std::string& text) {
  Config config;
  EXPECT_TRUE(parse_config("{}", config).empty());
  Context c;
  return parse_context(text, config, c);
}

}  // namespace

TEST(Sign, payload_is_the_contracts_example_byte_for_byte) {
  const Context c = context_of(
      R"({"session_id":"s-1","rater_id":"u-7","agent_id":"agent-4","internal":true})");
  EXPECT_EQ(context_signing_payload(1767225600000, c),
            R"(["sr1",1767225600000,"s-1","u-7",null,"agent-4",true])");
}

TEST(Sign, payload_has_nulls_for_absent_ids_and_false_for_not_internal) {
  const Context c = context_of(R"({"session_id":"s.2:x_y-z"})");
  EXPECT_EQ(context_signing_payload(5, c), R"(["sr1",5,"s.2:x_y-z",null,null,null,false])");
  const Context all = context_of(
      R"({"session_id":"s","rater_id":"r","subject_id":"m-3","agent_id":"a","topic":"t",)"
      R"("properties":{"k":"v"},"rating_id":"other"})");
  // Only the five identity fields are signed: topic, properties and rating_id are not.
  EXPECT_EQ(context_signing_payload(9999999999999999, all),
            R"(["sr1",9999999999999999,"s","r","m-3","a",false])");
}

TEST(Sign, payload_of_a_record_equals_the_payload_of_its_context) {
  Record r = sr_test::rec("a", 1, 5);
  r.session_id = "s-1";
  r.rater_id = "u-7";
  r.agent_id = "agent-4";
  r.internal = true;
  r.topic = "billing";
  EXPECT_EQ(context_signing_payload(1767225600000, r),
            R"(["sr1",1767225600000,"s-1","u-7",null,"agent-4",true])");
}

TEST(Sign, token_syntax_accepts_only_sr1_expiry_and_43_base64url_characters) {
  const std::string mac(43, 'A');
  EXPECT_TRUE(is_context_signature_syntax(kToken));
  EXPECT_TRUE(is_context_signature_syntax("sr1.0." + mac));
  EXPECT_TRUE(is_context_signature_syntax("sr1.9999999999999999." + mac));
  EXPECT_TRUE(is_context_signature_syntax("sr1.1." + std::string(42, 'z') + "_"));
  EXPECT_TRUE(is_context_signature_syntax("sr1.1." + std::string(42, '9') + "-"));

  EXPECT_FALSE(is_context_signature_syntax(""));
  EXPECT_FALSE(is_context_signature_syntax("sr2.1." + mac));                 // version
  EXPECT_FALSE(is_context_signature_syntax("SR1.1." + mac));
  EXPECT_FALSE(is_context_signature_syntax("sr1.."));
  EXPECT_FALSE(is_context_signature_syntax("sr1.." + mac));                   // no expiry
  EXPECT_FALSE(is_context_signature_syntax("sr1.01." + mac));                 // leading zero
  EXPECT_FALSE(is_context_signature_syntax("sr1.10000000000000000." + mac));  // 17 digits
  EXPECT_FALSE(is_context_signature_syntax("sr1.-1." + mac));
  EXPECT_FALSE(is_context_signature_syntax("sr1.1e3." + mac));
  EXPECT_FALSE(is_context_signature_syntax("sr1.1." + mac + "A"));            // 44 characters
  EXPECT_FALSE(is_context_signature_syntax("sr1.1." + mac.substr(1)));        // 42
  EXPECT_FALSE(is_context_signature_syntax("sr1.1." + mac.substr(1) + "="));  // padding
  EXPECT_FALSE(is_context_signature_syntax("sr1.1." + mac.substr(1) + "+"));  // base64, not url
  EXPECT_FALSE(is_context_signature_syntax("sr1.1." + mac.substr(1) + "/"));
  EXPECT_FALSE(is_context_signature_syntax(" sr1.1." + mac));
  EXPECT_FALSE(is_context_signature_syntax("sr1.1." + mac + "\n"));
  EXPECT_FALSE(is_context_signature_syntax("sr1.1.2." + mac));
}

TEST(Sign, split_returns_expiry_and_mac_and_make_joins_them) {
  int64_t exp = 0;
  std::string_view mac;
  ASSERT_TRUE(split_context_signature(kToken, exp, mac));
  EXPECT_EQ(exp, 1767225600000);
  EXPECT_EQ(mac, "avysUWekt0IJypuZoiVahNfBfcfk5eQSLMtNwD85aLg");
  EXPECT_EQ(make_context_signature(exp, mac), kToken);
  int64_t untouched = 7;
  EXPECT_FALSE(split_context_signature("sr1.x.y", untouched, mac));
  EXPECT_EQ(untouched, 7);
}

TEST(Sign, context_reads_context_signature_and_refuses_bad_ones_with_their_codes) {
  EXPECT_EQ(context_of(R"({"session_id":"s-1","context_signature":")" + kToken + "\"}")
                .context_signature.value_or(""),
            kToken);
  EXPECT_FALSE(context_of(R"({"session_id":"s-1"})").context_signature.has_value());
  // null is "none", like the context's other optional fields (topic, rater_id).
  EXPECT_FALSE(context_of(R"({"session_id":"s-1","context_signature":null})").context_signature.has_value());

  const Errors bad = context_errors(R"({"session_id":"s-1","context_signature":"sr1.1.abc"})");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].path, "/context/context_signature");
  EXPECT_EQ(bad[0].code, "invalid_value");
  for (const char* value : {"1", "true", "[]", "{}"}) {
    const Errors e = context_errors(std::string(R"({"session_id":"s-1","context_signature":)") +
                                    value + "}");
    ASSERT_EQ(e.size(), 1u) << value;
    EXPECT_EQ(e[0].path, "/context/context_signature") << value;
    EXPECT_EQ(e[0].code, "wrong_type") << value;
  }
}

TEST(Sign, record_without_signature_is_byte_identical_and_has_no_key) {
  const Record r = sr_test::rec("a", 1, 5);
  const std::string text = record_to_json(r);
  EXPECT_EQ(text.find("context_signature"), std::string::npos);
  // The bytes every earlier core wrote: ... "agent_id":null,"properties":{}} at the end.
  const std::string end = R"(,"agent_id":null,"properties":{}})";
  ASSERT_GE(text.size(), end.size());
  EXPECT_EQ(text.substr(text.size() - end.size()), end);
  Record back;
  ASSERT_TRUE(record_from_json(text, back).empty());
  EXPECT_FALSE(back.context_signature.has_value());
  EXPECT_EQ(record_to_json(back), text);
}

TEST(Sign, record_with_signature_writes_it_last_and_round_trips) {
  Record r = sr_test::rec("a", 1, 5);
  r.context_signature = kToken;
  const std::string text = record_to_json(r);
  const std::string tail = R"(,"properties":{},"context_signature":")" + kToken + "\"}";
  ASSERT_GE(text.size(), tail.size());
  EXPECT_EQ(text.substr(text.size() - tail.size()), tail);
  Record plain = r;
  plain.context_signature.reset();
  // Everything before it is the record without the key.
  const std::string without = record_to_json(plain);
  EXPECT_EQ(text.substr(0, without.size() - 1), without.substr(0, without.size() - 1));

  Record back;
  ASSERT_TRUE(record_from_json(text, back).empty());
  EXPECT_EQ(back.context_signature.value_or(""), kToken);
  EXPECT_EQ(record_to_json(back), text);
  // The fast reader gives the same record, and forgets a signature it read before.
  Record fast;
  ASSERT_TRUE(parse_record_fast(text, fast).empty());
  EXPECT_EQ(record_to_json(fast), text);
  ASSERT_TRUE(parse_record_fast(without, fast).empty());
  EXPECT_FALSE(fast.context_signature.has_value());
}

TEST(Sign, record_refuses_a_bad_signature_with_its_path_and_v1_refuses_the_key) {
  Record r = sr_test::rec("a", 1, 5);
  r.context_signature = "sr1.1.short";
  Record back;
  Errors e = record_from_json(record_to_json(r), back);
  ASSERT_EQ(e.size(), 1u) << errors_to_json(e);
  EXPECT_EQ(e[0].path, "/context_signature");
  EXPECT_EQ(e[0].code, "invalid_value");
  EXPECT_FALSE(check_record(r).empty());

  json j = json::parse(record_to_json(sr_test::rec("a", 1, 5)));
  j["context_signature"] = 42;
  e = record_from_json(j.dump(), back);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].path, "/context_signature");
  EXPECT_EQ(e[0].code, "wrong_type");

  const std::string v1 =
      R"({"schema":"rating.v1","rating_id":"r","session_id":"s","revision":1,"final":false,)"
      R"("scale":"stars","score":5,"positive":true,"sentiment":"positive","problems":[],)"
      R"("comment":"","redactions":[],"submitted_at":1,"first_submitted_at":1,)"
      R"("edit_deadline":2,"internal":false,"topic":null,"agent_id":null,)"
      R"("thresholds":{"low_score_max":3,"positive_min":4},"context_signature":")" +
      kToken + "\"}";
  e = record_from_json(v1, back);
  ASSERT_FALSE(e.empty());
  EXPECT_TRUE(sr_test::has_error(e, "/context_signature", "unknown_field")) << errors_to_json(e);
}

TEST(Sign, flow_copies_the_signature_into_every_record_and_the_snapshot_keeps_it) {
  const json context = {{"session_id", "s-1"}, {"agent_id", "agent-4"}, {"internal", true},
                        {"context_signature", kToken}};
  auto flow = sr_test::make(json{{"finalise", {{"window_seconds", 60}}}}, context);
  ASSERT_TRUE(flow);
  json out = sr_test::send(*flow, {{"type", "score"}, {"at", 1000}, {"value", 5}});
  ASSERT_EQ(out["emit"].size(), 1u) << out.dump();
  EXPECT_EQ(out["emit"][0]["context_signature"], kToken);

  const std::string snapshot = flow->snapshot_json();
  EXPECT_EQ(json::parse(snapshot)["context"]["context_signature"], kToken);
  Config config;
  ASSERT_TRUE(parse_config(R"({"finalise":{"window_seconds":60}})", config).empty());
  std::unique_ptr<Flow> restored;
  const Errors errors = Flow::restore(config, snapshot, restored);
  ASSERT_TRUE(errors.empty()) << errors_to_json(errors);
  out = sr_test::send(*restored, {{"type", "tick"}, {"at", 61000}});
  ASSERT_EQ(out["emit"].size(), 1u) << out.dump();
  EXPECT_EQ(out["emit"][0]["final"], true);
  EXPECT_EQ(out["emit"][0]["context_signature"], kToken);
}

TEST(Sign, flow_without_signature_emits_and_snapshots_no_key) {
  auto flow = sr_test::make(json{{"finalise", {{"window_seconds", 60}}}});
  ASSERT_TRUE(flow);
  const json out = sr_test::send(*flow, {{"type", "score"}, {"at", 1000}, {"value", 5}});
  ASSERT_EQ(out["emit"].size(), 1u);
  EXPECT_FALSE(out["emit"][0].contains("context_signature"));
  EXPECT_EQ(flow->snapshot_json().find("context_signature"), std::string::npos);
}
