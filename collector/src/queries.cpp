#include "queries.h"

#include <optional>
#include <string_view>
#include <vector>

#include "json_util.h"
#include "session_rating/config.h"
#include "session_rating/context_trust.h"
#include "session_rating/insights.h"
#include "session_rating/record.h"
#include "sql.h"
#include "store.h"

namespace collector {

using session_rating::Error;
using session_rating::Errors;

namespace {

// property.KEY=value: the key and the value checked by the core's parse_properties (key
// [a-z0-9_]{1,40}, value 1–200 code points), errors at the parameter's path.
void parse_property_filter(const std::string& name, const std::string& value, Filters& out,
                           Errors& errors) {
  const std::string key = name.substr(std::string("property.").size());
  const std::string path = "/query/" + name;
  session_rating::Properties parsed;
  const Errors found = session_rating::parse_properties(dump(json{{key, value}}), "", parsed);
  if (!found.empty()) {
    for (const Error& e : found) errors.push_back(Error{path, e.code, e.message});
    return;
  }
  out.properties.emplace_back(key, value);
}

// A question id as the core's config reads it ([A-Za-z0-9_-]{1,40}).
bool valid_question_id(const std::string& id) {
  session_rating::Config config;
  return session_rating::parse_config(dump(json{{"questions", json::array({{{"id", id}}})}}),
                                      config)
      .empty();
}

}  // namespace

Errors parse_filters(const std::multimap<std::string, std::string>& params,
                     const std::string& allowed, Filters& out) {
  Errors errors;
  auto allowed_param = [&](const std::string& name) {
    if (name.rfind("property.", 0) == 0)
      return ("," + allowed + ",").find(",property.,") != std::string::npos;
    return ("," + allowed + ",").find("," + name + ",") != std::string::npos;
  };
  auto id_param = [&](const std::string& path, const std::string& value,
                      std::optional<std::string>& into) {
    if (!session_rating::is_valid_id(value))
      errors.push_back(Error{path, "invalid_value", "not a valid id"});
    else into = value;
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
      id_param(path, value, out.session_id);
    } else if (name == "rater_id") {
      id_param(path, value, out.rater_id);
    } else if (name == "subject_id") {
      id_param(path, value, out.subject_id);
    } else if (name == "agent_id") {
      id_param(path, value, out.agent_id);
    } else if (name.rfind("property.", 0) == 0) {
      parse_property_filter(name, value, out, errors);
    } else if (name == "feedback") {
      if (value != "positive" && value != "negative" && value != "neutral")
        errors.push_back(Error{path, "invalid_value", "feedback is positive, negative or neutral"});
      else out.sentiment = value;
    } else if (name == "topic") {
      if (value.empty() || value.size() > 512)
        errors.push_back(Error{path, "invalid_value", "topic must be 1-128 characters"});
      else out.topic = value;
    } else if (name == "context_trust") {
      session_rating::ContextTrust trust;
      if (!session_rating::parse_context_trust(value, trust))
        errors.push_back(Error{path, "invalid_value",
                               "context_trust is none, signed, unsigned, invalid or expired"});
      else out.context_trust = value;
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
      if (!session_rating::parse_group_by(value, out.query))
        errors.push_back(Error{path, "invalid_value",
                               "by is topic, agent, day or property:KEY (KEY [a-z0-9_]{1,40})"});
    } else if (name == "question") {
      if (!valid_question_id(value))
        errors.push_back(Error{path, "invalid_value", "not a question id ([A-Za-z0-9_-]{1,40})"});
      else out.query.question = value;
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
  void bind(SqlQuery& s, int first = 1) const {
    int i = first;
    for (const auto& [is_text, idx] : order) {
      if (is_text) s.bind(i++, texts[idx]);
      else s.bind(i++, ints[idx]);
    }
  }
};

Where make_where(const Filters& f) {
  Where w;
  if (f.session_id) w.text("ratings.session_id = ?", *f.session_id);
  if (f.rater_id) w.text("ratings.rater_id = ?", *f.rater_id);
  if (f.subject_id) w.text("ratings.subject_id = ?", *f.subject_id);
  if (f.agent_id) w.text("ratings.agent_id = ?", *f.agent_id);
  for (const auto& [key, value] : f.properties) {
    w.text("ratings.id IN (SELECT rating_row FROM rating_properties WHERE key = ?", key);
    w.sql += " AND value = ?)";
    w.order.emplace_back(true, w.texts.size());
    w.texts.push_back(value);
  }
  if (f.sentiment)
    w.text("EXISTS (SELECT 1 FROM answers a WHERE a.rating_row = ratings.id AND a.sentiment = ?)",
           *f.sentiment);
  if (f.topic) w.text("ratings.topic = ?", *f.topic);
  if (f.context_trust) w.text("ratings.context_trust = ?", *f.context_trust);
  if (f.from) w.integer("ratings.first_seen_at >= ?", *f.from);
  if (f.to) w.integer("ratings.first_seen_at < ?", *f.to);
  if (f.low_only) w.raw("EXISTS (SELECT 1 FROM answers a WHERE a.rating_row = ratings.id AND a.low = 1)");
  if (f.cursor) w.integer("ratings.id < ?", *f.cursor);
  return w;
}

// The stored record text in column `record_col` with ,"context_trust":"..." (column
// `trust_col`, one of the fixed names) appended before its closing brace.
void append_with_trust(std::string& body, const SqlQuery& s, int record_col, int trust_col) {
  int len = 0;
  const char* p = s.text_ptr(record_col, len);
  std::string_view record(p ? p : "", static_cast<size_t>(len));
  if (!record.empty() && record.back() == '}') record.remove_suffix(1);
  body += record;
  body += ",\"context_trust\":\"";
  int tlen = 0;
  const char* t = s.text_ptr(trust_col, tlen);
  body.append(t ? t : "none", t ? static_cast<size_t>(tlen) : 4);
  body += "\"}";
}

}  // namespace

bool list_ratings(SqlConn& db, const Filters& f, std::string& body, std::string& error) {
  Where w = make_where(f);
  const std::string sql =
      "SELECT id, record, context_trust FROM ratings" + w.sql + " ORDER BY id DESC LIMIT ?";
  auto s_query = db.prepare(sql);
  SqlQuery& s = *s_query;
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
    append_with_trust(body, s, 1, 2);
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

std::string_view col_view(const SqlQuery& s, int index) {
  int n = 0;
  const char* p = s.text_ptr(index, n);
  return p ? std::string_view(p, static_cast<size_t>(n)) : std::string_view();
}

std::optional<std::string> optional_text(const SqlQuery& s, int index) {
  if (s.is_null(index)) return std::nullopt;
  return s.text_col(index);
}

// Whether a rating's internal flag is honoured (the rating left out of insights): the
// stored claim and the rating's context_trust, through the one rule (context_trust.h).
bool internal_counts(bool claimed, std::string_view trust_name) {
  session_rating::ContextTrust trust = session_rating::ContextTrust::None;
  session_rating::parse_context_trust(trust_name, trust);
  return session_rating::internal_honoured(claimed, trust);
}

// The exact core path: every row's stored record (rating.v2 JSON) read by the core and added
// to session_rating::Aggregator. Slower (it parses every record and re-deduplicates by
// rating_id, which the ratings table already did); ?engine=core.
bool insights_core(SqlConn& db, const Filters& f, const Where& w, std::string& body,
                   std::string& error) {
  const std::string sql = "SELECT record, context_trust FROM ratings" + w.sql;
  auto s_query = db.prepare(sql);
  SqlQuery& s = *s_query;
  s.reset();
  w.bind(s);
  session_rating::Aggregator agg(f.query);
  session_rating::Record record;
  while (s.step()) {
    const Errors errors = session_rating::parse_record_fast(col_view(s, 0), record);
    if (!errors.empty()) {
      error = "a stored record is refused by the core: " + errors[0].path + ": " + errors[0].message;
      return false;
    }
    record.internal = internal_counts(record.internal, col_view(s, 1));
    agg.add(record);
  }
  if (s.failed()) {
    error = db.last_error();
    return false;
  }
  body = agg.result_json();
  return true;
}

// One answer row copied out of the answers scan (its text lives here while Tally::add reads
// the views).
struct AnswerText {
  std::string question, problems;
  session_rating::AnswerFigures figures;
};

}  // namespace

bool insights(SqlConn& db, const Filters& f, std::string& body, std::string& error) {
  Filters scope;
  scope.from = f.from;
  scope.to = f.to;
  scope.topic = f.topic;
  const Where w = make_where(scope);
  if (f.core_engine) return insights_core(db, f, w, body, error);

  // Two ordered scans merged here: the matching ratings rows by id, and the answers table by
  // (rating_row, position) — sequential reads of both, no lookup per rating. Each rating goes
  // to the core's Tally with its answers (the rows are already each rating_id's winning record,
  // so the figures equal the Aggregator's: tests compare both, and the CLI over the export).
  using session_rating::GroupBy;
  const bool by_property = f.query.by == GroupBy::Property;
  std::string sql =
      "SELECT ratings.id, ratings.internal, ratings.rater_id, ratings.topic, ratings.agent_id, "
      "ratings.first_seen_at, ratings.context_trust";
  if (by_property) {
    sql += ", p.value FROM ratings LEFT JOIN rating_properties p "
           "ON p.rating_row = ratings.id AND p.key = ?" + w.sql;
  } else {
    sql += " FROM ratings" + w.sql;
  }
  sql += " ORDER BY ratings.id";
  auto rows_query = db.prepare(sql);
  SqlQuery& rows = *rows_query;
  rows.reset();
  if (by_property) {
    rows.bind(1, f.query.property);  // the join's key first, then the WHERE clause's
    w.bind(rows, 2);
  } else {
    w.bind(rows);
  }
  auto answers_query =
      db.prepare("SELECT rating_row, question, scale, score, positive, sentiment, problems "
                 "FROM answers ORDER BY rating_row, position");
  SqlQuery& answers = *answers_query;
  answers.reset();
  bool answer_ready = answers.step();
  int64_t answer_row = answer_ready ? answers.int_col(0) : 0;  // rating_row of the current one
  auto next_answer = [&] {
    answer_ready = answers.step();
    if (answer_ready) answer_row = answers.int_col(0);
  };

  session_rating::Tally tally(f.query);
  session_rating::RatingFigures rating;
  std::vector<AnswerText> texts;
  std::optional<std::string> rater, topic, agent, property;
  while (rows.step()) {
    const int64_t id = rows.int_col(0);
    while (answer_ready && answer_row < id) next_answer();
    size_t n = 0;
    while (answer_ready && answer_row == id) {
      if (texts.size() <= n) texts.emplace_back();
      AnswerText& t = texts[n++];
      t.question.assign(col_view(answers, 1));
      t.problems.assign(col_view(answers, 6));
      session_rating::AnswerFigures& a = t.figures;
      if (!session_rating::parse_scale(col_view(answers, 2), a.scale) ||
          !session_rating::parse_sentiment(col_view(answers, 5), a.sentiment)) {
        error = "a stored answer has an unknown scale or sentiment";
        return false;
      }
      a.score = static_cast<int>(answers.int_col(3));
      a.positive = answers.int_col(4) != 0;
      next_answer();
    }
    if (answers.failed()) break;
    rating.answers.clear();
    for (size_t i = 0; i < n; ++i) {
      texts[i].figures.question = texts[i].question;
      texts[i].figures.problem_ids = texts[i].problems;
      rating.answers.push_back(texts[i].figures);
    }
    rating.internal = internal_counts(rows.int_col(1) != 0, col_view(rows, 6));
    rater = optional_text(rows, 2);
    topic = optional_text(rows, 3);
    agent = optional_text(rows, 4);
    rating.rater_id = rater ? std::optional<std::string_view>(*rater) : std::nullopt;
    rating.topic = topic ? std::optional<std::string_view>(*topic) : std::nullopt;
    rating.agent_id = agent ? std::optional<std::string_view>(*agent) : std::nullopt;
    rating.first_submitted_at = rows.int_col(5);
    if (by_property) {
      property = optional_text(rows, 7);
      rating.property = property ? std::optional<std::string_view>(*property) : std::nullopt;
    }
    tally.add(rating);
  }
  if (rows.failed() || answers.failed()) {
    error = db.last_error();
    return false;
  }
  body = session_rating::insights_to_json(tally.result());
  return true;
}

bool session_view(SqlConn& db, const std::string& session_id, std::string& body, std::string& error) {
  auto end_query = db.prepare("SELECT ended_at FROM sessions WHERE session_id = ?1");
  SqlQuery& end = *end_query;
  end.reset().bind(1, session_id);
  std::optional<int64_t> ended_at;
  if (end.step()) ended_at = end.int_col(0);
  if (end.failed()) {
    error = db.last_error();
    return false;
  }
  auto s_query =
      db.prepare("SELECT record, context_trust FROM ratings WHERE session_id = ?1 ORDER BY id");
  SqlQuery& s = *s_query;
  s.reset().bind(1, session_id);
  body = dump(json{{"session_id", session_id},
                   {"ended_at", ended_at ? json(*ended_at) : json(nullptr)}});
  body.pop_back();  // '}': the ratings follow as stored text
  body += ",\"ratings\":[";
  int64_t n = 0;
  while (s.step()) {
    if (n++) body += ',';
    append_with_trust(body, s, 0, 1);
  }
  if (s.failed()) {
    error = db.last_error();
    return false;
  }
  body += "]}";
  return true;
}

int64_t export_chunk(SqlConn& db, int64_t after_id, int64_t limit, std::string& out,
                     int64_t& last_id) {
  auto s_query = db.prepare("SELECT id, record FROM revisions WHERE id > ?1 ORDER BY id LIMIT ?2");
  SqlQuery& s = *s_query;
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

int64_t count_ratings(SqlConn& db) {
  auto s_query = db.prepare("SELECT count(*) FROM ratings");
  SqlQuery& s = *s_query;
  s.reset();
  return s.step() ? s.int_col(0) : -1;
}

}  // namespace collector
