#include "json_util.h"

#include <limits>

#include "session_rating/civil_date.h"
#include "session_rating/record.h"

namespace collector {

json parse_json(std::string_view text) {
  return json::parse(text.begin(), text.end(), nullptr, false);
}

bool has_duplicate_key(std::string_view text, session_rating::Error& out) {
  for (session_rating::Error& e : session_rating::check_json_text(text)) {
    if (e.code != "duplicate_key") continue;
    out = std::move(e);
    return true;
  }
  return false;
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json errors_to_value(const session_rating::Errors& errors) {
  json out = json::array();
  for (const auto& e : errors) {
    out.push_back({{"path", e.path}, {"code", e.code}, {"message", e.message}});
  }
  return out;
}

std::string errors_body(const session_rating::Errors& errors) {
  return dump(json{{"errors", errors_to_value(errors)}});
}

std::string error_body(const std::string& code, const std::string& message,
                       const std::string& path) {
  return errors_body({session_rating::Error{path, code, message}});
}

std::optional<int64_t> parse_int(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<int64_t> parse_time_param(std::string_view text, bool end_of_day) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    auto y = parse_int(text.substr(0, 4));
    auto m = parse_int(text.substr(5, 2));
    auto d = parse_int(text.substr(8, 2));
    if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1 || *d > 31) return std::nullopt;
    const int64_t day = session_rating::days_from_civil(*y, static_cast<int>(*m),
                                                        static_cast<int>(*d)) +
                        (end_of_day ? 1 : 0);
    return day * session_rating::kDayMs;
  }
  return parse_int(text);
}

}  // namespace collector
