// The core's JSON seam (core/src/internal/json.h) against nlohmann: internal::parse_json gives
// the same value as nlohmann::json::parse — or the same refusal — for hand-picked edge cases and
// 200,000 random mutations; the writer's output reads back through nlohmann.
#include <cmath>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "internal/json.h"

namespace {

using nlohmann::json;
using session_rating::internal::parse_json;

// Same type and value, recursively (floats bit-for-bit, including the sign of zero).
bool same(const json& a, const json& b) {
  if (a.is_discarded() || b.is_discarded()) return a.is_discarded() == b.is_discarded();
  if (a.type() != b.type()) return false;
  if (a.is_number_float()) {
    double x = a.get<double>(), y = b.get<double>();
    return x == y && std::signbit(x) == std::signbit(y);
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto f = b.find(it.key());
      if (f == b.end() || !same(*it, *f)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

// nlohmann's parse, with the one deliberate difference of parse_json: nlohmann keeps the last
// of two equal keys, parse_json refuses the object (docs/json.md). A parser callback spots
// duplicates, so every other input is still compared with plain nlohmann.
json reference(const std::string& text) {
  std::vector<std::set<std::string>> keys;
  bool duplicate = false;
  json v = json::parse(
      text.begin(), text.end(),
      [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        else if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
        else if (event == json::parse_event_t::key && !keys.empty() &&
                 !keys.back().insert(parsed.get<std::string>()).second)
          duplicate = true;
        return true;
      },
      false);
  return duplicate ? json(json::value_t::discarded) : v;
}

const std::vector<std::string>& seeds() {
  static const std::vector<std::string> s = {
      "", " ", "null", "true", "false", "nul", "truex", "0", "-0", "-", "01", "-01", "1.", ".5",
      "1e", "1e+", "1E5", "1.5e-3", "-1.25E+2", "18446744073709551615", "18446744073709551616",
      "-9223372036854775808", "-9223372036854775809", "9223372036854775808",
      "123456789012345678901234567890", "1e400", "-1e400", "1e-400", "0.1", "3.141592653589793",
      "\"abc\"", "\"a\\u0000b\"", "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00\"",
      "\"\\ud83d\\u0041\"", "\"\\x\"", "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "\"\t\"", "\"\xc3\xa9\"",
      "\"\xc3\"", "\"\xe0\x80\x80\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
      "\"\xf0\x9f\x98\x80\"", "\"\xff\"", "\"\x7f\"", "[]", "[ ]", "[1,2]", "[1,]", "[,1]", "[1 2]",
      "{}", "{ }", "{\"a\":1}", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":1,\"a\":[2]}",
      "{\"a\":{\"b\":[1,{\"c\":null}]},\"d\":\"e\"}", "[[[[[]]]]]", "[[[[[]]]]", "\xef\xbb\xbf{}",
      "\xef\xbb{}", " \n\t\r[1] \n", "[1]x", "1 2", std::string("1\0x", 3), std::string("\0", 1),
      std::string("[\"a\0\"]", 6), std::string("{\"k\":\"v\"}\0junk", 14),
      "{\"score\":2,\"type\":\"score\",\"at\":1000}", "[1.0,-0.0,0e0,2E-0]", "\"\\u00e9\\u00E9\"",
      "\"\\uD834\\uDD1E\"", "[\"\\u12\"]"};
  return s;
}

TEST(JsonParse, edge_cases_match_nlohmann) {
  for (const std::string& text : seeds()) {
    EXPECT_TRUE(same(parse_json(text), reference(text))) << "input: " << text;
  }
}

TEST(JsonParse, duplicate_keys_are_refused_where_nlohmann_keeps_the_last) {
  const std::string text = R"({"a":{"b":[1,{"c":1,"~/":2,"~/":3}]},"topic":"x"})";
  EXPECT_EQ(json::parse(text)["a"]["b"][1]["~/"], 3);  // nlohmann: the last one wins
  std::string path = "untouched";
  EXPECT_TRUE(parse_json(text, &path).is_discarded());
  EXPECT_EQ(path, "/a/b/1/~0~1");
  path.clear();
  EXPECT_TRUE(parse_json(R"({"topic":"a","topic":"b"})", &path).is_discarded());
  EXPECT_EQ(path, "/topic");
  path = "untouched";  // other refusals and accepted input leave the path alone
  EXPECT_TRUE(parse_json(R"({"topic":"a",})", &path).is_discarded());
  EXPECT_FALSE(parse_json(R"([{"a":1},{"a":2}])", &path).is_discarded());
  EXPECT_EQ(path, "untouched");
  // Equal after unescaping is equal: "t\u006fpic" is "topic".
  EXPECT_TRUE(parse_json(R"({"topic":"a","t\u006fpic":"b"})").is_discarded());
}

TEST(JsonParse, deep_nesting_neither_recurses_nor_fails) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  json v = parse_json(deep);
  ASSERT_FALSE(v.is_discarded());
  std::string medium = std::string(2000, '[') + std::string(2000, ']');
  EXPECT_TRUE(same(parse_json(medium), reference(medium)));  // same() recurses
  EXPECT_TRUE(parse_json(std::string(100000, '[')).is_discarded());
}

TEST(JsonParse, random_mutations_match_nlohmann) {
  std::mt19937 rng(20240601);
  const std::string alphabet =
      "{}[]:,\"\\u0123456789.eE+-tfnrlasx \n\xc3\xa9\xed\xa0\xf0\x9f\x98\x80\xef\xbb\xbf";
  const auto& s = seeds();
  int differences = 0;
  for (int iter = 0; iter < 200000 && differences < 5; ++iter) {
    std::string t = s[rng() % s.size()];
    int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) {
      std::size_t pos = t.empty() ? 0 : rng() % (t.size() + 1);
      char ch = alphabet[rng() % alphabet.size()];
      switch (rng() % 4) {
        case 0: t.insert(t.begin() + static_cast<std::ptrdiff_t>(pos), ch); break;
        case 1: if (pos < t.size()) t.erase(pos, 1); break;
        case 2: if (pos < t.size()) t[pos] = ch; break;
        default: t.insert(pos, s[rng() % s.size()]); break;
      }
    }
    if (!same(parse_json(t), reference(t))) {
      ++differences;
      ADD_FAILURE() << "differs from nlohmann on: " << t;
    }
  }
  EXPECT_EQ(differences, 0);
}

// Every string the writer escapes reads back, through nlohmann, as the same bytes; integers
// and the writer's structure too.
TEST(JsonWrite, output_reads_back_through_nlohmann) {
  using session_rating::internal::append_int;
  using session_rating::internal::append_json_string;
  using session_rating::internal::JsonWriter;
  std::mt19937 rng(7);
  // Code points of every UTF-8 length, all control characters, quote and backslash.
  const std::vector<std::string> pieces = {"a", "\"", "\\", "/", "\x7f", "\xc3\xa9", "\xe2\x80\x94",
                                           "\xef\xbf\xbf", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf",
                                           std::string(1, '\0')};
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      if (rng() % 3 == 0) s.push_back(static_cast<char>(rng() % 0x20));
      else s += pieces[rng() % pieces.size()];
    }
    std::string out;
    append_json_string(out, s);
    const json back = json::parse(out, nullptr, false);
    ASSERT_TRUE(back.is_string()) << out;
    ASSERT_EQ(back.get<std::string>(), s) << out;
  }
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{7}, int64_t{1767225600000}, INT64_MAX, INT64_MIN}) {
    std::string out;
    append_int(out, v);
    EXPECT_EQ(json::parse(out, nullptr, false), json(v)) << out;
  }
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a");
  w.begin_array();
  w.integer(1);
  w.string("x");
  w.boolean(true);
  w.null();
  w.raw("{\"k\":[]}");
  w.end_array();
  w.key("b");
  w.begin_object();
  w.end_object();
  w.end_object();
  EXPECT_EQ(json::parse(out, nullptr, false),
            json::parse(R"({"a":[1,"x",true,null,{"k":[]}],"b":{}})", nullptr, false))
      << out;
}

}  // namespace

