// store.cpp — what every backend shares: open_store() (the backend from --db), the rows the
// core derives from a record, and the hashes.
#include "store.h"

#include "session_rating/hash.h"
#include "session_rating/insights.h"
#include "pg_store.h"
#include "sqlite_store.h"

namespace collector {

bool is_postgres_url(std::string_view spec) {
  return spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0;
}

std::string loggable_db(const std::string& spec) {
  if (!is_postgres_url(spec)) return spec;
  // scheme://[user[:password]@]host...: drop ":password" from the userinfo.
  const size_t start = spec.find("://") + 3;
  const size_t at = spec.find('@', start);
  const size_t slash = spec.find('/', start);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return spec;
  const size_t colon = spec.find(':', start);
  if (colon == std::string::npos || colon > at) return spec;
  return spec.substr(0, colon) + spec.substr(at);
}

std::unique_ptr<Store> open_store(const std::string& spec, const std::string& synchronous,
                                  std::string& error) {
  if (is_postgres_url(spec)) return PgStore::open(spec, error);
  return SqliteStore::open(spec, synchronous, error);
}

int64_t content_hash(std::string_view text) {
  return static_cast<int64_t>(session_rating::fnv1a_64(text));
}

std::vector<AnswerRow> answer_rows(const session_rating::Record& record) {
  std::vector<AnswerRow> rows;
  rows.reserve(record.answers.size());
  for (const session_rating::Answer& a : record.answers) {
    AnswerRow row;
    row.question = a.question;
    row.scale = session_rating::scale_name(a.scale);
    row.score = a.score;
    row.positive = a.positive;
    row.sentiment = session_rating::sentiment_name(a.sentiment);
    row.low = session_rating::is_low(a.scale, a.score, a.low_score_max);
    row.problems = session_rating::join_problem_ids(a.problems);
    row.has_comment = !a.comment.empty();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<PropertyRow> property_rows(const session_rating::Record& record) {
  std::vector<PropertyRow> rows;
  rows.reserve(record.properties.size());
  for (const auto& [key, value] : record.properties)
    rows.push_back(PropertyRow{key, session_rating::property_text(value)});
  return rows;
}

int64_t record_content_hash(session_rating::Record record) {
  record.final = false;
  record.first_submitted_at = 0;
  record.edit_deadline = 0;
  return content_hash(session_rating::record_to_json(record));
}

}  // namespace collector
