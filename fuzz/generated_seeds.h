// generated_seeds.h — seeds too big to commit (10,000-deep nesting, 1 MiB strings, 100,000
// element arrays), made the same way every time from a few templates per target. The replay
// executables run them after the committed corpus; scripts/fuzz.sh writes them to a folder
// (sr-fuzz-seeds TARGET DIR) that libFuzzer reads as a second seed corpus.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sr_fuzz {

// (name, bytes) of every generated seed of `target` ("config", "events", ...); empty for an
// unknown target.
std::vector<std::pair<std::string, std::string>> generated_seeds(std::string_view target);

}  // namespace sr_fuzz
