// Contract 7: prompt throttling and sampling.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "internal/from_value.h"  // parse_prompt_history_value (internal)
#include "session_rating/throttle.h"

using namespace session_rating;
using nlohmann::json;

namespace {

constexpr int64_t kDay = 86400000;
constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00Z

Context ctx(const std::string& session, std::optional<std::string> agent = std::nullopt) {
  Context c;
  c.session_id = session;
  c.rating_id = session;
  c.agent_id = std::move(agent);
  return c;
}

ThrottleConfig cfg(ThrottleKey key, int days, double percent) {
  ThrottleConfig t;
  t.key = key;
  t.cooldown_days = days;
  t.sample_percent = percent;
  return t;
}

}  // namespace

TEST(Throttle, key_is_session_id_or_agent_and_session) {
  EXPECT_EQ(throttle_key(ThrottleKey::Session, ctx("s1", "a1")), "s1");
  EXPECT_EQ(throttle_key(ThrottleKey::AgentSession, ctx("s1", "a1")), "a1|s1");
  EXPECT_EQ(throttle_key(ThrottleKey::AgentSession, ctx("s1")), "s1");
}

TEST(Throttle, empty_history_full_sample_prompts) {
  PromptDecision d = should_prompt({}, ctx("s1"), kNow, cfg(ThrottleKey::Session, 7, 100));
  EXPECT_TRUE(d.prompt);
  EXPECT_EQ(d.reason, PromptReason::Ok);
  EXPECT_EQ(d.key, "s1");
}

TEST(Throttle, already_rated_is_checked_before_cooldown_and_sampling) {
  std::vector<PromptHistoryEntry> h = {{"s1", kNow - 1000, true}};
  PromptDecision d = should_prompt(h, ctx("s1"), kNow, cfg(ThrottleKey::Session, 7, 0));
  EXPECT_FALSE(d.prompt);
  EXPECT_EQ(d.reason, PromptReason::AlreadyRated);
  // Rated long ago (outside any cooldown) still counts.
  h = {{"s1", 0, true}};
  d = should_prompt(h, ctx("s1"), kNow, cfg(ThrottleKey::Session, 0, 100));
  EXPECT_EQ(d.reason, PromptReason::AlreadyRated);
}

TEST(Throttle, cooldown_is_checked_before_sampling) {
  std::vector<PromptHistoryEntry> h = {{"s1", kNow - kDay, false}};
  PromptDecision d = should_prompt(h, ctx("s1"), kNow, cfg(ThrottleKey::Session, 7, 0));
  EXPECT_FALSE(d.prompt);
  EXPECT_EQ(d.reason, PromptReason::Cooldown);
}

TEST(Throttle, cooldown_window_boundaries) {
  const ThrottleConfig t = cfg(ThrottleKey::Session, 7, 100);
  auto at = [&](int64_t prompted) {
    return should_prompt({{"s1", prompted, false}}, ctx("s1"), kNow, t).reason;
  };
  EXPECT_EQ(at(kNow - 7 * kDay + 1), PromptReason::Cooldown);  // just inside
  EXPECT_EQ(at(kNow - 7 * kDay), PromptReason::Ok);            // exactly 7 days ago: over
  EXPECT_EQ(at(kNow - 30 * kDay), PromptReason::Ok);
  EXPECT_EQ(at(kNow + kDay), PromptReason::Cooldown);          // clock skew: still cooling
}

TEST(Throttle, cooldown_zero_never_cools_down) {
  std::vector<PromptHistoryEntry> h = {{"s1", kNow, false}};
  EXPECT_EQ(should_prompt(h, ctx("s1"), kNow, cfg(ThrottleKey::Session, 0, 100)).reason,
            PromptReason::Ok);
}

TEST(Throttle, other_keys_are_ignored) {
  std::vector<PromptHistoryEntry> h = {{"s2", kNow, true}, {"a1|s1", kNow, true}};
  EXPECT_EQ(should_prompt(h, ctx("s1", "a1"), kNow, cfg(ThrottleKey::Session, 7, 100)).reason,
            PromptReason::Ok);
}

