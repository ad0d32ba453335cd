#include "session_rating/flow.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

using namespace session_rating;
using sr_test::ev;
using sr_test::json;
using sr_test::score;
using sr_test::send;

TEST(Flow, high_score_emits_one_record_and_thanks) {
  auto flow = sr_test::make(json::object());
  json r = send(*flow, score(5, 1000));
  EXPECT_EQ(r["ok"], true);
  EXPECT_EQ(r["view"]["step"], "thanks");
  ASSERT_EQ(r["emit"].size(), 1u);
  EXPECT_EQ(r["emit"][0]["schema"], "rating.v2");
  EXPECT_EQ(r["emit"][0]["revision"], 1);
  EXPECT_EQ(flow->step(), Step::Thanks);
  EXPECT_EQ(flow->revision(), 1);
}

TEST(Flow, wire_answer_is_the_flat_view_alone_unless_refused_or_emitting) {
  auto flow = sr_test::make(json{{"comment", {{"enabled", true}}}});
  // [step, open, can_submit, can_edit, revision, edit_deadline, final, then per question
  // score, low, picks (bit i = problem i), text, remaining]: docs/view.md, "The wire form".
  json w = sr_test::parse(flow->dispatch_wire_json(R"({"type":"score","value":2,"at":1})"));
  EXPECT_EQ(w, json::parse(R"(["details",true,true,false,0,null,false,2,true,0,"",500])"));
  flow->dispatch_wire_json(R"({"type":"toggle_problem","id":"audio","at":2})");
  w = sr_test::parse(flow->dispatch_wire_json(R"({"type":"toggle_problem","id":"other","at":3})"));
  EXPECT_EQ(w[9], 1 + 16);  // audio is problem 0, other problem 4
  w = sr_test::parse(
      flow->dispatch_wire_json("{\"type\":\"comment\",\"text\":\"h\u00e9\\\"\",\"at\":4}"));
  EXPECT_EQ(w[10], "h\u00e9\"");
  EXPECT_EQ(w[11], 497);
  // Refused: the whole answer object, with the same flat view.
  json r = sr_test::parse(flow->dispatch_wire_json(R"({"type":"score","value":9,"at":5})"));
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["error"]["code"], "score_out_of_range");
  EXPECT_EQ(r["view"], w);
  EXPECT_EQ(r["emit"], json::array());
  // A submit emits its record: the whole answer object again.
  r = sr_test::parse(flow->dispatch_wire_json(R"({"type":"submit","at":6})"));
  EXPECT_EQ(r["ok"], true);
  ASSERT_EQ(r["emit"].size(), 1u);
  EXPECT_EQ(r["view"][0], "thanks");
  EXPECT_EQ(r["view"][4], 1);
}

TEST(Flow, emitted_record_passes_record_validation) {
  auto flow = sr_test::make(json{{"comment", {{"enabled", true}}}},
                            json{{"session_id", "s"}, {"topic", "billing"}, {"agent_id", "a1"}});
  send(*flow, score(1, 10));
  send(*flow, json{{"type", "toggle_problem"}, {"id", "audio"}, {"at", 11}});
  send(*flow, json{{"type", "comment"}, {"text", "call me on 030 1234 5678"}, {"at", 12}});
  json r = send(*flow, ev("submit", 13));
  ASSERT_EQ(r["emit"].size(), 1u);
  Record rec;
  Errors errors = record_from_json(r["emit"][0].dump(), rec);
  EXPECT_TRUE(errors.empty()) << errors_to_json(errors);
  EXPECT_EQ(rec.answers.at(0).problems, std::vector<std::string>{"audio"});
  EXPECT_EQ(rec.answers.at(0).comment.find("1234"), std::string::npos) << rec.answers.at(0).comment;
}

TEST(Flow, refused_event_changes_nothing) {
  auto flow = sr_test::make(json::object());
  send(*flow, score(2, 1000));
  std::string before = flow->snapshot_json();
  for (const json& bad : {json{{"type", "toggle_problem"}, {"id", "nope"}, {"at", 5000}},
                          json{{"type", "score"}, {"value", 9}, {"at", 5000}},
                          json{{"type", "edit"}, {"at", 5000}}, json{{"type", "x"}, {"at", 5000}}}) {
    json r = send(*flow, bad);
    EXPECT_EQ(r["ok"], false) << bad;
    EXPECT_TRUE(r["emit"].empty());
    EXPECT_EQ(flow->snapshot_json(), before) << bad;  // not even the clock moved
  }
}

