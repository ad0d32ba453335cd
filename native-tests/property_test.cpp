// Random event sequences: the flow never crashes and keeps its invariants, and a snapshot
// taken at any step restores into a flow that behaves exactly like the original.
#include <random>

#include <gtest/gtest.h>

#include "session_rating/flow.h"
#include "test_util.h"

using namespace session_rating;
using sr_test::json;

namespace {

const json kConfigs[] = {
    json::object(),
    json{{"scale", "thumbs"}, {"finalise", {{"window_seconds", 0}}}},
    json{{"scale", "emoji"}, {"comment", {{"enabled", true}, {"required", true}, {"max_length", 20}}}},
    json{{"finalise", {{"window_seconds", 30}, {"from", "session_end"}}}, {"low_score_max", 4},
         {"positive_min", 5}},
    json{{"comment", {{"enabled", true}}}, {"redact_pii", false}, {"finalise", {{"window_seconds", 5}}}},
};

std::string random_event(std::mt19937& rng, long long& now) {
  const char* types[] = {"score", "toggle_problem", "comment", "submit", "edit", "dismiss", "tick", "bogus"};
  std::uniform_int_distribution<int> pick(0, 7), coin(0, 9), value(-1, 6), dt(-2000, 9000);
  now += dt(rng);
  if (now < 0) now = 0;
  int kind = coin(rng);
  if (kind == 0) return "{\"type\":\"score\"";  // malformed JSON now and then
  json e{{"type", types[pick(rng)]}, {"at", now}};
  if (e["type"] == "score") e["value"] = value(rng);
  if (e["type"] == "toggle_problem") e["id"] = coin(rng) < 8 ? "audio" : "nope";
  if (e["type"] == "comment")
    e["text"] = coin(rng) < 5 ? "mail a@b.co please" : std::string(static_cast<size_t>(coin(rng) * 3), 'x');
  return e.dump();
}

}  // namespace

TEST(Property, random_sequences_keep_invariants) {
  std::mt19937 rng(12345);
  for (int run = 0; run < 400; ++run) {
    const json& config = kConfigs[run % 5];
    auto flow = sr_test::make(config, json{{"session_id", "s"}, {"session_ended_at", 1000}});
    long long now = 0;
    long long last_revision = 0;
    int finals = 0;
    bool final_seen = false;
    for (int i = 0; i < 60; ++i) {
      json r = sr_test::parse(flow->dispatch_json(random_event(rng, now)));
      ASSERT_TRUE(r["view"].is_object());
      long long revision = r["view"]["revision"].get<long long>();
      ASSERT_GE(revision, last_revision) << "revision went down";
      last_revision = revision;
      for (const json& rec : r["emit"]) {
        ASSERT_FALSE(final_seen) << "record emitted after the final one";
        Record parsed;
        Errors errors = record_from_json(rec.dump(), parsed);
        ASSERT_TRUE(errors.empty()) << errors_to_json(errors) << rec;
        ASSERT_EQ(rec["revision"], revision);
        if (rec["final"] == true) {
          ++finals;
          final_seen = true;
        }
      }
      if (r["view"]["final"] == true) {
        ASSERT_EQ(r["view"]["can_edit"], false);
      }
    }
    // Long after any deadline: the flow is final and exactly one final record exists.
    json end = sr_test::send(*flow, sr_test::ev("tick", now + 10000000000LL));
    for (const json& rec : end["emit"]) {
      ASSERT_FALSE(final_seen);
      finals += rec["final"] == true;
    }
    if (flow->revision() > 0) {
      EXPECT_EQ(finals, 1) << "run " << run;
      EXPECT_EQ(flow->step(), Step::Final);
    } else {
      EXPECT_EQ(finals, 0);
    }
  }
}