TEST(Throttle, agent_session_is_once_per_agent_per_conversation) {
  const ThrottleConfig t = cfg(ThrottleKey::AgentSession, 7, 100);
  std::vector<PromptHistoryEntry> h = {{"a1|s1", kNow - kDay, false}};
  EXPECT_EQ(should_prompt(h, ctx("s1", "a1"), kNow, t).reason, PromptReason::Cooldown);
  // Another agent in the same conversation may still ask.
  EXPECT_EQ(should_prompt(h, ctx("s1", "a2"), kNow, t).reason, PromptReason::Ok);
  // A rating of agent a1 does not count as a rating of agent a2.
  h = {{"a1|s1", kNow - 30 * kDay, true}};
  EXPECT_EQ(should_prompt(h, ctx("s1", "a1"), kNow, t).reason, PromptReason::AlreadyRated);
  EXPECT_EQ(should_prompt(h, ctx("s1", "a2"), kNow, t).reason, PromptReason::Ok);
}

TEST(Throttle, sampling_is_deterministic_and_close_to_percent) {
  for (double percent : {1.0, 10.0, 25.0, 50.0, 90.0}) {
    int prompted = 0;
    for (int i = 0; i < 10000; ++i) {
      const std::string id = "sess-" + std::to_string(i * 7919 + 13);
      const PromptDecision d = should_prompt({}, ctx(id), kNow, cfg(ThrottleKey::Session, 0, percent));
      const PromptDecision again = should_prompt({}, ctx(id), kNow + 12345, cfg(ThrottleKey::Session, 0, percent));
      ASSERT_EQ(d.prompt, again.prompt) << id;
      EXPECT_EQ(d.prompt, sampled_in(id, percent));
      if (d.prompt) {
        ++prompted;
      } else {
        EXPECT_EQ(d.reason, PromptReason::SampledOut);
      }
    }
    // 10,000 Bernoulli trials: 4 standard deviations is under 2 percentage points.
    EXPECT_NEAR(prompted / 100.0, percent, 2.0) << "sample_percent " << percent;
  }
}

TEST(Throttle, sampling_extremes_and_nesting) {
  int zero = 0;
  int hundred = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = "s" + std::to_string(i);
    zero += sampled_in(id, 0);
    hundred += sampled_in(id, 100);
    // A session sampled in at 10 % is also sampled in at 20 % (same bucket, higher bar).
    if (sampled_in(id, 10)) {
      EXPECT_TRUE(sampled_in(id, 20)) << id;
    }
    EXPECT_GE(sample_bucket(id), 0);
    EXPECT_LT(sample_bucket(id), 10000);
  }
  EXPECT_EQ(zero, 0);
  EXPECT_EQ(hundred, 2000);
}

TEST(Throttle, sampling_uses_session_id_not_agent) {
  const ThrottleConfig t = cfg(ThrottleKey::AgentSession, 0, 30);
  for (int i = 0; i < 200; ++i) {
    const std::string s = "conv-" + std::to_string(i);
    EXPECT_EQ(should_prompt({}, ctx(s, "a1"), kNow, t).prompt,
              should_prompt({}, ctx(s, "a2"), kNow, t).prompt);
  }
}

TEST(Throttle, json_wrapper_answers_with_key) {
  const std::string out = should_prompt_json(
      R"([{"key":"a1|s1","prompted_at":1767139200000,"rated":false}])",
      R"({"session_id":"s1","agent_id":"a1"})", kNow,
      R"({"key":"agent_session","cooldown_days":7})");
  EXPECT_EQ(out, R"({"key":"a1|s1","prompt":false,"reason":"cooldown"})");
  EXPECT_EQ(should_prompt_json("[]", R"({"session_id":"s1"})", kNow, "{}"),
            R"({"key":"s1","prompt":true,"reason":"ok"})");
}

