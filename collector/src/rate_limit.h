// rate_limit.h — a token bucket per write key, and the failed-login throttle per client IP.
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

// Failed token logins (401 on a token route) per client IP: after `limit` failures within a
// window of `window_ms` (from the first failure of the window), every token route answers that
// IP 429 until the window ends. Successes neither count nor reset. limit 0 disables it. At most
// kMaxIps addresses are tracked; past that, windows that have ended are dropped first, and
// if none has, the table is cleared (a flood of addresses cannot grow memory).
class AuthThrottle {
 public:
  static constexpr size_t kMaxIps = 100000;
  AuthThrottle(int limit, int64_t window_ms) : limit_(limit), window_ms_(window_ms) {}
  // True when `ip` is throttled at `now_ms`; then `retry_after_s` (>= 1) says for how long.
  bool blocked(const std::string& ip, int64_t now_ms, int64_t& retry_after_s);
  void fail(const std::string& ip, int64_t now_ms);

 private:
  struct Window {
    int64_t start_ms = 0;
    int count = 0;
  };
  int limit_;
  int64_t window_ms_;
  std::mutex mu_;
  std::unordered_map<std::string, Window> ips_;
};

}  // namespace collector