TEST(Property, snapshot_round_trip_at_every_step) {
  std::mt19937 rng(777);
  for (int run = 0; run < 200; ++run) {
    const json& config = kConfigs[run % 5];
    auto flow = sr_test::make(config, json{{"session_id", "s"}, {"session_ended_at", 1000}});
    Config parsed;
    ASSERT_TRUE(parse_config(config.dump(), parsed).empty());
    long long now = 0;
    for (int i = 0; i < 40; ++i) {
      std::string snap = flow->snapshot_json();
      std::unique_ptr<Flow> copy;
      Errors errors = Flow::restore(parsed, snap, copy);
      ASSERT_TRUE(errors.empty()) << errors_to_json(errors);
      ASSERT_EQ(copy->snapshot_json(), snap);
      std::string event = random_event(rng, now);
      std::string a = flow->dispatch_json(event);
      std::string b = copy->dispatch_json(event);
      // The comment draft is kept redacted in snapshots, so compare records and steps.
      json ja = sr_test::parse(a), jb = sr_test::parse(b);
      ASSERT_EQ(ja["emit"], jb["emit"]) << event;
      ASSERT_EQ(ja["ok"], jb["ok"]) << event;
      ASSERT_EQ(ja["view"]["step"], jb["view"]["step"]) << event;
      ASSERT_EQ(ja["view"]["revision"], jb["view"]["revision"]) << event;
      if (!parsed.redact_pii) {
        ASSERT_EQ(a, b) << event;
      }
      flow = std::move(copy);  // continue with the restored one
    }
  }
}

TEST(Snapshot, refuses_another_config) {
  auto flow = sr_test::make(json::object());
  sr_test::send(*flow, sr_test::score(2, 1));
  Config other;
  ASSERT_TRUE(parse_config(R"({"comment":{"enabled":true}})", other).empty());
  std::unique_ptr<Flow> out;
  Errors e = Flow::restore(other, flow->snapshot_json(), out);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].code, "conflict");
  EXPECT_EQ(e[0].path, "/snapshot/config");
  EXPECT_EQ(out, nullptr);
}

TEST(Snapshot, refuses_malformed_snapshots) {
  auto flow = sr_test::make(json::object());
  sr_test::send(*flow, sr_test::score(5, 1));
  Config config = flow->config();
  json good = sr_test::parse(flow->snapshot_json());
  std::unique_ptr<Flow> out;
  EXPECT_FALSE(Flow::restore(config, "not json", out).empty());
  EXPECT_FALSE(Flow::restore(config, "[]", out).empty());
  for (const char* key : {"step", "draft", "revision", "submitted", "submitted_at", "context", "last_at"}) {
    json bad = good;
    bad[key] = "garbage";
    Errors e = Flow::restore(config, bad.dump(), out);
    EXPECT_FALSE(e.empty()) << key;
    EXPECT_EQ(out, nullptr);
  }
  json bad = good;
  bad["step"] = "score";  // revision 1 cannot be in "dismissed"… but "score" during a change is fine
  EXPECT_TRUE(Flow::restore(config, bad.dump(), out).empty());
  bad["step"] = "dismissed";
  EXPECT_FALSE(Flow::restore(config, bad.dump(), out).empty());
}

TEST(Snapshot, never_holds_the_unredacted_comment) {
  auto flow = sr_test::make(json{{"comment", {{"enabled", true}}}});
  sr_test::send(*flow, sr_test::score(1, 1));
  sr_test::send(*flow, json{{"type", "comment"}, {"text", "reach me at jane.doe@example.com"}, {"at", 2}});
  EXPECT_EQ(flow->snapshot_json().find("jane.doe"), std::string::npos);
  sr_test::send(*flow, sr_test::ev("submit", 3));
  EXPECT_EQ(flow->snapshot_json().find("jane.doe"), std::string::npos);
}

// A snapshot written by the core before the FNV-1a offset basis was corrected ("flow.v1":
// its fingerprint 22849d814f5ec0e5 was hashed with 1469598103934665603), produced by commit
// 9cc8e97 for this config and context after open, score 2, toggle "audio" and a comment.
constexpr const char* kLegacyConfig = R"({"comment":{"enabled":true},"locale":"de"})";
constexpr const char* kLegacySnapshot =
    R"({"snapshot":"flow.v1","config":"22849d814f5ec0e5","context":{"session_id":"s-legacy",)"
    R"("rating_id":"r-legacy","session_ended_at":null,"internal":false,"topic":"billing",)"
    R"("agent_id":null},"step":"details","open":true,"last_at":13,"score":2,)"
    R"("problems":["audio"],"comment":"mail [email]","comment_redactions":[{"kind":"email",)"
    R"("count":1}],"revision":0,"first_submitted_at":0,"submitted":{"score":0,"problems":[],)"
    R"("comment":"","redactions":[],"submitted_at":0},"final_emitted":false})";