TEST(Flow, error_result_has_code_message_view_and_emit) {
  auto flow = sr_test::make(json::object());
  json r = sr_test::parse(flow->dispatch_json("{\"type\":\"submit\",\"at\":1}"));
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["error"]["code"], "not_allowed");
  EXPECT_TRUE(r["error"]["message"].is_string());
  EXPECT_TRUE(r["view"].is_object());
  EXPECT_TRUE(r["emit"].is_array());
}

TEST(Flow, raw_invalid_utf8_event_is_invalid_utf8) {
  auto flow = sr_test::make(json{{"comment", {{"enabled", true}}}});
  send(*flow, score(1, 10));
  json r = sr_test::parse(
      flow->dispatch_json(std::string("{\"type\":\"comment\",\"text\":\"\xc3\x28\",\"at\":11}")));
  EXPECT_EQ(r["error"]["code"], "invalid_utf8");
}

TEST(Flow, comment_text_never_appears_in_error_messages) {
  auto flow = sr_test::make(json{{"comment", {{"enabled", true}, {"max_length", 10}}}});
  send(*flow, score(1, 10));
  json r = send(*flow, json{{"type", "comment"}, {"text", "secret jane@example.com text"}, {"at", 11}});
  EXPECT_EQ(r["error"]["code"], "comment_too_long");
  EXPECT_EQ(r["error"]["message"].get<std::string>().find("jane"), std::string::npos);
}

TEST(Flow, final_record_is_emitted_exactly_once) {
  auto flow = sr_test::make(json{{"finalise", {{"window_seconds", 1}}}});
  send(*flow, score(4, 0));
  int finals = 0;
  for (long long t = 500; t < 5000; t += 500) {
    json r = send(*flow, ev("tick", t));
    for (const json& rec : r["emit"]) finals += rec["final"] == true;
  }
  EXPECT_EQ(finals, 1);
  EXPECT_EQ(flow->step(), Step::Final);
}

TEST(Flow, view_has_every_documented_field) {
  auto flow = sr_test::make(json::object());
  json v = sr_test::parse(flow->view_json());
  for (const char* key : {"step", "open", "locale", "dir", "questions", "can_submit", "can_edit",
                          "revision", "edit_deadline", "final", "strings"})
    EXPECT_TRUE(v.contains(key)) << key;
  ASSERT_EQ(v["questions"].size(), 1u);
  const json& q = v["questions"][0];
  for (const char* key : {"id", "text", "scale", "range", "options", "end_labels", "required",
                          "score", "low", "problems", "comment"})
    EXPECT_TRUE(q.contains(key)) << key;
  for (const char* key : {"enabled", "required", "text", "max_length", "remaining"})
    EXPECT_TRUE(q["comment"].contains(key)) << key;
  EXPECT_EQ(v.size(), 11u) << "every field is documented in docs/view.md";
  EXPECT_EQ(q.size(), 11u) << "every field is documented in docs/view.md";
  EXPECT_EQ(v["strings"]["comment_label"], "Tell us more");
}

// The control characters a comment may hold (tab, line feed, carriage return; the others are
// refused: hardening_test.cpp) are escaped in the record's JSON.
TEST(Flow, control_characters_in_comment_are_escaped_in_json) {
  auto flow = sr_test::make(json{{"comment", {{"enabled", true}}}, {"redact_pii", false}});
  send(*flow, score(1, 10));
  std::string text = "line1\nline2\t\"quoted\" \\ back \r end";
  send(*flow, json{{"type", "comment"}, {"text", text}, {"at", 11}});
  json r = send(*flow, ev("submit", 12));
  EXPECT_EQ(r["emit"][0]["answers"][0]["comment"], text);
}

TEST(Flow, deadline_uses_first_submit_not_later_changes) {
  auto flow = sr_test::make(json{{"finalise", {{"window_seconds", 100}}}});
  send(*flow, score(5, 1000));
  json r = send(*flow, score(4, 50000));
  EXPECT_EQ(r["emit"][0]["edit_deadline"], 101000);
  r = send(*flow, score(3, 101000));
  EXPECT_EQ(r["error"]["code"], "finalised");
  EXPECT_EQ(r["emit"][0]["revision"], 2);
  EXPECT_EQ(r["emit"][0]["final"], true);
}

