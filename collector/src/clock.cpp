#include "clock.h"

#include <chrono>

namespace collector {

int64_t Clock::now_ms() const {
  using namespace std::chrono;
  const auto now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  return static_cast<int64_t>(now) + offset_ms_.load();
}

int64_t steady_ms() {
  using namespace std::chrono;
  return static_cast<int64_t>(
      duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

double steady_us() {
  using namespace std::chrono;
  return static_cast<double>(
      duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

}  // namespace collector