TEST(Snapshot, restores_a_flow_v1_snapshot_from_before_the_hash_fix) {
  Config config;
  ASSERT_TRUE(parse_config(kLegacyConfig, config).empty());
  std::unique_ptr<Flow> restored;
  Errors e = Flow::restore(config, kLegacySnapshot, restored);
  ASSERT_TRUE(e.empty()) << errors_to_json(e);
  ASSERT_NE(restored, nullptr);

  // The same flow today, driven through the same events.
  auto fresh = sr_test::make(json::parse(kLegacyConfig),
                             json{{"session_id", "s-legacy"}, {"rating_id", "r-legacy"},
                                  {"topic", "billing"}});
  sr_test::send(*fresh, sr_test::ev("open", 10));
  sr_test::send(*fresh, sr_test::score(2, 11));
  sr_test::send(*fresh, json{{"type", "toggle_problem"}, {"id", "audio"}, {"at", 12}});
  sr_test::send(*fresh, json{{"type", "comment"}, {"text", "mail jane@example.com"}, {"at", 13}});
  // Re-saved, it is a flow.v3 snapshot with the corrected fingerprint and the same state.
  EXPECT_EQ(restored->snapshot_json(), fresh->snapshot_json());
  json v3 = json::parse(restored->snapshot_json());
  EXPECT_EQ(v3["snapshot"], "flow.v3");
  EXPECT_NE(v3["config"], "22849d814f5ec0e5");
  // And it goes on to emit the record the original flow would have emitted.
  json a = sr_test::send(*restored, sr_test::ev("submit", 20));
  json b = sr_test::send(*fresh, sr_test::ev("submit", 20));
  ASSERT_EQ(a["emit"].size(), 1u);
  EXPECT_EQ(a["emit"], b["emit"]);
}

TEST(Snapshot, fingerprint_must_match_the_snapshot_version) {
  Config config;
  ASSERT_TRUE(parse_config(kLegacyConfig, config).empty());
  std::unique_ptr<Flow> out;
  // A v1 snapshot carrying a v2 fingerprint, and a v2 one carrying a v1 fingerprint: refused.
  std::string v2_label = kLegacySnapshot;
  v2_label.replace(v2_label.find("flow.v1"), 7, "flow.v2");
  Errors e = Flow::restore(config, v2_label, out);
  EXPECT_TRUE(sr_test::has_error(e, "/snapshot/config", "conflict")) << errors_to_json(e);
  auto fresh = sr_test::make(json::parse(kLegacyConfig));
  const std::string current_fp = json::parse(fresh->snapshot_json())["config"];
  std::string v1_label = kLegacySnapshot;
  v1_label.replace(v1_label.find("22849d814f5ec0e5"), 16, current_fp);
  e = Flow::restore(config, v1_label, out);
  EXPECT_TRUE(sr_test::has_error(e, "/snapshot/config", "conflict")) << errors_to_json(e);
  // The same state labelled flow.v2 with today's fingerprint restores (the v2 layout).
  std::string v2_ok = v1_label;
  v2_ok.replace(v2_ok.find("flow.v1"), 7, "flow.v2");
  e = Flow::restore(config, v2_ok, out);
  EXPECT_TRUE(e.empty()) << errors_to_json(e);
  // Unknown versions stay malformed.
  std::string v4 = fresh->snapshot_json();
  v4.replace(v4.find("flow.v3"), 7, "flow.v4");
  e = Flow::restore(config, v4, out);
  EXPECT_TRUE(sr_test::has_error(e, "/snapshot/snapshot", "invalid_value")) << errors_to_json(e);
}