TEST(Throttle, json_wrapper_reports_every_problem_with_paths) {
  const std::string out = should_prompt_json(
      R"([{"key":"s1","prompted_at":-5,"rated":"yes","extra":1},{"prompted_at":1},7])",
      R"({"agent_id":"a1"})", -1, R"({"key":"per_user","cooldown_days":400})");
  json j = json::parse(out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << out;
  ASSERT_TRUE(j.contains("error")) << out;
  std::vector<std::pair<std::string, std::string>> got;
  for (const json& e : j["error"]) {
    ASSERT_TRUE(e.contains("message"));
    got.emplace_back(e["path"].get<std::string>(), e["code"].get<std::string>());
  }
  auto has = [&](const std::string& path, const std::string& code) {
    for (const auto& g : got)
      if (g.first == path && g.second == code) return true;
    return false;
  };
  EXPECT_TRUE(has("/history/0/prompted_at", "out_of_range")) << out;
  EXPECT_TRUE(has("/history/0/rated", "wrong_type")) << out;
  EXPECT_TRUE(has("/history/0/extra", "unknown_field")) << out;
  EXPECT_TRUE(has("/history/1/key", "invalid_value")) << out;
  EXPECT_TRUE(has("/history/1/rated", "invalid_value")) << out;
  EXPECT_TRUE(has("/history/2", "not_an_object")) << out;
  EXPECT_TRUE(has("/throttle/key", "invalid_value") || has("/throttle/key", "out_of_range")) << out;
  EXPECT_TRUE(has("/throttle/cooldown_days", "out_of_range")) << out;
  EXPECT_TRUE(has("/now", "out_of_range")) << out;
  bool context_error = false;
  for (const auto& g : got) context_error |= g.first.rfind("/context", 0) == 0;
  EXPECT_TRUE(context_error) << out;
}

TEST(Throttle, json_wrapper_rejects_invalid_json_per_argument) {
  json j = json::parse(should_prompt_json("[", "{", 0, "nope"), nullptr, false);
  ASSERT_TRUE(j.contains("error"));
  std::vector<std::string> paths;
  for (const json& e : j["error"]) {
    EXPECT_EQ(e["code"], "invalid_json");
    paths.push_back(e["path"].get<std::string>());
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/history", "/context", "/throttle"}));
  j = json::parse(should_prompt_json("{}", R"({"session_id":"s1"})", 0, "{}"), nullptr, false);
  ASSERT_TRUE(j.contains("error"));
  EXPECT_EQ(j["error"][0]["path"], "/history");
  EXPECT_EQ(j["error"][0]["code"], "wrong_type");
}

TEST(Throttle, parse_history_fills_entries) {
  std::vector<PromptHistoryEntry> h;
  json v = json::parse(R"([{"key":"s1","prompted_at":5,"rated":true}])");
  EXPECT_TRUE(parse_prompt_history_value(v, h).empty());
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].key, "s1");
  EXPECT_EQ(h[0].prompted_at, 5);
  EXPECT_TRUE(h[0].rated);
}

