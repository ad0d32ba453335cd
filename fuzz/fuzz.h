// fuzz.h — what every fuzz target (targets/*.cpp) shares: the libFuzzer entry point, the
// one-line summary used by the native/WASM agreement check, and a check that aborts (so
// libFuzzer and the replay main both report it as a crash, with the failed condition).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// libFuzzer's entry point: one input; returns 0.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// One JSON object (one line) summarising what the core answered to `input`: accept/reject and
// error codes, as fuzz/wasm-agree.mjs computes them with the WASM core. "" for targets
// without a WASM counterpart.
std::string sr_fuzz_describe(std::string_view input);

// Aborts with the condition and location when `cond` is false (a property violated).
#define SR_FUZZ_CHECK(cond)                                                                 \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "fuzz property violated: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

// Same, with a message (e.g. the two texts that differ).
#define SR_FUZZ_CHECK_MSG(cond, msg)                                                        \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "fuzz property violated: %s (%s:%d)\n%s\n", #cond, __FILE__,    \
                   __LINE__, std::string(msg).substr(0, 4000).c_str());                    \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace sr_fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace sr_fuzz
