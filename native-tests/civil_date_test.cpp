// civil_date.h: days since 1970-01-01 in the proleptic Gregorian calendar, UTC day keys.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "session_rating/civil_date.h"

using namespace session_rating;

namespace {

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int month_days(int64_t y, int m) {
  static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

TEST(CivilDate, known_dates_have_known_day_numbers) {
  // Day numbers from Python's datetime.date(...) - date(1970, 1, 1).
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2024, 2, 29), 19782);
  EXPECT_EQ(days_from_civil(1600, 2, 29), -135081);
  EXPECT_EQ(days_from_civil(1900, 3, 1), -25508);
  EXPECT_EQ(days_from_civil(2100, 2, 28), 47540);
  EXPECT_EQ(days_from_civil(9999, 12, 31), 2932896);
  EXPECT_EQ(days_from_civil(1, 1, 1), -719162);
}

TEST(CivilDate, leap_years_follow_the_gregorian_rule) {
  // 2000 and 2024 are leap years, 1900 and 2100 are not.
  EXPECT_EQ(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);
  EXPECT_EQ(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2);
  EXPECT_EQ(days_from_civil(1900, 3, 1) - days_from_civil(1900, 2, 28), 1);
  EXPECT_EQ(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1);
}

TEST(CivilDate, every_day_round_trips_and_follows_the_previous_one) {
  // From 1 BC to past 9999: each day number maps to the day after the previous one's date.
  const int64_t first = days_from_civil(0, 1, 1), last = days_from_civil(10001, 1, 1);
  CivilDate prev = civil_from_days(first - 1);
  ASSERT_EQ(prev.year, -1);
  ASSERT_EQ(prev.month, 12);
  ASSERT_EQ(prev.day, 31);
  for (int64_t d = first; d <= last; ++d) {
    const CivilDate c = civil_from_days(d);
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), d);
    const bool next_day = c.year == prev.year && c.month == prev.month && c.day == prev.day + 1;
    const bool next_month = c.year == prev.year && c.month == prev.month + 1 && c.day == 1 &&
                            prev.day == month_days(prev.year, prev.month);
    const bool next_year = c.year == prev.year + 1 && c.month == 1 && c.day == 1 &&
                           prev.month == 12 && prev.day == 31;
    ASSERT_TRUE(next_day || next_month || next_year) << "day " << d;
    prev = c;
  }
}

TEST(CivilDate, utc_day_from_ms_rounds_towards_the_earlier_day) {
  EXPECT_EQ(utc_day_from_ms(0), 0);
  EXPECT_EQ(utc_day_from_ms(kDayMs - 1), 0);
  EXPECT_EQ(utc_day_from_ms(kDayMs), 1);
  EXPECT_EQ(utc_day_from_ms(-1), -1);
  EXPECT_EQ(utc_day_from_ms(-kDayMs), -1);
  EXPECT_EQ(utc_day_from_ms(-kDayMs - 1), -2);
  EXPECT_EQ(utc_day_from_ms(INT64_MIN), INT64_MIN / kDayMs - 1);
}

TEST(CivilDate, day_strings_are_zero_padded_iso_dates) {
  EXPECT_EQ(utc_day_string(0), "1970-01-01");
  EXPECT_EQ(utc_day_string(-1), "1969-12-31");
  EXPECT_EQ(utc_day_string(19782), "2024-02-29");
  EXPECT_EQ(utc_day_string(2932896), "9999-12-31");
  EXPECT_EQ(utc_day_string(days_from_civil(10000, 1, 1)), "10000-01-01");
  EXPECT_EQ(utc_day_string(days_from_civil(5, 7, 4)), "0005-07-04");
  EXPECT_EQ(utc_day_string(days_from_civil(-44, 3, 15)), "-0044-03-15");
  EXPECT_EQ(utc_date_of_ms(1767225600000), "2026-01-01");      // 2026-01-01T00:00:00Z
  EXPECT_EQ(utc_date_of_ms(1767225600000 - 1), "2025-12-31");  // one ms earlier
}
