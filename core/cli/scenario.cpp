// `session-rating test` and `session-rating validate-config`.
//
// A scenario file holds {"name", "config", "context", "steps": [...]} or, instead of steps,
// "expect_config_error": [{"path", "code"}]. See docs/scenarios.md.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "session_rating/config.h"
#include "session_rating/flow.h"
#include "session_rating/record.h"

namespace session_rating::cli {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return static_cast<bool>(in) || in.eof();
}

// Expected matches actual: objects partially (only the keys given, recursively), arrays in
// length and element by element, scalars by value (numbers numerically).
bool matches(const json& expected, const json& actual) {
  if (expected.is_object()) {
    if (!actual.is_object()) return false;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      auto a = actual.find(it.key());
      if (a == actual.end() || !matches(it.value(), *a)) return false;
    }
    return true;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i)
      if (!matches(expected[i], actual[i])) return false;
    return true;
  }
  if (expected.is_number() && actual.is_number())
    return expected.get<double>() == actual.get<double>();
  return expected == actual;
}

// Collects scenario files: a file as given, a folder's *.json recursively, sorted.
bool collect(const std::string& arg, std::vector<std::string>& files) {
  std::error_code ec;
  if (fs::is_directory(arg, ec)) {
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(arg, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_regular_file() && it->path().extension() == ".json")
        found.push_back(it->path().generic_string());
    }
    if (ec) return false;
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
    return true;
  }
  if (fs::is_regular_file(arg, ec)) {
    files.push_back(arg);
    return true;
  }
  return false;
}

struct Outcome {
  bool passed = true;
  std::string report;  // failure description
};

std::string describe_errors(const Errors& errors) { return errors_to_json(errors); }

// Checks that the scenario has the documented shape; returns "" when it does.
std::string scenario_shape_error(const json& s) {
  if (!s.is_object()) return "a scenario must be a JSON object";
  for (auto it = s.begin(); it != s.end(); ++it) {
    const std::string& k = it.key();
    if (k != "name" && k != "config" && k != "context" && k != "steps" &&
        k != "expect_config_error" && k != "description")
      return "unknown scenario field \"" + k + "\"";
  }
  if (!s.contains("name") || !s["name"].is_string()) return "\"name\" must be a string";
  if (!s.contains("config")) return "\"config\" is missing";
  if (!s.contains("context")) return "\"context\" is missing";
  bool has_steps = s.contains("steps"), has_expect = s.contains("expect_config_error");
  if (has_steps == has_expect) return "give exactly one of \"steps\" and \"expect_config_error\"";
  if (has_expect) {
    const json& e = s["expect_config_error"];
    if (!e.is_array() || e.empty()) return "\"expect_config_error\" must be a non-empty array";
    for (const json& x : e)
      if (!x.is_object()) return "each expected config error must be an object {path, code}";
    return "";
  }
  const json& steps = s["steps"];
  if (!steps.is_array()) return "\"steps\" must be an array";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const json& st = steps[i];
    std::string where = "step " + std::to_string(i + 1) + ": ";
    if (!st.is_object()) return where + "must be an object";
    bool restore = st.contains("restore");
    int kinds = int(st.contains("event")) + int(st.contains("event_text")) + int(restore);
    if (kinds != 1) return where + "give exactly one of \"event\", \"event_text\", \"restore\"";
    if (restore && st["restore"] != true) return where + "\"restore\" must be true";
    if (st.contains("event_text") && !st["event_text"].is_string())
      return where + "\"event_text\" must be a string";
    for (auto it = st.begin(); it != st.end(); ++it)
      if (it.key() != "event" && it.key() != "event_text" && it.key() != "restore" &&
          it.key() != "expect")
        return where + "unknown field \"" + it.key() + "\"";
    if (st.contains("expect")) {
      const json& ex = st["expect"];
      if (!ex.is_object()) return where + "\"expect\" must be an object";
      for (auto it = ex.begin(); it != ex.end(); ++it)
        if (it.key() != "view" && it.key() != "emit" && it.key() != "error")
          return where + "unknown expect field \"" + it.key() + "\"";
      if (ex.contains("emit") && !ex["emit"].is_array()) return where + "\"emit\" must be an array";
      if (ex.contains("error") && !ex["error"].is_string())
        return where + "\"error\" must be an error code string";
    }
  }
  return "";
}

