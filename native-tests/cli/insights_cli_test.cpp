// The `session-rating insights` CLI run as a child process. Native only (a WASM program cannot
// start processes): built as session_rating_cli_tests, and ctest passes the CLI it built in
// SR_CLI (native-tests/CMakeLists.txt). Aggregation itself is tested in insights_test.cpp.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "session_rating/insights.h"
#include "../record_fixture.h"
#include "session_rating/record.h"

using namespace session_rating;
using nlohmann::json;

namespace {


using sr_test::kT0;
using sr_test::rec;

// The CLI under test: ctest sets SR_CLI to $<TARGET_FILE:session-rating>.
std::string cli_path() {
  const char* bin = std::getenv("SR_CLI");
  if (!bin || !*bin) {
    ADD_FAILURE() << "SR_CLI is not set: run these tests through ctest, which passes the "
                     "session-rating binary it built (or set SR_CLI=path/to/session-rating)";
    return "";
  }
  if (access(bin, X_OK) != 0) {
    ADD_FAILURE() << "SR_CLI=" << bin << " is not an executable file";
    return "";
  }
  return bin;
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes each of `contents` to a temp file and runs
// `session-rating insights <args> <file>...` (files after the options).
RunResult run_insights_files(const std::vector<std::string>& contents, const std::string& args) {
  RunResult r;
  const std::string bin = cli_path();
  if (bin.empty()) return r;
  char dir_tmpl[] = "/tmp/sr-insights-test-XXXXXX";
  const char* dir = mkdtemp(dir_tmpl);
  if (!dir) {
    ADD_FAILURE() << "mkdtemp failed";
    return r;
  }
  const std::string d(dir);
  std::vector<std::string> files;
  std::string file_args;
  for (std::size_t i = 0; i < contents.size(); ++i) {
    files.push_back(d + "/records" + std::to_string(i) + ".jsonl");
    std::ofstream o(files.back(), std::ios::binary);
    o << contents[i];
    file_args += " '" + files.back() + "'";
  }
  const std::string cmd = "'" + bin + "' insights " + args + file_args + " >'" + d +
                          "/out' 2>'" + d + "/err'";
  const int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_all(d + "/out");
  r.err = read_all(d + "/err");
  std::remove((d + "/out").c_str());
  std::remove((d + "/err").c_str());
  for (const std::string& f : files) std::remove(f.c_str());
  rmdir(d.c_str());
  return r;
}

// One file.
RunResult run_insights(const std::string& content, const std::string& args) {
  return run_insights_files({content}, args);
}

std::string jsonl(const std::vector<Record>& records) {
  std::string s;
  for (const Record& r : records) s += record_to_json(r) + "\n";
  return s;
}

}  // namespace

// --- the CLI ---------------------------------------------------------------------------------

TEST(Insights, cli_prints_result_with_invalid_lines) {
  std::string content = jsonl({rec("a", 1, 5), rec("a", 2, 2), rec("b", 1, 4)});
  content += "\n";                      // empty line: skipped
  content += "   \r\n";                 // blank line: skipped
  content += "{\"schema\":\"rating.v2\"}\n";  // invalid
  content += "not json\n";              // invalid
  content += record_to_json(rec("c", 1, 1));  // last line without newline
  const RunResult r = run_insights(content, "--by day");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["invalid_lines"], 2);
  EXPECT_EQ(j["ratings"], 3);
  EXPECT_EQ(j["distribution"]["2"], 1);
  EXPECT_EQ(j["distribution"]["4"], 1);
  EXPECT_EQ(j["distribution"]["1"], 1);
  EXPECT_EQ(j["groups"]["2026-01-01"]["ratings"], 3);
}

TEST(Insights, cli_strict_stops_at_first_invalid_line_with_its_number) {
  std::string content = jsonl({rec("a", 1, 5)});
  content += "\n";
  Record bad = rec("b", 1, 9);
  content += record_to_json(bad) + "\n";  // line 3: score out of range
  content += "garbage\n";                 // line 4: never reached
  const RunResult r = run_insights(content, "--strict");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/answers/0/score"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(":4:"), std::string::npos) << r.err;
  // Without invalid lines --strict succeeds.
  const RunResult ok = run_insights(jsonl({rec("a", 1, 5)}), "--strict --by agent");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(json::parse(ok.out)["invalid_lines"], 0);
}

