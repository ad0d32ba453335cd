// replay-<target> [--print] [--no-generated] PATH... — runs every file under PATH (sorted,
// recursively) and then the target's generated seeds once through LLVMFuzzerTestOneInput, as
// libFuzzer would. A crash or a violated property aborts (the sanitizers and SR_FUZZ_CHECK say
// where); the exit code is 0 only when every input ran. --print also writes one JSON line per
// input, {"input": name, "result": sr_fuzz_describe(input)}, for fuzz/wasm-agree.mjs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz.h"
#include "generated_seeds.h"

namespace fs = std::filesystem;

namespace {

bool read_file(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

void run(const std::string& name, const std::string& bytes, bool print) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (print) {
    const std::string result = sr_fuzz_describe(bytes);
    const std::string input =
        nlohmann::json(name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::cout << "{\"input\":" << input << ",\"result\":" << (result.empty() ? "null" : result)
              << "}\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool print = false, generated = true;
  std::vector<std::string> roots;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--print")) print = true;
    else if (!std::strcmp(argv[i], "--no-generated")) generated = false;
    else roots.emplace_back(argv[i]);
  }
  if (roots.empty() && !generated) {
    std::fprintf(stderr, "usage: replay-%s [--print] [--no-generated] PATH...\n", SR_FUZZ_TARGET_NAME);
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<fs::path> files;
  for (const std::string& root : roots) {
    std::error_code ec;
    if (fs::is_directory(root, ec)) {
      for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
           it.increment(ec))
        if (it->is_regular_file()) files.push_back(it->path());
    } else if (fs::is_regular_file(root, ec)) {
      files.emplace_back(root);
    } else {
      std::fprintf(stderr, "replay-%s: no such file or folder: %s\n", SR_FUZZ_TARGET_NAME, root.c_str());
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  std::size_t bytes_total = 0, count = 0, gen_count = 0;
  for (const fs::path& f : files) {
    std::string bytes;
    if (!read_file(f, bytes)) {
      std::fprintf(stderr, "replay-%s: cannot read %s\n", SR_FUZZ_TARGET_NAME, f.c_str());
      return 2;
    }
    bytes_total += bytes.size();
    ++count;
    run(f.filename().string(), bytes, print);
  }
  if (generated) {
    for (const auto& [name, bytes] : sr_fuzz::generated_seeds(SR_FUZZ_TARGET_NAME)) {
      bytes_total += bytes.size();
      ++gen_count;
      run("generated/" + name, bytes, print);
    }
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "replay-%s: %zu corpus files + %zu generated inputs (%zu bytes) ran in %lld ms\n",
               SR_FUZZ_TARGET_NAME, count, gen_count, bytes_total, static_cast<long long>(ms));
  if (count == 0) {
    std::fprintf(stderr, "replay-%s: the corpus is empty\n", SR_FUZZ_TARGET_NAME);
    return 1;
  }
  return 0;
}