TEST(Flow, several_questions_submit_one_record_per_revision_and_restore) {
  auto flow = sr_test::make(
      sr_test::parse(R"({"questions":[{"id":"HELPFUL_THUMBS"},{"id":"EXPERIENCE_THUMBS"},
          {"id":"nps","scale":"nps","required":true}]})"),
      json{{"session_id", "chat-1"}, {"rater_id", "v-1"}, {"properties", {{"model", "m-2"}}}});
  send(*flow, json{{"type", "score"}, {"question", "nps"}, {"value", 10}, {"at", 1}});
  json r = send(*flow, ev("submit", 2));
  EXPECT_EQ(r["error"]["code"], "answer_required") << "HELPFUL_THUMBS (first) is required";
  send(*flow, json{{"type", "score"}, {"question", "HELPFUL_THUMBS"}, {"value", 1}, {"at", 3}});
  // A snapshot in the middle resumes the same drafts.
  std::unique_ptr<Flow> copy;
  ASSERT_TRUE(Flow::restore(flow->config(), flow->snapshot_json(), copy).empty());
  EXPECT_EQ(copy->view_json(), flow->view_json());
  r = send(*copy, ev("submit", 4));
  ASSERT_EQ(r["emit"].size(), 1u);
  const json& rec = r["emit"][0];
  EXPECT_EQ(rec["rater_id"], "v-1");
  EXPECT_EQ(rec["properties"], (json{{"model", "m-2"}}));
  ASSERT_EQ(rec["answers"].size(), 2u) << "the unanswered optional question is left out";
  EXPECT_EQ(rec["answers"][0]["question"], "HELPFUL_THUMBS");
  EXPECT_EQ(rec["answers"][1]["question"], "nps");
  EXPECT_EQ(rec["answers"][1]["sentiment"], "positive");
  Record parsed;
  EXPECT_TRUE(record_from_json(rec.dump(), parsed).empty());
  EXPECT_EQ(copy->revision(), 1);
}

// The fast event reader (flow.cpp, scan_event) and the tree reader agree: each event text goes
// to one flow as it is (the plain shape takes the fast path) and to a twin flow with an extra
// member the flow ignores ("_":0, which always sends it down the tree path); the two results
// and views must be the same bytes, refusals (code, message) included.
TEST(Flow, fast_event_reader_agrees_with_tree_reader) {
  const std::vector<std::vector<std::string>> runs = {
      {R"({"type":"score","value":2,"at":1000})", R"({"type":"toggle_problem","id":"audio","at":1001})",
       R"({"type":"toggle_problem","id":"nope","at":1002})", R"({"type":"comment","text":"It kept dropping","at":1003})",
       R"({"type":"comment","text":"caf\u00e9 \n","at":1004})", R"({"type":"comment","text":"café ✓","at":1004})",
       R"({"type":"score","value":9,"at":1005})", R"({"type":"score","value":0,"at":1005})",
       R"({"type":"score","value":3.0,"at":1006})", R"({"type":"score","value":"3","at":1006})",
       R"({"type":"score","at":1006})", R"({"type":"score","value":-1,"at":1006})",
       R"({"type":"score","value":99999999999999999999,"at":1006})", R"({"type":"tick","at":999})",
       R"({ "type" : "tick" , "at" : 1007 })", R"({"type":"tick","at":1007,"value":"x"})",
       R"({"type":"score","question":"q1","value":2,"at":1008})", R"({"type":"score","question":"zz","value":2,"at":1008})",
       R"({"type":"score","question":3,"value":2,"at":1008})", R"({"type":"blah","at":1009})",
       R"({"type":"","at":1009})", R"({"type":"tick","at":-0})", R"({"type":"tick","at":1.5})",
       R"({"type":"tick","at":"1"})", R"({"type":"tick","at":253402300799999})",
       R"({"type":"tick","at":253402300800000})", R"({"type":"tick","at":1010,"at":1011})",
       R"({"type":"tick","type":"tick","at":1011})", R"({"type":"tick","at":1011)", R"({"type":"ti\u0063k","at":1011})",
       R"({"type":"comment","at":1012})", R"({"type":"toggle_problem","id":7,"at":1012})",
       R"({"type":"submit","at":1013})", R"({"type":"edit","at":1014})", R"({"type":"dismiss","at":1015})",
       R"({"type":"session_end","at":1016})", R"({"type":"session_end","at":1017})", R"({"type":"submit","at":1018})"},
      {R"({"type":"submit","at":5})", R"({"type":"dismiss","at":6})", R"({"type":"score","value":5,"at":7})",
       R"({"type":"tick","at":86400000000})", R"({"type":"score","value":5,"at":86400000001})"},
  };
  const json config = {{"comment", {{"enabled", true}, {"max_length", 10}}}};
  for (const auto& run : runs) {
    auto fast = sr_test::make(config);
    auto tree = sr_test::make(config);
    for (const std::string& text : run) {
      const std::string twin = "{\"_\":0," + text.substr(1);
      EXPECT_EQ(fast->dispatch_json(text), tree->dispatch_json(twin)) << text;
      EXPECT_EQ(fast->view_json(), tree->view_json()) << text;
    }
  }
}
