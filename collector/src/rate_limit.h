// rate_limit.h — a token bucket per write key.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace collector {

class RateLimiter {
 public:
  // `rate` tokens per second, at most `burst` stored; rate 0 disables limiting.
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}

  // Takes one token for `key` at `now_ms` (a steady clock). False when empty; then
  // `retry_after_s` says when the next token is available (whole seconds, >= 1).
  bool take(const std::string& key, int64_t now_ms, int64_t& retry_after_s);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_ms = 0;
  };
  double rate_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace collector
