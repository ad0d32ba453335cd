#include "queries.h"

#include <optional>
#include <string_view>
#include <vector>

#include "json_util.h"
#include "session_rating/config.h"
#include "session_rating/insights.h"
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

std::string_view col_view(const Stmt& s, int index) {
  int n = 0;
  const char* p = s.text_ptr(index, n);
  return p ? std::string_view(p, static_cast<size_t>(n)) : std::string_view();
}

std::optional<std::string_view> optional_view(const Stmt& s, int index) {
  if (s.is_null(index)) return std::nullopt;
  return col_view(s, index);
}

// The ratings table's text columns, decoded by the core; false for a value the collector
// never writes (a damaged row).
bool decode(const Stmt& s, session_rating::Scale& scale, session_rating::Sentiment& sentiment) {
  return session_rating::parse_scale(col_view(s, 3), scale) &&
         session_rating::parse_sentiment(col_view(s, 6), sentiment);
}

// The exact core path: every row as a Record through session_rating::Aggregator. Slower
// (it re-deduplicates by rating_id, which the ratings table already did); ?engine=core.
bool insights_core(Stmt& s, const Filters& f, std::string& body, std::string& error) {
  session_rating::Aggregator agg(f.by);
  session_rating::Record r;
  while (s.step()) {
    if (!decode(s, r.scale, r.sentiment)) {
      error = "a stored rating has an unknown scale or sentiment";
      return false;
    }
    r.rating_id = std::string(col_view(s, 0));
    r.revision = s.int_col(1);
    r.final = s.int_col(2) != 0;
    r.score = static_cast<int>(s.int_col(4));
    r.positive = s.int_col(5) != 0;
    session_rating::split_problem_ids(col_view(s, 7), r.problems);
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
    if (insights_core(s, f, body, error)) return true;
    if (error.empty()) error = db.last_error();
    return false;
  }
  // Each row is already the winning record of its rating_id (one row per rating), so the
  // rows go straight into the core's Tally: the same figures as the Aggregator (tests compare
  // both, and the CLI over /v1/export.jsonl), without its per-id deduplication.
  using session_rating::GroupBy;
  session_rating::Tally tally(f.by);
  session_rating::RatingFigures r;
  while (s.step()) {
    if (!decode(s, r.scale, r.sentiment)) {
      error = "a stored rating has an unknown scale or sentiment";
      return false;
    }
    r.score = static_cast<int>(s.int_col(4));
    r.positive = s.int_col(5) != 0;
    r.internal = s.int_col(8) != 0;
    r.problem_ids = col_view(s, 7);
    // Only the column the grouping reads.
    if (f.by == GroupBy::Topic) r.topic = optional_view(s, 9);
    else if (f.by == GroupBy::Agent) r.agent_id = optional_view(s, 10);
    else if (f.by == GroupBy::Day) r.first_submitted_at = s.int_col(11);
    tally.add(r);
  }
  if (s.failed()) {
    error = db.last_error();
    return false;
  }
  body = session_rating::insights_to_json(tally.result());
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
