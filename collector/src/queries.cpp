#include "queries.h"

#include <cstdio>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "json_util.h"
#include "session_rating/config.h"
#include "session_rating/record.h"
#include "store.h"

namespace collector {

using session_rating::Error;
using session_rating::Errors;

Errors parse_filters(const std::multimap<std::string, std::string>& params,
                     const std::string& allowed, Filters& out) {
  Errors errors;
  auto allowed_param = [&](const std::string& name) {
    return ("," + allowed + ",").find("," + name + ",") != std::string::npos;
  };
  for (const auto& [name, value] : params) {
    const std::string path = "/query/" + name;
    if (name == "key") continue;  // never used for admin calls, but harmless
    if (!allowed_param(name)) {
      errors.push_back(Error{path, "unknown_field", "unknown query parameter"});
      continue;
    }
    if (params.count(name) > 1) {
      errors.push_back(Error{path, "invalid_value", "the parameter is given more than once"});
      continue;
    }
    if (name == "session_id") {
      if (!session_rating::is_valid_id(value))
        errors.push_back(Error{path, "invalid_value", "not a valid id"});
      else out.session_id = value;
    } else if (name == "feedback") {
      if (value != "positive" && value != "negative" && value != "neutral")
        errors.push_back(Error{path, "invalid_value", "feedback is positive, negative or neutral"});
      else out.sentiment = value;
    } else if (name == "topic") {
      if (value.empty() || value.size() > 512)
        errors.push_back(Error{path, "invalid_value", "topic must be 1-128 characters"});
      else out.topic = value;
    } else if (name == "from" || name == "to") {
      auto t = parse_time_param(value, name == "to");
      if (!t) errors.push_back(Error{path, "invalid_value", "expected ms since the epoch or YYYY-MM-DD"});
      else if (name == "from") out.from = t;
      else out.to = t;
    } else if (name == "low") {
      if (value != "true" && value != "false" && value != "1" && value != "0")
        errors.push_back(Error{path, "invalid_value", "low is true or false"});
      else out.low_only = value == "true" || value == "1";
    } else if (name == "limit") {
      auto n = parse_int(value);
      if (!n || *n < 1 || *n > 1000)
        errors.push_back(Error{path, "out_of_range", "limit is 1 to 1000"});
      else out.limit = *n;
    } else if (name == "cursor") {
      auto n = parse_int(value);
      if (!n) errors.push_back(Error{path, "invalid_value", "not a cursor from next_cursor"});
      else out.cursor = n;
    } else if (name == "engine") {
      if (value != "core" && value != "fast")
        errors.push_back(Error{path, "invalid_value", "engine is fast or core"});
      else out.core_engine = value == "core";
    } else if (name == "by") {
      if (!session_rating::parse_group_by(value, out.by))
        errors.push_back(Error{path, "invalid_value", "by is topic, agent or day"});
    }
  }
  return errors;
}

namespace {

// WHERE clause and its bindings for the ratings table.
struct Where {
  std::string sql;
  std::vector<std::string> texts;   // bound in order, texts first then ints (tracked below)
  std::vector<std::pair<bool, size_t>> order;  // (is_text, index)
  std::vector<int64_t> ints;
  void text(const std::string& clause, const std::string& v) {
    sql += (sql.empty() ? " WHERE " : " AND ") + clause;
    order.emplace_back(true, texts.size());
    texts.push_back(v);
  }
  void integer(const std::string& clause, int64_t v) {
    sql += (sql.empty() ? " WHERE " : " AND ") + clause;
    order.emplace_back(false, ints.size());
    ints.push_back(v);
  }
  void raw(const std::string& clause) { sql += (sql.empty() ? " WHERE " : " AND ") + clause; }
  void bind(Stmt& s) const {
    int i = 1;
    for (const auto& [is_text, idx] : order) {
      if (is_text) s.bind(i++, texts[idx]);
      else s.bind(i++, ints[idx]);
    }
  }
};

Where make_where(const Filters& f) {
  Where w;
  if (f.session_id) w.text("session_id = ?", *f.session_id);
  if (f.sentiment) w.text("sentiment = ?", *f.sentiment);
  if (f.topic) w.text("topic = ?", *f.topic);
  if (f.from) w.integer("first_seen_at >= ?", *f.from);
  if (f.to) w.integer("first_seen_at < ?", *f.to);
  if (f.low_only) w.raw("low = 1");
  if (f.cursor) w.integer("id < ?", *f.cursor);
  return w;
}

session_rating::Scale scale_from(const char* p, int n) {
  std::string_view s(p ? p : "", static_cast<size_t>(n));
  if (s == "emoji") return session_rating::Scale::Emoji;
  if (s == "thumbs") return session_rating::Scale::Thumbs;
  return session_rating::Scale::Stars;
}

session_rating::Sentiment sentiment_from(const char* p, int n) {
  std::string_view s(p ? p : "", static_cast<size_t>(n));
  if (s == "positive") return session_rating::Sentiment::Positive;
  if (s == "negative") return session_rating::Sentiment::Negative;
  return session_rating::Sentiment::Neutral;
}

void split_into(const char* p, int n, std::vector<std::string>& out) {
  out.clear();
  std::string_view s(p ? p : "", static_cast<size_t>(n));
  while (!s.empty()) {
    const size_t comma = s.find(',');
    out.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
}

}  // namespace

bool list_ratings(Db& db, const Filters& f, std::string& body, std::string& error) {
  Where w = make_where(f);
  const std::string sql = "SELECT id, record FROM ratings" + w.sql + " ORDER BY id DESC LIMIT ?";
  Stmt s(db.handle(), sql.c_str());
  s.reset();
  w.bind(s);
  s.bind(static_cast<int>(w.order.size()) + 1, f.limit + 1);
  body = "{\"ratings\":[";
  int64_t n = 0, last_id = 0;
  bool more = false;
  while (s.step()) {
    if (n == f.limit) {
      more = true;
      break;
    }
    if (n++) body += ',';
    int len = 0;
    const char* p = s.text_ptr(1, len);
    body.append(p, static_cast<size_t>(len));
    last_id = s.int_col(0);
  }
  if (s.failed()) {
    error = db.last_error();
    return false;
  }
  body += "],\"next_cursor\":";
  body += more ? "\"" + std::to_string(last_id) + "\"" : "null";
  body += "}";
  return true;
}

namespace {

// A small string-keyed table: linear search while it is small (problem ids, topics and agents
// are usually few), a hash index beyond that.
template <typename T>
struct Keyed {
  std::vector<std::pair<std::string, T>> items;
  std::unordered_map<std::string, size_t> index;
  std::string scratch;
  T& get(std::string_view key) {
    if (items.size() <= 16) {
      for (auto& item : items)
        if (item.first == key) return item.second;
    } else {
      scratch.assign(key.data(), key.size());
      auto found = index.find(scratch);
      if (found != index.end()) return items[found->second].second;
    }
    items.emplace_back(std::string(key), T{});
    index.emplace(items.back().first, items.size() - 1);
    return items.back().second;
  }
};

// Running figures of one group, as the core's Aggregator counts them (see count() in
// core/src/insights.cpp): internal excluded and counted, thumbs kept out of the mean.
struct Acc {
  session_rating::Summary s;
  Keyed<int64_t> problems;
  void count(char scale, int64_t score, bool positive, char sentiment, bool internal,
             std::string_view problem_list) {
    if (internal) {
      ++s.excluded_internal;
      return;
    }
    ++s.ratings;
    if (positive) ++s.positive;
    if (scale == 't') {
      if (score == 1) ++s.thumbs_up;
      else ++s.thumbs_down;
    } else {
      ++s.mean_count;
      s.mean_sum += score;
      if (score >= 1 && score <= 5) ++s.distribution[static_cast<size_t>(score - 1)];
    }
    ++s.sentiment[static_cast<size_t>(sentiment)];
    while (!problem_list.empty()) {
      const size_t comma = problem_list.find(',');
      ++problems.get(problem_list.substr(0, comma));
      if (comma == std::string_view::npos) break;
      problem_list.remove_prefix(comma + 1);
    }
  }
  session_rating::Summary finish() {
    for (auto& [id, n] : problems.items) s.problems[id] = n;
    return s;
  }
};

std::string day_key(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return std::string(buf);
}

std::string_view col_view(const Stmt& s, int index) {
  int n = 0;
  const char* p = s.text_ptr(index, n);
  return p ? std::string_view(p, static_cast<size_t>(n)) : std::string_view();
}

// The exact core path: every row as a Record through session_rating::Aggregator. Slower
// (it re-deduplicates by rating_id, which the ratings table already did); ?engine=core.
bool insights_core(Stmt& s, const Filters& f, std::string& body) {
  session_rating::Aggregator agg(f.by);
  session_rating::Record r;
  while (s.step()) {
    r.rating_id = std::string(col_view(s, 0));
    r.revision = s.int_col(1);
    r.final = s.int_col(2) != 0;
    r.scale = scale_from(col_view(s, 3).data(), static_cast<int>(col_view(s, 3).size()));
    r.score = static_cast<int>(s.int_col(4));
    r.positive = s.int_col(5) != 0;
    r.sentiment = sentiment_from(col_view(s, 6).data(), static_cast<int>(col_view(s, 6).size()));
    split_into(col_view(s, 7).data(), static_cast<int>(col_view(s, 7).size()), r.problems);
    r.internal = s.int_col(8) != 0;
    if (s.is_null(9)) r.topic.reset();
    else r.topic = s.text_col(9);
    if (s.is_null(10)) r.agent_id.reset();
    else r.agent_id = s.text_col(10);
    r.first_submitted_at = s.int_col(11);
    r.submitted_at = s.int_col(12);
    r.edit_deadline = s.int_col(13);
    agg.add(r);
  }
  if (s.failed()) return false;
  body = agg.result_json();
  return true;
}

}  // namespace

bool insights(Db& db, const Filters& f, std::string& body, std::string& error) {
  Filters scope;
  scope.from = f.from;
  scope.to = f.to;
  scope.topic = f.topic;
  Where w = make_where(scope);
  // Served by the covering index ratings_insights (schema version 2).
  const std::string sql =
      "SELECT rating_id, revision, final, scale, score, positive, sentiment, "
      "problems, internal, topic, agent_id, first_seen_at, submitted_at, deadline_at "
      "FROM ratings" + w.sql;
  Stmt s(db.handle(), sql.c_str());
  s.reset();
  w.bind(s);
  if (f.core_engine) {
    if (insights_core(s, f, body)) return true;
    error = db.last_error();
    return false;
  }
  // Each row is already the winning record of its rating_id (one row per rating), so the
  // figures are counted straight from the typed columns into the core's Summary, and the
  // JSON is the core's insights_to_value(): the same result as the Aggregator (tests compare
  // both, and the CLI over /v1/export.jsonl), without its per-id deduplication.
  using session_rating::GroupBy;
  Acc total;
  Keyed<Acc> by_name;
  std::unordered_map<int64_t, Acc> by_day;
  while (s.step()) {
    const std::string_view scale = col_view(s, 3), sentiment = col_view(s, 6);
    const char scale_c = scale.empty() ? 's' : scale[0];
    // negative=0, neutral=1, positive=2 (Sentiment's order)
    const size_t sent = sentiment.size() > 2 && sentiment[0] == 'p' ? 2
                        : sentiment.size() > 2 && sentiment[2] == 'g' ? 0 : 1;
    const int64_t score = s.int_col(4);
    const bool positive = s.int_col(5) != 0, internal = s.int_col(8) != 0;
    const std::string_view problems = col_view(s, 7);
    total.count(scale_c, score, positive, static_cast<char>(sent), internal, problems);
    if (f.by == GroupBy::None) continue;
    Acc* acc = nullptr;
    if (f.by == GroupBy::Day) {
      const int64_t ms = s.int_col(11);
      acc = &by_day[(ms >= 0 ? ms : ms - 86399999) / 86400000];
    } else {
      const int col = f.by == GroupBy::Topic ? 9 : 10;
      const std::string_view key = s.is_null(col) ? std::string_view(session_rating::kNoGroupKey)
                                                  : col_view(s, col);
      acc = &by_name.get(key);
    }
    acc->count(scale_c, score, positive, static_cast<char>(sent), internal, problems);
  }
  if (s.failed()) {
    error = db.last_error();
    return false;
  }
  session_rating::Insights out;
  out.by = f.by;
  out.total = total.finish();
  for (auto& [key, acc] : by_name.items) out.groups.emplace(key, acc.finish());
  for (auto& [day, acc] : by_day) out.groups.emplace(day_key(day), acc.finish());
  body = session_rating::insights_to_json(out);
  return true;
}

int64_t export_chunk(Db& db, int64_t after_id, int64_t limit, std::string& out,
                     int64_t& last_id) {
  Stmt s(db.handle(), "SELECT id, record FROM revisions WHERE id > ?1 ORDER BY id LIMIT ?2");
  s.reset().bind(1, after_id).bind(2, limit);
  int64_t n = 0;
  last_id = after_id;
  while (s.step()) {
    int len = 0;
    const char* p = s.text_ptr(1, len);
    out.append(p, static_cast<size_t>(len));
    out += '\n';
    last_id = s.int_col(0);
    ++n;
  }
  return s.failed() ? -1 : n;
}

int64_t count_ratings(Db& db) {
  Stmt s(db.handle(), "SELECT count(*) FROM ratings");
  s.reset();
  return s.step() ? s.int_col(0) : -1;
}

}  // namespace collector