// should_prompt_json reads a plain history in one pass without a JSON tree, and everything
// else through the tree (docs/throttle.md). Each text goes in as it is, and as a twin whose
// member names are written with a \u escape (the same JSON value, which the one-pass reader
// never takes): the answers must be byte-identical, so the fast reader decides exactly what
// the tree path decides, refusals included.
TEST(Throttle, fast_history_reader_agrees_with_tree_reader) {
  const std::string k257(257, 'k'), k258(258, 'k');
  const std::string big = [] {
    std::string t = "[";
    for (int i = 0; i < 200; ++i) {
      if (i) t += ',';
      t += R"({"key":"s)" + std::to_string(i) + R"(","prompted_at":)" +
           std::to_string(kNow - i * 3600000) + R"(,"rated":)" + (i == 150 ? "true" : "false") + "}";
    }
    return t + "]";
  }();
  const std::vector<std::string> texts = {
      "[]", " [ ] ", big,
      R"([{"key":"s1","prompted_at":5,"rated":true}])",
      R"([{"rated":false,"prompted_at":1767225000000,"key":"s1"}])",
      R"([ {"key" : "s1" , "prompted_at" : 1767225000000 , "rated" : false } ])",
      R"([{"key":"s2","prompted_at":1767225000000,"rated":false},{"key":"s1","prompted_at":1,"rated":true}])",
      "[{\"key\":\"" + k257 + "\",\"prompted_at\":1,\"rated\":false}]",
      "[{\"key\":\"" + k258 + "\",\"prompted_at\":1,\"rated\":false}]",
      R"([{"key":"","prompted_at":1,"rated":false}])",
      "[{\"key\":\"a\x7f\",\"prompted_at\":1,\"rated\":false}]",
      "[{\"key\":\"s\xc3\xa9\",\"prompted_at\":1,\"rated\":false}]",
      "[{\"key\":\"s\xc2\x85\",\"prompted_at\":1,\"rated\":false}]",
      R"([{"key":"s\u0031","prompted_at":1,"rated":true}])",
      R"([{"key":"s1","prompted_at":999999999999999,"rated":false}])",
      R"([{"key":"s1","prompted_at":9999999999999999,"rated":false}])",
      R"([{"key":"s1","prompted_at":9223372036854775808,"rated":false}])",
      R"([{"key":"s1","prompted_at":-1,"rated":false}])",
      R"([{"key":"s1","prompted_at":1.5,"rated":false}])",
      R"([{"key":"s1","prompted_at":1e3,"rated":false}])",
      R"([{"key":"s1","prompted_at":"1","rated":false}])",
      R"([{"key":"s1","prompted_at":1,"rated":"true"}])",
      R"([{"key":"s1","prompted_at":1,"rated":truex}])",
      R"([{"key":"s1","prompted_at":1,"rated":null}])",
      R"([{"key":"s1","key":"s2","prompted_at":1,"rated":false}])",
      R"([{"key":"s1","prompted_at":1}])",
      R"([{"key":"s1","prompted_at":1,"rated":false,"extra":0}])",
      R"([{"key":"s1","prompted_at":1,"rated":false},])",
      R"([{"key":"s1","prompted_at":1,"rated":false}] x)",
      R"([{"key":"s1","prompted_at":1,"rated":false})",
      R"([[]])", R"([1])", R"({})", "", "\xef\xbb\xbf[]",
  };
  auto twin = [](std::string t) {
    for (const char* name : {"key", "prompted_at", "rated"}) {
      const std::string plain = std::string("\"") + name + "\":";
      const std::string escaped = std::string("\"\\u00") + (name[0] == 'k' ? "6b" : name[0] == 'p' ? "70" : "72") +
                                  (name + 1) + "\":";
      for (std::size_t at = t.find(plain); at != std::string::npos; at = t.find(plain, at + escaped.size()))
        t.replace(at, plain.size(), escaped);
    }
    return t;
  };
  ASSERT_NE(twin(texts[3]), texts[3]);
  for (const char* throttle : {R"({"cooldown_days":7})", "{}"}) {
    for (const std::string& t : texts) {
      const std::string fast = should_prompt_json(t, R"({"session_id":"s1"})", kNow, throttle);
      const std::string tree = should_prompt_json(twin(t), R"({"session_id":"s1"})", kNow, throttle);
      EXPECT_EQ(fast, tree) << "history: " << t.substr(0, 120);
    }
  }
  // The big history decides from its entry 150 (rated), read by the one-pass reader.
  const std::string big_s150 = should_prompt_json(big, R"({"session_id":"s150"})", kNow, "{}");
  EXPECT_NE(big_s150.find("already_rated"), std::string::npos) << big_s150;
}
