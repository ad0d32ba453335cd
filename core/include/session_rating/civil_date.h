// session_rating/civil_date.h — calendar days in UTC: the proleptic Gregorian calendar
// counted in days since 1970-01-01 (Howard Hinnant's days_from_civil / civil_from_days,
// http://howardhinnant.github.io/date_algorithms.html). One home for the date rule used by
// insights' by=day groups and the collector's from/to query parameters.
#pragma once

#include <cstdint>
#include <string>

namespace session_rating {

// Milliseconds in one UTC day (no leap seconds, as in Unix time).
inline constexpr int64_t kDayMs = 86400000;

// A calendar date: year (any, 0 = 1 BC), month 1–12, day 1–31.
struct CivilDate {
  int64_t year = 1970;
  int month = 1;
  int day = 1;
};

// Days since 1970-01-01 of a date (negative before it). Month and day are not checked:
// day 31 of a 30-day month counts on into the next month, like mktime.
int64_t days_from_civil(int64_t year, int month, int day);

// The date `days` after 1970-01-01 (before it when negative). Inverse of days_from_civil
// for every valid date.
CivilDate civil_from_days(int64_t days);

// The UTC day a time falls on: floor(ms / kDayMs), so -1 ms is day -1 (1969-12-31).
int64_t utc_day_from_ms(int64_t ms);

// "YYYY-MM-DD" of a day number (at least four year digits, zero-padded; '-' in front of
// negative years): utc_day_string(0) == "1970-01-01".
std::string utc_day_string(int64_t days);

// "YYYY-MM-DD" of the UTC day a time falls on: utc_day_string(utc_day_from_ms(ms)).
std::string utc_date_of_ms(int64_t ms);

}  // namespace session_rating