Outcome run_scenario(const json& s, json* dump) {
  Outcome out;
  Config config;
  // The core takes JSON text (its public API); a parsed value dumps and reads back the same.
  Errors errors = parse_config(s["config"].dump(), config);
  Context context;
  if (errors.empty()) errors = parse_context(s["context"].dump(), config, context);
  json actual_errors = json::parse(errors_to_json(errors), nullptr, false);
  if (s.contains("expect_config_error")) {
    if (dump) dump->push_back(actual_errors);
    for (const json& want : s["expect_config_error"]) {
      bool found = false;
      for (const json& got : actual_errors)
        if (matches(want, got)) found = true;
      if (!found) {
        out.passed = false;
        out.report = "  expected config error: " + want.dump() +
                     "\n  actual errors: " + actual_errors.dump();
        return out;
      }
    }
    return out;
  }
  if (!errors.empty()) {
    out.passed = false;
    out.report = "  config/context refused: " + describe_errors(errors);
    return out;
  }
  auto flow = std::make_unique<Flow>(config, context);
  const json& steps = s["steps"];
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const json& st = steps[i];
    std::string label = "  step " + std::to_string(i + 1);
    if (st.contains("restore")) {
      std::string snap = flow->snapshot_json();
      std::unique_ptr<Flow> restored;
      Errors re = Flow::restore(config, snap, restored);
      if (dump) dump->push_back(json::parse(snap, nullptr, false));
      if (!re.empty()) {
        out.passed = false;
        out.report = label + ": restore\n  snapshot refused: " + describe_errors(re);
        return out;
      }
      flow = std::move(restored);
      continue;
    }
    std::string event_text =
        st.contains("event_text") ? st["event_text"].get<std::string>() : st["event"].dump();
    json actual = json::parse(flow->dispatch_json(event_text), nullptr, false);
    if (dump) dump->push_back(actual);
    json expect = st.contains("expect") ? st["expect"] : json::object();
    std::string why;
    if (expect.contains("error")) {
      if (actual["ok"] != false || !actual.contains("error") ||
          actual["error"]["code"] != expect["error"])
        why = "error";
    } else if (actual["ok"] != true) {
      why = "ok";
    }
    if (why.empty() && expect.contains("view") && !matches(expect["view"], actual["view"]))
      why = "view";
    if (why.empty() && expect.contains("emit") && !matches(expect["emit"], actual["emit"]))
      why = "emit";
    if (!why.empty()) {
      out.passed = false;
      json shown_actual = actual;
      out.report = label + ": " + event_text + "\n  mismatch in: " + why +
                   "\n  expected: " + expect.dump() + "\n  actual: " + shown_actual.dump();
      return out;
    }
  }
  return out;
}

// Reads one scenario file's text: JSON, then the documented shape. False with `why` set
// ("not valid JSON", "not a valid scenario: ...") when it is not a scenario.
bool read_scenario(std::string_view text, json& s, std::string& why) {
  s = json::parse(text.begin(), text.end(), nullptr, false);
  if (s.is_discarded()) {
    why = "not valid JSON";
    return false;
  }
  // Duplicate keys are refused, as the core refuses them in every input (docs/json.md);
  // nlohmann would keep the last one. The core's own check says where.
  for (const session_rating::Error& e : session_rating::check_json_text(text)) {
    if (e.code == "duplicate_key") {
      why = "not valid JSON: an object has a duplicate key at " + e.path;
      return false;
    }
  }
  const std::string shape = scenario_shape_error(s);
  if (!shape.empty()) {
    why = "not a valid scenario: " + shape;
    return false;
  }
  return true;
}

}  // namespace

int run_scenario_text(std::string_view text, std::string& report) {
  json s;
  if (!read_scenario(text, s, report)) return 2;
  Outcome o = run_scenario(s, nullptr);
  report = o.report;
  return o.passed ? 0 : 1;
}

int cmd_test(int argc, char** argv) {
  std::vector<std::string> args;
  std::string dump_path;
  for (int i = 0; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--dump")) {
      if (i + 1 >= argc) {
        std::cerr << "session-rating test: --dump needs a file\n";
        return 2;
      }
      dump_path = argv[++i];
    } else {
      args.push_back(argv[i]);
    }
  }
  if (args.empty()) {
    std::cerr << "usage: session-rating test PATH... [--dump FILE]\n";
    return 2;
  }
  std::vector<std::string> files;
  bool bad_input = false;
  for (const std::string& a : args) {
    if (!collect(a, files)) {
      std::cout << "ERROR " << a << ": no such file or folder\n";
      bad_input = true;
    }
  }
  int passed = 0, failed = 0;
  std::ofstream dump_out;
  if (!dump_path.empty()) dump_out.open(dump_path, std::ios::binary);
  for (const std::string& file : files) {
    std::string text;
    if (!read_file(file, text)) {
      std::cout << "ERROR " << file << ": cannot read the file\n";
      bad_input = true;
      continue;
    }
    json s;
    std::string why;
    if (!read_scenario(text, s, why)) {
      std::cout << "ERROR " << file << ": " << why << "\n";
      bad_input = true;
      continue;
    }
    json steps = json::array();
    Outcome o = run_scenario(s, dump_path.empty() ? nullptr : &steps);
    if (dump_out.is_open())
      dump_out << json{{"file", file}, {"scenario", s["name"]}, {"passed", o.passed},
                       {"steps", steps}}.dump() << "\n";
    if (o.passed) {
      ++passed;
    } else {
      ++failed;
      std::cout << "FAIL " << file << ": " << s["name"].get<std::string>() << "\n"
                << o.report << "\n";
    }
  }
  if (files.empty() && !bad_input) {
    std::cout << "ERROR no scenario files found\n";
    bad_input = true;
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  if (bad_input) return 2;
  return failed ? 1 : 0;
}

int cmd_validate_config(int argc, char** argv) {
  if (argc != 1) {
    std::cerr << "usage: session-rating validate-config FILE\n";
    return 2;
  }
  std::string text;
  if (!read_file(argv[0], text)) {
    std::cerr << "session-rating validate-config: cannot read " << argv[0] << "\n";
    return 2;
  }
  Config config;
  Errors errors = parse_config(text, config);
  std::cout << errors_to_json(errors) << "\n";
  return errors.empty() ? 0 : 1;
}

}  // namespace session_rating::cli
