// Calendar days in UTC (see civil_date.h). Integer arithmetic only: the same on every
// platform, and no locale or libc time functions (the WASM build has none worth the bytes).
#include "session_rating/civil_date.h"

namespace session_rating {

int64_t days_from_civil(int64_t year, int month, int day) {
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                     // [0, 399]
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;             // [0, 146096]
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;                                    // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  CivilDate date;
  date.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  date.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  date.year = yoe + era * 400 + (date.month <= 2 ? 1 : 0);
  return date;
}

int64_t utc_day_from_ms(int64_t ms) {
  return ms >= 0 ? ms / kDayMs : -((-(ms + 1)) / kDayMs) - 1;
}

std::string utc_day_string(int64_t days) {
  const CivilDate date = civil_from_days(days);
  char buf[32];
  char* p = buf + sizeof buf;
  auto put2 = [&p](int v) {
    *--p = static_cast<char>('0' + v % 10);
    *--p = static_cast<char>('0' + v / 10 % 10);
  };
  put2(date.day);
  *--p = '-';
  put2(date.month);
  *--p = '-';
  // Negated into uint64_t so the most negative year still has digits to print.
  uint64_t y = date.year < 0 ? 0 - static_cast<uint64_t>(date.year) : static_cast<uint64_t>(date.year);
  for (int digits = 0; digits < 4 || y > 0; ++digits) {
    *--p = static_cast<char>('0' + y % 10);
    y /= 10;
  }
  if (date.year < 0) *--p = '-';
  return std::string(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

std::string utc_date_of_ms(int64_t ms) { return utc_day_string(utc_day_from_ms(ms)); }

}  // namespace session_rating
