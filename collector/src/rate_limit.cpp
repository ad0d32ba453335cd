#include "rate_limit.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace collector {

bool RateLimiter::take(const std::string& key, int64_t now_ms, int64_t& retry_after_s) {
  retry_after_s = 0;
  if (rate_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& b = it->second;
  if (inserted) {
    b.tokens = burst_;
    b.last_ms = now_ms;
  }
  const double elapsed_s = static_cast<double>(std::max<int64_t>(0, now_ms - b.last_ms)) / 1000.0;
  b.tokens = std::min(burst_, b.tokens + elapsed_s * rate_);
  b.last_ms = now_ms;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  retry_after_s = std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - b.tokens) / rate_)));
  return false;
}

bool AuthThrottle::blocked(const std::string& ip, int64_t now_ms, int64_t& retry_after_s) {
  retry_after_s = 0;
  if (limit_ <= 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ips_.find(ip);
  if (it == ips_.end()) return false;
  const int64_t end = it->second.start_ms + window_ms_;
  if (now_ms >= end) {
    ips_.erase(it);
    return false;
  }
  if (it->second.count < limit_) return false;
  retry_after_s = std::max<int64_t>(1, (end - now_ms + 999) / 1000);
  return true;
}

void AuthThrottle::fail(const std::string& ip, int64_t now_ms) {
  if (limit_ <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (ips_.size() >= kMaxIps && ips_.find(ip) == ips_.end()) {
    for (auto it = ips_.begin(); it != ips_.end();)
      it = now_ms >= it->second.start_ms + window_ms_ ? ips_.erase(it) : std::next(it);
    if (ips_.size() >= kMaxIps) ips_.clear();
  }
  Window& w = ips_[ip];
  if (w.count == 0 || now_ms >= w.start_ms + window_ms_) {
    w.start_ms = now_ms;
    w.count = 0;
  }
  ++w.count;
}

}  // namespace collector
