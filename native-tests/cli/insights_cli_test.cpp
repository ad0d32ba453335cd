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

// Writes `content` to a temp file and runs `session-rating insights <file> <args>`.
RunResult run_insights(const std::string& content, const std::string& args) {
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
  const std::string file = d + "/records.jsonl";
  {
    std::ofstream o(file, std::ios::binary);
    o << content;
  }
  const std::string cmd = "'" + bin + "' insights '" + file + "' " + args + " >'" + d +
                          "/out' 2>'" + d + "/err'";
  const int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_all(d + "/out");
  r.err = read_all(d + "/err");
  std::remove((d + "/out").c_str());
  std::remove((d + "/err").c_str());
  std::remove(file.c_str());
  rmdir(d.c_str());
  return r;
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
  content += "{\"schema\":\"rating.v1\"}\n";  // invalid
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
  EXPECT_NE(r.err.find("/score"), std::string::npos) << r.err;
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
  EXPECT_EQ(run_insights("", "second.jsonl").exit_code, 2);
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