TEST(Insights, cli_usage_errors_exit_2) {
  EXPECT_EQ(run_insights("", "--by week").exit_code, 2);
  EXPECT_EQ(run_insights("", "--by").exit_code, 2);
  EXPECT_EQ(run_insights("", "--frobnicate").exit_code, 2);
  EXPECT_EQ(run_insights("", "--by property:Bad-Key").exit_code, 2);
  EXPECT_EQ(run_insights("", "--by property:").exit_code, 2);
  EXPECT_EQ(run_insights("", "--question").exit_code, 2);
  EXPECT_EQ(run_insights("", "--question 'two words'").exit_code, 2);
  EXPECT_EQ(run_insights("", "/nonexistent/second.jsonl").exit_code, 2);  // one of several
  const RunResult usage = run_insights("", "--question=a.b");
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("usage: session-rating insights"), std::string::npos) << usage.err;
  EXPECT_NE(usage.err.find("--question"), std::string::npos) << usage.err;
  const std::string bin = cli_path();
  ASSERT_FALSE(bin.empty());
  const int status = std::system(("'" + bin + "' insights /nonexistent/x.jsonl 2>/dev/null").c_str());
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 2);
  const int none = std::system(("'" + bin + "' insights 2>/dev/null").c_str());
  EXPECT_EQ(WIFEXITED(none) ? WEXITSTATUS(none) : -1, 2);
}

TEST(Insights, cli_long_lines_and_many_lines) {
  // Lines longer than the 1 MiB read buffer would be; and many short lines across chunks.
  std::string content;
  for (int i = 0; i < 20000; ++i) content += record_to_json(rec("r" + std::to_string(i), 1, 1 + i % 5)) + "\n";
  content += std::string(3 << 20, ' ') + record_to_json(rec("long", 1, 5)) + "\n";
  const RunResult r = run_insights(content, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["ratings"], 20001);
  EXPECT_EQ(j["invalid_lines"], 0);
  EXPECT_EQ(j["distribution"]["5"], 4001);
}

TEST(Insights, cli_reads_v1_and_v2_lines_from_several_files) {
  // File 1: v1 lines (old widgets); file 2: v2 lines, one editing a v1 rating.
  std::string v1 = sr_test::v1_line(rec("a", 1, 2)) + "\n" + sr_test::v1_line(rec("b", 1, 5)) + "\n";
  Record b2 = rec("b", 2, 1, Scale::Stars);
  Record c = sr_test::with_answers(rec("c", 1, 5), {sr_test::answer("overall", Scale::Stars, 4),
                                                    sr_test::answer("nps", Scale::Nps, 10)});
  c.rater_id = "u1";
  c.properties = {{"model", PropertyValue{PropertyValue::Kind::String, "m-2", 0, false}}};
  const RunResult r = run_insights_files({v1, jsonl({b2, c})}, "--by property:model");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << r.out;
  EXPECT_EQ(j["invalid_lines"], 0);
  EXPECT_EQ(j["ratings"], 3);
  EXPECT_EQ(j["answers"], 4);
  EXPECT_EQ(j["raters"], 1);
  EXPECT_EQ(j["distribution"]["1"], 1);  // b's revision 2 (file 2) beat its v1 revision 1
  EXPECT_EQ(j["distribution"]["5"], 0);
  EXPECT_EQ(j["nps"]["promoters"], 1);
  EXPECT_EQ(j["nps"]["score"], 100);
  EXPECT_EQ(j["questions"]["overall"]["ratings"], 3);
  EXPECT_EQ(j["groups"]["m-2"]["ratings"], 1);
  EXPECT_EQ(j["groups"]["(none)"]["ratings"], 2);
  // The same lines through standard input ("-") as one stream give the same result.
  const std::string bin = cli_path();
  ASSERT_FALSE(bin.empty());
  char tmpl[] = "/tmp/sr-insights-stdin-XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream o(tmpl, std::ios::binary);
    o << v1 << jsonl({b2, c});
  }
  const std::string out = std::string(tmpl) + ".out";
  const int status = std::system(("'" + bin + "' insights --by property:model - <'" +
                                  std::string(tmpl) + "' >'" + out + "'").c_str());
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
  EXPECT_EQ(json::parse(read_all(out), nullptr, false), j);
  std::remove(tmpl);
  std::remove(out.c_str());
}

