// clock.h — the collector's own clock. Every deadline the collector enforces comes from here,
// never from a client. The offset exists for tests only (--clock-offset-ms, PUT /v1/test/clock).
#pragma once

#include <atomic>
#include <cstdint>

namespace collector {

class Clock {
 public:
  // Wall-clock ms since the Unix epoch, plus the test offset.
  int64_t now_ms() const;
  int64_t offset_ms() const { return offset_ms_.load(); }
  void set_offset_ms(int64_t offset) { offset_ms_.store(offset); }

 private:
  std::atomic<int64_t> offset_ms_{0};
};

// Milliseconds from a steady clock, for durations only.
int64_t steady_ms();
double steady_us();

}  // namespace collector
