// sr-fuzz-seeds TARGET DIR — writes TARGET's generated seeds (generated_seeds.h) into DIR, one
// file each, for libFuzzer to read as a second seed corpus (scripts/fuzz.sh).
#include <cstdio>
#include <fstream>
#include <string>

#include "generated_seeds.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: sr-fuzz-seeds TARGET DIR\n");
    return 2;
  }
  const auto seeds = sr_fuzz::generated_seeds(argv[1]);
  if (seeds.empty()) {
    std::fprintf(stderr, "sr-fuzz-seeds: no generated seeds for \"%s\"\n", argv[1]);
    return 2;
  }
  for (const auto& [name, bytes] : seeds) {
    std::ofstream out(std::string(argv[2]) + "/" + name, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "sr-fuzz-seeds: cannot write %s/%s\n", argv[2], name.c_str());
      return 1;
    }
  }
  std::printf("%zu seeds\n", seeds.size());
  return 0;
}