TEST(Insights, cli_question_filter_and_nps_counted_by_hand) {
  const std::vector<int> scores = {10, 9, 8, 6, 0, 7, 10};
  int64_t promoters = 0, detractors = 0;
  std::vector<Record> records;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    promoters += scores[i] >= 9;
    detractors += scores[i] <= 6;
    records.push_back(sr_test::with_answers(
        rec("r" + std::to_string(i), 1, 5),
        {sr_test::answer("HELPFUL_THUMBS", Scale::Thumbs, static_cast<int>(i % 2)),
         sr_test::answer("nps", Scale::Nps, scores[i])}));
  }
  records.push_back(rec("only-overall", 1, 5));  // no nps answer: left out by the filter
  const RunResult r = run_insights(jsonl(records), "--question nps");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["question"], "nps");
  EXPECT_EQ(j["ratings"], static_cast<int64_t>(scores.size()));
  EXPECT_EQ(j["nps"]["promoters"], promoters);
  EXPECT_EQ(j["nps"]["detractors"], detractors);
  EXPECT_EQ(j["nps"]["responses"], static_cast<int64_t>(scores.size()));
  EXPECT_EQ(j["nps"]["score"], 14.285714);  // (3 - 2) / 7 = 14.2857142…%
  EXPECT_EQ(promoters - detractors, 1);
  EXPECT_TRUE(j["csat"].is_null());
  EXPECT_EQ(j["questions"].size(), 1u);
  const RunResult thumbs = run_insights(jsonl(records), "--question=HELPFUL_THUMBS --by day");
  ASSERT_EQ(thumbs.exit_code, 0) << thumbs.err;
  const json t = json::parse(thumbs.out);
  EXPECT_EQ(t["thumbs"]["up"], 3);
  EXPECT_EQ(t["thumbs"]["down"], 4);
  EXPECT_EQ(t["groups"]["2026-01-01"]["ratings"], 7);
}

// Issue 14: a regular file is read in --threads N parts (cut at line boundaries, merged in
// order); the output must not depend on N. The file has every rating's revisions spread over
// the whole file — the later revision in the first half for some, in the second for others,
// equal-revision conflicting copies, retries — plus invalid, blank and v1 lines.
namespace {
std::string spread_file(int ratings) {
  std::vector<std::string> first, second;
  for (int i = 0; i < ratings; ++i) {
    const std::string id = "rt-" + std::to_string(i);
    Record r1 = rec(id, 1, 1 + i % 5);
    r1.rater_id = "u" + std::to_string(i % 37);
    r1.topic = i % 4 ? std::optional<std::string>("t" + std::to_string(i % 6)) : std::nullopt;
    Record r2 = rec(id, 2, 5 - i % 5);
    r2.rater_id = r1.rater_id;
    r2.topic = r1.topic;
    r2.internal = i % 23 == 0;
    const std::string l1 = i % 9 == 0 ? sr_test::v1_line(r1) : record_to_json(r1);
    const std::string l2 = record_to_json(r2);
    if (i % 2) {
      first.push_back(l1);
      second.push_back(l2);
    } else {
      first.push_back(l2);  // the winner comes first
      second.push_back(l1);
    }
    if (i % 11 == 0) second.push_back(l2);  // a retry
    if (i % 13 == 0) {  // a conflicting copy of revision 2: the fixed order decides
      Record c = r2;
      c.topic = "conflict";
      c.answers[0] = sr_test::answer("overall", Scale::Stars, 3);
      (i % 26 ? first : second).push_back(record_to_json(c));
    }
    if (i % 101 == 0) first.push_back("{\"schema\":\"rating.v2\"}");
    if (i % 103 == 0) second.push_back("not json");
    if (i % 107 == 0) second.push_back("");
  }
  std::string out;
  for (const std::string& l : first) out += l + "\n";
  for (const std::string& l : second) out += l + "\n";
  return out;
}
}  // namespace