TEST(JsonParse, short_numbers_read_back_exactly_or_are_refused) {
  using session_rating::internal::append_short_number;
  struct Case { double v; const char* text; };
  for (Case c : {Case{3, "3"}, Case{-3, "-3"}, Case{0.5, "0.5"}, Case{0.1, "0.1"},
                 Case{-12.25, "-12.25"}, Case{123456.000001, "123456.000001"},
                 Case{0.000000000000001, "0.000000000000001"}, Case{8.9e15, "8900000000000000"}}) {
    std::string out;
    ASSERT_TRUE(append_short_number(out, c.v)) << c.text;
    EXPECT_EQ(out, c.text);
    EXPECT_EQ(std::strtod(out.c_str(), nullptr), c.v);
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {  // any double it writes reads back to itself
    double v = std::ldexp(static_cast<double>(rng() >> 11), -static_cast<int>(rng() % 60)) *
               (rng() % 2 ? 1 : -1);
    std::string out;
    if (append_short_number(out, v)) {
      ASSERT_EQ(std::strtod(out.c_str(), nullptr), v) << out;
    }
  }
  for (double v : {1e21, 9e15, -9e15, 1e-20, std::nan(""), HUGE_VAL}) {
    std::string out;
    EXPECT_FALSE(append_short_number(out, v)) << v;
    EXPECT_TRUE(out.empty());
  }
}