TEST(Insights, cli_threads_give_the_output_of_one_thread) {
  const std::string content = spread_file(3000);
  for (const char* query : {"", "--by topic", "--by day --question overall"}) {
    const RunResult one = run_insights(content, std::string(query) + " --threads 1");
    ASSERT_EQ(one.exit_code, 0) << one.err;
    const json j = json::parse(one.out);
    EXPECT_EQ(j["invalid_lines"], 30 + 30);  // i % 101 == 0 and i % 103 == 0, i < 3000
    EXPECT_EQ(j["ratings"].get<int64_t>() + j["excluded_internal"].get<int64_t>(), 3000);
    for (const char* threads : {"2", "3", "7", "64"}) {
      const RunResult many = run_insights(content, std::string(query) + " --threads " + threads);
      ASSERT_EQ(many.exit_code, 0) << many.err;
      EXPECT_EQ(many.out, one.out) << query << " --threads " << threads;
    }
    // The default (2 threads) too.
    EXPECT_EQ(run_insights(content, query).out, one.out) << query;
  }
  // And it is the core's answer for the whole file in one Aggregator, line by line.
  Aggregator agg;
  int64_t invalid = 0;
  std::size_t start = 0;
  while (start < content.size()) {
    const std::size_t nl = content.find('\n', start);
    const std::string line = content.substr(start, nl - start);
    if (!line.empty() && !agg.add_json(line).empty()) ++invalid;
    start = nl + 1;
  }
  json threaded = json::parse(run_insights(content, "--threads 2").out);
  EXPECT_EQ(threaded["invalid_lines"], invalid);
  threaded.erase("invalid_lines");
  EXPECT_EQ(threaded, json::parse(agg.result_json()));
}

TEST(Insights, cli_threads_strict_reports_the_first_invalid_line_of_the_file) {
  std::string head;
  for (int i = 0; i < 2000; ++i) head += record_to_json(rec("a" + std::to_string(i), 1, 5)) + "\n";
  std::string tail;
  for (int i = 0; i < 2000; ++i) tail += record_to_json(rec("b" + std::to_string(i), 1, 4)) + "\n";
  // Invalid lines only in the second half: its line number counts the first half's lines.
  const std::string late = head + tail + "not json\n" + tail;
  // Invalid lines in both halves: the first half's is the one reported.
  const std::string both = head + "{}\n" + head + tail + "not json\n" + tail;
  for (const std::string* content : {&late, &both}) {
    const RunResult one = run_insights(*content, "--strict --threads 1");
    EXPECT_EQ(one.exit_code, 1);
    EXPECT_EQ(one.out, "");
    EXPECT_NE(one.err.find(content == &late ? ":4001:" : ":2001:"), std::string::npos) << one.err;
    for (const char* threads : {"2", "3", "8"}) {
      const RunResult many = run_insights(*content, std::string("--strict --threads ") + threads);
      EXPECT_EQ(many.exit_code, 1);
      EXPECT_EQ(many.out, "");
      // Same message; the temp file's name differs between runs, so compare from the line.
      EXPECT_EQ(many.err.substr(many.err.find(".jsonl:")), one.err.substr(one.err.find(".jsonl:")))
          << "--threads " << threads;
    }
  }
}

TEST(Insights, cli_threads_option_is_checked) {
  for (const char* bad : {"--threads 0", "--threads 65", "--threads x", "--threads=", "--threads",
                          "--threads -1", "--threads 2x"}) {
    const RunResult r = run_insights("", bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--threads"), std::string::npos) << bad << ": " << r.err;
  }
  const RunResult ok = run_insights(record_to_json(rec("a", 1, 5)) + "\n", "--threads=64");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(json::parse(ok.out)["ratings"], 1);
}

// Issue 13: a record line with a duplicate key is an invalid line (the fast reader falls back
// to the DOM reader, which refuses it), not a record whose last key wins.
TEST(Insights, cli_line_with_a_duplicate_key_is_invalid) {
  const std::string line = record_to_json(rec("a", 1, 5));
  const std::string dup = "{\"rating_id\":\"b\"," + line.substr(1);
  RunResult r = run_insights(line + "\n" + dup + "\n", "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json out = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << r.out;
  EXPECT_EQ(out["invalid_lines"], 1) << r.out;
  EXPECT_EQ(out["ratings"], 1) << r.out;
}

// Issue 13: scenario files go through the same rule: a duplicate key is a bad file (exit 2).
TEST(Scenarios, cli_refuses_a_scenario_file_with_a_duplicate_key) {
  const std::string bin = cli_path();
  ASSERT_FALSE(bin.empty());
  char tmpl[] = "/tmp/sr-scenario-dup-XXXXXX";
  const int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  const std::string file(tmpl);
  {
    std::ofstream o(file, std::ios::binary);
    o << R"({"name":"dup","config":{},"context":{"session_id":"s-1","session_id":"s-2"},"steps":[]})";
  }
  const std::string cmd = "'" + bin + "' test '" + file + "' >'" + file + ".out' 2>&1";
  const int status = std::system(cmd.c_str());
  const std::string out = read_all(file + ".out");
  std::remove(file.c_str());
  std::remove((file + ".out").c_str());
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 2) << out;
  EXPECT_NE(out.find("duplicate key"), std::string::npos) << out;
}
