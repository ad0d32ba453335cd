#include "sqlite_store.h"

#include <sqlite3.h>

#include <chrono>
#include <string_view>

#include "session_rating/hash.h"
#include "session_rating/insights.h"
#include "programme_store.h"
#include "queries.h"

namespace collector {

// ---- Stmt -------------------------------------------------------------------------------

Stmt::Stmt(sqlite3* db, const char* sql) {
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    stmt_ = nullptr;
  }
}
Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}
Stmt::Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}
Stmt& Stmt::reset() {
  done_ = false;
  failed_ = !stmt_;
  if (stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  return *this;
}
Stmt& Stmt::bind(int index, int64_t value) {
  if (!stmt_ || sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) failed_ = true;
  return *this;
}
Stmt& Stmt::bind(int index, const std::string& value) {
  if (!stmt_ || sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                                  SQLITE_TRANSIENT) != SQLITE_OK)
    failed_ = true;
  return *this;
}
Stmt& Stmt::bind_null(int index) {
  if (!stmt_ || sqlite3_bind_null(stmt_, index) != SQLITE_OK) failed_ = true;
  return *this;
}
bool Stmt::step() {
  if (!stmt_ || failed_) {
    failed_ = true;
    return false;
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    done_ = true;
    return false;
  }
  failed_ = true;
  return false;
}
int64_t Stmt::int_col(int index) const { return sqlite3_column_int64(stmt_, index); }
bool Stmt::is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }
std::string Stmt::text_col(int index) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  const int n = sqlite3_column_bytes(stmt_, index);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}
const char* Stmt::text_ptr(int index, int& length) const {
  const auto* p = sqlite3_column_text(stmt_, index);
  length = sqlite3_column_bytes(stmt_, index);
  return reinterpret_cast<const char*>(p);
}

// ---- Db ---------------------------------------------------------------------------------

std::unique_ptr<Db> Db::open(const std::string& path, const std::string& synchronous,
                             bool read_only, std::string& error) {
  sqlite3* handle = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &handle, flags, nullptr) != SQLITE_OK) {
    error = handle ? sqlite3_errmsg(handle) : "out of memory";
    if (handle) sqlite3_close(handle);
    return nullptr;
  }
  std::unique_ptr<Db> db(new Db(handle));
  sqlite3_busy_timeout(handle, 10000);
  const std::string sync = synchronous == "normal" ? "NORMAL" : "FULL";
  const std::string pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=" + sync +
                              "; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;" +
                              (read_only ? " PRAGMA query_only=1;" : "");
  if (!db->exec(pragmas.c_str())) {
    error = db->last_error();
    return nullptr;
  }
  return db;
}

Db::~Db() {
  if (db_) sqlite3_close_v2(db_);
}

bool Db::exec(const char* sql) {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

std::string Db::last_error() const { return sqlite3_errmsg(db_); }

std::unique_ptr<SqlQuery> Db::prepare(const std::string& sql) {
  return std::make_unique<Stmt>(db_, sql.c_str());
}

// ---- Migrations -------------------------------------------------------------------------

namespace {

// migrations[i] brings the schema from version i to i + 1. Append only; never edit.
const char* const kMigrations[] = {
    // 0 → 1: initial schema.
    R"SQL(
CREATE TABLE ratings (
  id            INTEGER PRIMARY KEY,
  rating_id     TEXT NOT NULL UNIQUE,
  session_id    TEXT NOT NULL,
  revision      INTEGER NOT NULL,
  final         INTEGER NOT NULL,
  scale         TEXT NOT NULL,
  score         INTEGER NOT NULL,
  positive      INTEGER NOT NULL,
  sentiment     TEXT NOT NULL,
  low           INTEGER NOT NULL,
  problems      TEXT NOT NULL,
  has_comment   INTEGER NOT NULL,
  internal      INTEGER NOT NULL,
  topic         TEXT,
  agent_id      TEXT,
  first_seen_at INTEGER NOT NULL,
  submitted_at  INTEGER NOT NULL,
  deadline_at   INTEGER NOT NULL,
  content_hash  INTEGER NOT NULL,
  record        TEXT NOT NULL
);
CREATE INDEX ratings_first_seen ON ratings(first_seen_at);
CREATE INDEX ratings_session ON ratings(session_id);
CREATE INDEX ratings_topic ON ratings(topic, first_seen_at);
CREATE INDEX ratings_due ON ratings(deadline_at) WHERE final = 0;
CREATE TABLE revisions (
  id                  INTEGER PRIMARY KEY,
  rating_id           TEXT NOT NULL,
  revision            INTEGER NOT NULL,
  received_at         INTEGER NOT NULL,
  client_submitted_at INTEGER NOT NULL,
  record              TEXT NOT NULL,
  UNIQUE (rating_id, revision)
);
CREATE TABLE site (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  doc        TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
)SQL",
    // 1 → 2: a covering index for /v1/insights, so aggregation reads compact index pages
    // instead of every row's record JSON.
    R"SQL(
CREATE INDEX ratings_insights ON ratings(first_seen_at, topic, agent_id, scale, score, positive,
                                         sentiment, internal, problems, revision, final,
                                         submitted_at, deadline_at, rating_id);
)SQL",
    // 2 → 3: content_hash recomputed with the core's fnv1a_64 (the standard offset basis;
    // versions 1–2 used a mistyped one) over the text record_content_hash() hashes. No change to
    // the tables: the work is recompute_content_hashes(), run in the same transaction.
    "-- see recompute_content_hashes()",
    // 3 → 4: rating model v2 (issue 11). A rating has 1–5 answers (table answers, one row per
    // question, in record order), who rated (rater_id), what was rated (subject_id) and custom
    // properties (the canonical JSON in ratings.properties; each value's property_text() in
    // rating_properties for filters and groups). The per-answer columns leave ratings (with
    // the index that covered them; ratings_tally covers what /v1/insights reads of a rating,
    // in id order, so its scan never reads the record JSON). Session ends reported to the
    // collector go to sessions.
    // The rows of answers and rating_properties, and every stored record's conversion to
    // rating.v2, are written by convert_to_v2() in the same transaction.
    R"SQL(
DROP INDEX ratings_insights;
ALTER TABLE ratings DROP COLUMN scale;
ALTER TABLE ratings DROP COLUMN score;
ALTER TABLE ratings DROP COLUMN positive;
ALTER TABLE ratings DROP COLUMN sentiment;
ALTER TABLE ratings DROP COLUMN low;
ALTER TABLE ratings DROP COLUMN problems;
ALTER TABLE ratings DROP COLUMN has_comment;
ALTER TABLE ratings ADD COLUMN rater_id TEXT;
ALTER TABLE ratings ADD COLUMN subject_id TEXT;
ALTER TABLE ratings ADD COLUMN properties TEXT NOT NULL DEFAULT '{}';
CREATE INDEX ratings_rater ON ratings(rater_id);
CREATE INDEX ratings_subject ON ratings(subject_id);
CREATE INDEX ratings_agent ON ratings(agent_id);
CREATE INDEX ratings_tally ON ratings(id, internal, first_seen_at, topic, agent_id, rater_id);
CREATE TABLE answers (
  rating_row  INTEGER NOT NULL,
  position    INTEGER NOT NULL,
  question    TEXT NOT NULL,
  scale       TEXT NOT NULL,
  score       INTEGER NOT NULL,
  positive    INTEGER NOT NULL,
  sentiment   TEXT NOT NULL,
  low         INTEGER NOT NULL,
  problems    TEXT NOT NULL,
  has_comment INTEGER NOT NULL,
  PRIMARY KEY (rating_row, position)
) WITHOUT ROWID;
CREATE TABLE rating_properties (
  rating_row INTEGER NOT NULL,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (rating_row, key)
) WITHOUT ROWID;
CREATE INDEX rating_properties_value ON rating_properties(key, value);
CREATE TABLE sessions (
  session_id  TEXT PRIMARY KEY,
  ended_at    INTEGER NOT NULL,
  reported_at INTEGER NOT NULL
) WITHOUT ROWID;
)SQL",
    // 4 → 5: the rating programme (issue 12). rating_requests holds every "Ask for rating" an
    // agent made (POST /v1/sessions/{id}/rating-requests): the once-per-agent-per-session
    // cooldown is checked against it on the server's clock, and the timeline reads it.
    // Ratings are off on a fresh database (docs/programme.md); a database that already holds
    // ratings but never stored a site document was collecting with the old default (on), so
    // it gets that document written down and keeps collecting after the upgrade.
    R"SQL(
CREATE TABLE rating_requests (
  id           INTEGER PRIMARY KEY,
  request_id   TEXT NOT NULL UNIQUE,
  session_id   TEXT NOT NULL,
  agent_id     TEXT NOT NULL,
  channel      TEXT NOT NULL,
  requested_at INTEGER NOT NULL
);
CREATE INDEX rating_requests_session ON rating_requests(session_id, agent_id, requested_at);
INSERT OR IGNORE INTO site (id, doc, updated_at)
  SELECT 1, '{"config":{},"enabled":true}', 0 WHERE EXISTS (SELECT 1 FROM ratings);
)SQL",
    // 5 → 6: Server-Sent Events and webhooks (issue 12). session_events keeps every event sent
    // to a session's streams so a reconnecting EventSource (Last-Event-ID) misses none, across
    // restarts too; AUTOINCREMENT so an id is never reused. webhook_outbox is the delivery
    // queue, filled in the transaction that stores a revision or finalises a rating.
    R"SQL(
CREATE TABLE session_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  type       TEXT NOT NULL,
  data       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX session_events_session ON session_events(session_id, id);
CREATE TABLE webhook_outbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,  -- enqueue order
  delivery_id TEXT NOT NULL UNIQUE,   -- Webhook-Id: fixed at enqueue, the same on every retry
  endpoint_id TEXT NOT NULL,
  type        TEXT NOT NULL,          -- rating.revision | rating.final
  rating_id   TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  data        TEXT NOT NULL,          -- the rating.v2 record as stored then
  created_at  INTEGER NOT NULL,       -- server ms of enqueue (the 24 h count from here)
  status      TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,       -- server ms of the next attempt
  last_error  TEXT,
  done_at     INTEGER
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_at) WHERE status = 'pending';
CREATE INDEX webhook_outbox_order ON webhook_outbox(rating_id, endpoint_id, id)
  WHERE status = 'pending';
)SQL",
    // 6 → 7: signed context (issue 13). The trust the collector gave a rating's context fields
    // when its first revision was stored: none (no --context-secret configured; every rating
    // stored before this version), signed, unsigned, invalid or expired.
    R"SQL(
ALTER TABLE ratings ADD COLUMN context_trust TEXT NOT NULL DEFAULT 'none';
)SQL",
    // 7 → 8: several collector processes on one PostgreSQL database (issue 15). The delivery
    // lease of an outbox row (server ms; NULL = not leased). The PostgreSQL backend claims
    // rows by setting it; one process per SQLite file never does (its in-flight set is the
    // lease), so the column stays NULL here: it exists so version 8 means one schema on both.
    R"SQL(
ALTER TABLE webhook_outbox ADD COLUMN lease_until INTEGER;
)SQL",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion,
              "one migration per schema version");

// 2 → 3: every rating's content_hash from its stored head revision: the stored record with
// the client's own submit time put back (revisions.client_submitted_at), through
// record_content_hash(). A stored record the core cannot read stops the migration (nothing is
// changed; the collector does not start) rather than leaving a hash that is wrong.
bool recompute_content_hashes(Db& db, std::string& error) {
  Stmt rows(db.handle(),
            "SELECT r.id, r.record, COALESCE(v.client_submitted_at, r.submitted_at) "
            "FROM ratings r LEFT JOIN revisions v "
            "ON v.rating_id = r.rating_id AND v.revision = r.revision");
  Stmt update(db.handle(), "UPDATE ratings SET content_hash = ?2 WHERE id = ?1");
  rows.reset();
  session_rating::Record record;
  while (rows.step()) {
    const int64_t id = rows.int_col(0);
    int len = 0;
    const char* text = rows.text_ptr(1, len);
    session_rating::Errors errors = session_rating::record_from_json(
        std::string_view(text ? text : "", static_cast<size_t>(len)), record);
    if (!errors.empty()) {
      error = "ratings row " + std::to_string(id) + " holds a record the core refuses (" +
              errors[0].path + ": " + errors[0].message + ")";
      return false;
    }
    record.submitted_at = rows.int_col(2);
    update.reset().bind(1, id).bind(2, record_content_hash(record));
    update.step();
    if (!update.done()) {
      error = db.last_error();
      return false;
    }
  }
  if (rows.failed()) {
    error = db.last_error();
    return false;
  }
  return true;
}

std::string refused(const char* table, int64_t id, const session_rating::Errors& errors) {
  return std::string(table) + " row " + std::to_string(id) +
         " holds a record the core refuses (" + errors[0].path + ": " + errors[0].message + ")";
}

// 3 → 4: every stored record (ratings and revisions) read by the core — a rating.v1 record is
// converted into a one-answer rating.v2 record with question "overall" — and written back as
// record_to_json (rating.v2); each rating's answers and properties rows from its record; then
// the content hashes recomputed over the rating.v2 text. A record the core refuses stops the
// migration (rolled back; the collector does not start).
bool convert_to_v2(Db& db, std::string& error) {
  session_rating::Record record;
  {
    Stmt rows(db.handle(), "SELECT id, record FROM revisions");
    Stmt update(db.handle(), "UPDATE revisions SET record = ?2 WHERE id = ?1");
    rows.reset();
    while (rows.step()) {
      const int64_t id = rows.int_col(0);
      int len = 0;
      const char* text = rows.text_ptr(1, len);
      const session_rating::Errors errors = session_rating::record_from_json(
          std::string_view(text ? text : "", static_cast<size_t>(len)), record);
      if (!errors.empty()) {
        error = refused("revisions", id, errors);
        return false;
      }
      update.reset().bind(1, id).bind(2, session_rating::record_to_json(record));
      update.step();
      if (!update.done()) {
        error = db.last_error();
        return false;
      }
    }
    if (rows.failed()) {
      error = db.last_error();
      return false;
    }
  }
  Stmt rows(db.handle(), "SELECT id, record FROM ratings");
  Stmt update(db.handle(),
              "UPDATE ratings SET record = ?2, rater_id = ?3, subject_id = ?4, "
              "properties = json_extract(?2, '$.properties') WHERE id = ?1");
  Stmt answer(db.handle(),
              "INSERT INTO answers (rating_row, position, question, scale, score, positive, "
              "sentiment, low, problems, has_comment) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
  Stmt property(db.handle(),
                "INSERT INTO rating_properties (rating_row, key, value) VALUES (?1,?2,?3)");
  rows.reset();
  while (rows.step()) {
    const int64_t id = rows.int_col(0);
    int len = 0;
    const char* text = rows.text_ptr(1, len);
    const session_rating::Errors errors = session_rating::record_from_json(
        std::string_view(text ? text : "", static_cast<size_t>(len)), record);
    if (!errors.empty()) {
      error = refused("ratings", id, errors);
      return false;
    }
    update.reset().bind(1, id).bind(2, session_rating::record_to_json(record));
    if (record.rater_id) update.bind(3, *record.rater_id);
    else update.bind_null(3);
    if (record.subject_id) update.bind(4, *record.subject_id);
    else update.bind_null(4);
    update.step();
    bool ok = update.done();
    int64_t position = 0;
    for (const AnswerRow& a : answer_rows(record)) {
      answer.reset().bind(1, id).bind(2, position++).bind(3, a.question).bind(4, a.scale)
          .bind(5, a.score).bind(6, int64_t{a.positive}).bind(7, a.sentiment)
          .bind(8, int64_t{a.low}).bind(9, a.problems).bind(10, int64_t{a.has_comment});
      answer.step();
      ok = ok && answer.done();
    }
    for (const PropertyRow& p : property_rows(record)) {
      property.reset().bind(1, id).bind(2, p.key).bind(3, p.text);
      property.step();
      ok = ok && property.done();
    }
    if (!ok) {
      error = db.last_error();
      return false;
    }
  }
  if (rows.failed()) {
    error = db.last_error();
    return false;
  }
  return recompute_content_hashes(db, error);
}

// Work a migration step needs beyond its SQL, in the step's transaction.
bool run_step_code(Db& db, int64_t to_version, std::string& error) {
  if (to_version == 3) return recompute_content_hashes(db, error);
  if (to_version == 4) return convert_to_v2(db, error);
  return true;
}

}  // namespace

bool migrate(Db& db, std::string& error) {
  Stmt version(db.handle(), "PRAGMA user_version");
  version.reset();
  if (!version.step()) {
    error = "cannot read schema version: " + db.last_error();
    return false;
  }
  int64_t current = version.int_col(0);
  version.reset();
  if (current > kSchemaVersion) {
    error = "database schema version " + std::to_string(current) +
            " is newer than this collector understands (" + std::to_string(kSchemaVersion) + ")";
    return false;
  }
  for (; current < kSchemaVersion; ++current) {
    if (!db.exec("BEGIN IMMEDIATE")) {
      error = db.last_error();
      return false;
    }
    const std::string bump = "PRAGMA user_version = " + std::to_string(current + 1);
    std::string step_error;
    if (!db.exec(kMigrations[current]) || !run_step_code(db, current + 1, step_error) ||
        !db.exec(bump.c_str()) || !db.exec("COMMIT")) {
      error = "migration to version " + std::to_string(current + 1) + " failed: " +
              (step_error.empty() ? db.last_error() : step_error);
      db.exec("ROLLBACK");
      return false;
    }
  }
  return true;
}

// ---- WriteTx ----------------------------------------------------------------------------

namespace {
constexpr const char* kMarkFinal = "json_set(record, '$.final', json('true'))";
}

SqliteWriteTx::SqliteWriteTx(Db& db)
    : db_(db),
      head_(db.handle(),
            "SELECT id, revision, final, first_seen_at, deadline_at, content_hash, context_trust "
            "FROM ratings WHERE rating_id = ?1"),
      record_(db.handle(), "SELECT record FROM ratings WHERE id = ?1"),
      insert_rating_(db.handle(),
                     "INSERT INTO ratings (rating_id, session_id, rater_id, subject_id, revision, "
                     "final, internal, topic, agent_id, first_seen_at, submitted_at, deadline_at, "
                     "content_hash, record, properties, context_trust) "
                     "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,"
                     "json_extract(?14, '$.properties'), ?15)"),
      insert_revision_(db.handle(),
                       "INSERT INTO revisions (rating_id, revision, received_at, "
                       "client_submitted_at, record) VALUES (?1,?2,?3,?4,?5)"),
      update_rating_(db.handle(),
                     "UPDATE ratings SET session_id=?2, rater_id=?3, subject_id=?4, revision=?5, "
                     "final=?6, internal=?7, topic=?8, agent_id=?9, submitted_at=?10, "
                     "content_hash=?11, record=?12, properties=json_extract(?12, '$.properties') "
                     "WHERE id=?1"),
      final_rating_(db.handle(), (std::string("UPDATE ratings SET final=1, record=") + kMarkFinal +
                                  " WHERE id=?1 RETURNING rating_id, revision")
                                     .c_str()),
      final_revision_(db.handle(), (std::string("UPDATE revisions SET record=") + kMarkFinal +
                                    " WHERE rating_id=?1 AND revision=?2")
                                       .c_str()),
      due_revisions_(db.handle(),
                     (std::string("UPDATE revisions SET record=") + kMarkFinal +
                      " WHERE (rating_id, revision) IN (SELECT rating_id, revision FROM ratings "
                      "WHERE final = 0 AND deadline_at <= ?1)")
                         .c_str()),
      due_ratings_(db.handle(), (std::string("UPDATE ratings SET final=1, record=") + kMarkFinal +
                                 " WHERE final = 0 AND deadline_at <= ?1")
                                    .c_str()),
      put_site_(db.handle(),
                "INSERT INTO site (id, doc, updated_at) VALUES (1, ?1, ?2) "
                "ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at"),
      delete_answers_(db.handle(), "DELETE FROM answers WHERE rating_row = ?1"),
      insert_answer_(db.handle(),
                     "INSERT INTO answers (rating_row, position, question, scale, score, positive, "
                     "sentiment, low, problems, has_comment) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"),
      delete_properties_(db.handle(), "DELETE FROM rating_properties WHERE rating_row = ?1"),
      insert_property_(db.handle(),
                       "INSERT INTO rating_properties (rating_row, key, value) VALUES (?1,?2,?3)"),
      session_end_(db.handle(), "SELECT ended_at FROM sessions WHERE session_id = ?1"),
      put_session_end_(db.handle(),
                       "INSERT INTO sessions (session_id, ended_at, reported_at) VALUES (?1,?2,?3)"),
      // The deadline of each open rating waiting for the end: max(end + window, first seen).
      session_deadline_revisions_(
          db.handle(),
          "UPDATE revisions SET record = json_set(record, '$.edit_deadline', "
          "max(?2, json_extract(record, '$.first_submitted_at'))) "
          "WHERE rating_id IN (SELECT rating_id FROM ratings WHERE session_id = ?1 "
          "AND final = 0 AND deadline_at = ?3)"),
      session_deadline_ratings_(
          db.handle(),
          "UPDATE ratings SET deadline_at = max(?2, first_seen_at), "
          "record = json_set(record, '$.edit_deadline', max(?2, first_seen_at)) "
          "WHERE session_id = ?1 AND final = 0 AND deadline_at = ?3"),
      outbox_insert_(db.handle(),
                     "INSERT INTO webhook_outbox (delivery_id, endpoint_id, type, rating_id, "
                     "revision, data, created_at, next_at) VALUES "
                     "('wh_' || lower(hex(randomblob(12))), ?1, ?2, ?3, ?4, ?5, ?6, ?6)"),
      outbox_final_row_(db.handle(),
                        "INSERT INTO webhook_outbox (delivery_id, endpoint_id, type, rating_id, "
                        "revision, data, created_at, next_at) SELECT "
                        "'wh_' || lower(hex(randomblob(12))), ?1, 'rating.final', rating_id, "
                        "revision, record, ?2, ?2 FROM ratings WHERE id = ?3"),
      outbox_final_due_(db.handle(),
                        (std::string("INSERT INTO webhook_outbox (delivery_id, endpoint_id, type, "
                                     "rating_id, revision, data, created_at, next_at) SELECT "
                                     "'wh_' || lower(hex(randomblob(12))), ?1, 'rating.final', "
                                     "rating_id, revision, ") +
                         kMarkFinal +
                         ", ?2, ?2 FROM ratings WHERE final = 0 AND deadline_at <= ?3 ORDER BY id")
                            .c_str()),
      session_event_(db.handle(),
                     "INSERT INTO session_events (session_id, type, data, created_at) "
                     "VALUES (?1, ?2, ?3, ?4)"),
      outbox_result_(db.handle(),
                     "UPDATE webhook_outbox SET status = ?2, attempts = ?3, next_at = ?4, "
                     "last_error = ?5, done_at = nullif(?6, 0) WHERE id = ?1") {
  failed_ = !head_.ok() || !record_.ok() || !insert_rating_.ok() || !insert_revision_.ok() ||
            !update_rating_.ok() || !final_rating_.ok() || !final_revision_.ok() ||
            !due_revisions_.ok() || !due_ratings_.ok() || !put_site_.ok() ||
            !delete_answers_.ok() || !insert_answer_.ok() || !delete_properties_.ok() ||
            !insert_property_.ok() || !session_end_.ok() || !put_session_end_.ok() ||
            !session_deadline_revisions_.ok() || !session_deadline_ratings_.ok() ||
            !outbox_insert_.ok() || !outbox_final_row_.ok() || !outbox_final_due_.ok() ||
            !session_event_.ok() || !outbox_result_.ok();
}

void SqliteWriteTx::begin_group(std::vector<OutboxTarget> targets, int64_t now_ms) {
  targets_ = std::move(targets);
  now_ms_ = now_ms;
}

int64_t SqliteWriteTx::take_enqueued() {
  const int64_t n = enqueued_;
  enqueued_ = 0;
  return n;
}

std::optional<std::string> SqliteWriteTx::record(int64_t id) {
  record_.reset().bind(1, id);
  if (!record_.step()) {
    if (record_.failed()) failed_ = true;
    return std::nullopt;
  }
  std::string text = record_.text_col(0);
  record_.reset();
  return text;
}

std::optional<Head> SqliteWriteTx::head(const std::string& rating_id) {
  head_.reset().bind(1, rating_id);
  if (!head_.step()) {
    if (head_.failed()) failed_ = true;
    return std::nullopt;
  }
  Head h;
  h.id = head_.int_col(0);
  h.revision = head_.int_col(1);
  h.final = head_.int_col(2) != 0;
  h.first_seen_at = head_.int_col(3);
  h.deadline_at = head_.int_col(4);
  h.content_hash = head_.int_col(5);
  h.context_trust = head_.text_col(6);
  head_.reset();
  return h;
}

namespace {
void bind_opt(Stmt& s, int index, const std::optional<std::string>& v) {
  if (v) s.bind(index, *v);
  else s.bind_null(index);
}
bool run(Stmt& s) {
  s.step();
  const bool ok = s.done();
  s.reset();
  return ok;
}
}  // namespace

bool SqliteWriteTx::write_children(int64_t row_id, const RatingRow& r) {
  bool ok = run(delete_answers_.reset().bind(1, row_id));
  int64_t position = 0;
  for (const AnswerRow& a : r.answers) {
    insert_answer_.reset().bind(1, row_id).bind(2, position++).bind(3, a.question)
        .bind(4, a.scale).bind(5, a.score).bind(6, int64_t{a.positive}).bind(7, a.sentiment)
        .bind(8, int64_t{a.low}).bind(9, a.problems).bind(10, int64_t{a.has_comment});
    ok = ok && run(insert_answer_);
  }
  ok = ok && run(delete_properties_.reset().bind(1, row_id));
  for (const PropertyRow& p : r.properties) {
    insert_property_.reset().bind(1, row_id).bind(2, p.key).bind(3, p.text);
    ok = ok && run(insert_property_);
  }
  return ok;
}

bool SqliteWriteTx::insert(const RatingRow& r) {
  Stmt& s = insert_rating_;
  s.reset().bind(1, r.rating_id).bind(2, r.session_id);
  bind_opt(s, 3, r.rater_id);
  bind_opt(s, 4, r.subject_id);
  s.bind(5, r.revision).bind(6, int64_t{r.final}).bind(7, int64_t{r.internal});
  bind_opt(s, 8, r.topic);
  bind_opt(s, 9, r.agent_id);
  s.bind(10, r.first_seen_at).bind(11, r.submitted_at).bind(12, r.deadline_at)
      .bind(13, r.content_hash).bind(14, r.record).bind(15, r.context_trust);
  bool ok = run(s);
  const int64_t row_id = sqlite3_last_insert_rowid(db_.handle());
  ok = ok && write_children(row_id, r);
  insert_revision_.reset().bind(1, r.rating_id).bind(2, r.revision).bind(3, r.submitted_at)
      .bind(4, r.client_submitted_at).bind(5, r.record);
  ok = ok && run(insert_revision_);
  ok = ok && enqueue("rating.revision", r);
  if (r.final) ok = ok && enqueue("rating.final", r);  // stored final at once
  if (!ok) failed_ = true;
  return ok;
}

bool SqliteWriteTx::update(int64_t id, const RatingRow& r) {
  Stmt& s = update_rating_;
  s.reset().bind(1, id).bind(2, r.session_id);
  bind_opt(s, 3, r.rater_id);
  bind_opt(s, 4, r.subject_id);
  s.bind(5, r.revision).bind(6, int64_t{r.final}).bind(7, int64_t{r.internal});
  bind_opt(s, 8, r.topic);
  bind_opt(s, 9, r.agent_id);
  s.bind(10, r.submitted_at).bind(11, r.content_hash).bind(12, r.record);
  bool ok = run(s);
  ok = ok && write_children(id, r);
  insert_revision_.reset().bind(1, r.rating_id).bind(2, r.revision).bind(3, r.submitted_at)
      .bind(4, r.client_submitted_at).bind(5, r.record);
  ok = ok && run(insert_revision_);
  ok = ok && enqueue("rating.revision", r);
  if (r.final) ok = ok && enqueue("rating.final", r);
  if (!ok) failed_ = true;
  return ok;
}

bool SqliteWriteTx::enqueue(const char* type, const RatingRow& r) {
  const bool final = std::string_view(type) == "rating.final";
  for (const OutboxTarget& t : targets_) {
    if (!(final ? t.final : t.revision)) continue;
    outbox_insert_.reset().bind(1, t.endpoint_id).bind(2, std::string(type)).bind(3, r.rating_id)
        .bind(4, r.revision).bind(5, r.record).bind(6, r.submitted_at);
    if (!run(outbox_insert_)) return false;
    ++enqueued_;
  }
  return true;
}

bool SqliteWriteTx::enqueue_final(int64_t row_id) {
  for (const OutboxTarget& t : targets_) {
    if (!t.final) continue;
    outbox_final_row_.reset().bind(1, t.endpoint_id).bind(2, now_ms_).bind(3, row_id);
    if (!run(outbox_final_row_)) return false;
    enqueued_ += sqlite3_changes(db_.handle());
  }
  return true;
}

bool SqliteWriteTx::enqueue_final_due(int64_t now_ms) {
  for (const OutboxTarget& t : targets_) {
    if (!t.final) continue;
    outbox_final_due_.reset().bind(1, t.endpoint_id).bind(2, now_ms).bind(3, now_ms);
    if (!run(outbox_final_due_)) return false;
    enqueued_ += sqlite3_changes(db_.handle());
  }
  return true;
}

bool SqliteWriteTx::mark_final(int64_t id) {
  final_rating_.reset().bind(1, id);
  if (!final_rating_.step()) {
    const bool ok = final_rating_.done();
    final_rating_.reset();
    if (!ok) failed_ = true;
    return ok;
  }
  const std::string rating_id = final_rating_.text_col(0);
  const int64_t revision = final_rating_.int_col(1);
  final_rating_.step();  // drain RETURNING
  final_rating_.reset();
  final_revision_.reset().bind(1, rating_id).bind(2, revision);
  const bool ok = run(final_revision_) && enqueue_final(id);
  if (!ok) failed_ = true;
  return ok;
}

int64_t SqliteWriteTx::finalise_due(int64_t now_ms) {
  if (!enqueue_final_due(now_ms)) {  // before the rows stop being due
    failed_ = true;
    return -1;
  }
  due_revisions_.reset().bind(1, now_ms);
  if (!run(due_revisions_)) {
    failed_ = true;
    return -1;
  }
  due_ratings_.reset().bind(1, now_ms);
  if (!run(due_ratings_)) {
    failed_ = true;
    return -1;
  }
  return static_cast<int64_t>(sqlite3_changes(db_.handle()));
}

std::optional<int64_t> SqliteWriteTx::session_end(const std::string& session_id) {
  session_end_.reset().bind(1, session_id);
  if (!session_end_.step()) {
    if (session_end_.failed()) failed_ = true;
    session_end_.reset();
    return std::nullopt;
  }
  const int64_t at = session_end_.int_col(0);
  session_end_.reset();
  return at;
}

bool SqliteWriteTx::put_session_end(const std::string& session_id, int64_t ended_at,
                              int64_t reported_at) {
  put_session_end_.reset().bind(1, session_id).bind(2, ended_at).bind(3, reported_at);
  const bool ok = run(put_session_end_);
  if (!ok) failed_ = true;
  return ok;
}

int64_t SqliteWriteTx::set_session_deadline(const std::string& session_id, int64_t deadline) {
  session_deadline_revisions_.reset().bind(1, session_id).bind(2, deadline).bind(3, kOpenDeadline);
  if (!run(session_deadline_revisions_)) {
    failed_ = true;
    return -1;
  }
  session_deadline_ratings_.reset().bind(1, session_id).bind(2, deadline).bind(3, kOpenDeadline);
  if (!run(session_deadline_ratings_)) {
    failed_ = true;
    return -1;
  }
  return static_cast<int64_t>(sqlite3_changes(db_.handle()));
}

bool SqliteWriteTx::put_site(const std::string& doc, int64_t now_ms) {
  put_site_.reset().bind(1, doc).bind(2, now_ms);
  const bool ok = run(put_site_);
  if (!ok) failed_ = true;
  return ok;
}

int64_t SqliteWriteTx::add_session_event(const std::string& session_id, const std::string& type,
                                   const std::string& data, int64_t now_ms) {
  session_event_.reset().bind(1, session_id).bind(2, type).bind(3, data).bind(4, now_ms);
  if (!run(session_event_)) {
    failed_ = true;
    return -1;
  }
  return sqlite3_last_insert_rowid(db_.handle());
}

bool SqliteWriteTx::outbox_result(int64_t id, const std::string& status, int64_t attempts,
                            int64_t next_at, const std::string& last_error, int64_t done_at) {
  outbox_result_.reset().bind(1, id).bind(2, status).bind(3, attempts).bind(4, next_at);
  if (last_error.empty()) outbox_result_.bind_null(5);
  else outbox_result_.bind(5, last_error);
  outbox_result_.bind(6, done_at);
  const bool ok = run(outbox_result_);
  if (!ok) failed_ = true;
  return ok;
}

bool SqliteWriteTx::get_site(std::string& doc, int64_t& updated_at) {
  const bool ok = collector::get_site(db_, doc, updated_at);
  if (!ok) failed_ = true;
  return ok;
}

std::optional<int64_t> SqliteWriteTx::last_request_at(const std::string& session_id,
                                                      const std::string& agent_id, bool& ok) {
  return collector::last_request_at(db_, session_id, agent_id, ok);
}

bool SqliteWriteTx::insert_request(const RatingRequest& request) {
  return collector::insert_request(db_, request);
}

// ---- WriteQueue -------------------------------------------------------------------------

WriteQueue::WriteQueue(std::unique_ptr<Db> db, WriteHooks hooks)
    : db_(std::move(db)), hooks_(std::move(hooks)) {
  db_->exec("PRAGMA wal_autocheckpoint=0");  // the Checkpointer does it off the write path
  thread_ = std::thread([this] { run(); });
}

WriteQueue::~WriteQueue() { stop(); }

bool WriteQueue::submit(Job job) {
  Pending pending;
  pending.job = std::move(job);
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return false;
  queue_.push_back(&pending);
  cv_.notify_one();
  done_cv_.wait(lock, [&] { return pending.done; });
  return pending.ok;
}

void WriteQueue::submit_async(Job job, std::function<void(bool)> done) {
  auto* pending = new Pending;
  pending->job = std::move(job);
  pending->on_done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(pending);
      cv_.notify_one();
      return;
    }
  }
  pending->on_done(false);
  delete pending;
}

void WriteQueue::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  if (db_) {
    db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db_.reset();
  }
}

WriteQueue::Health WriteQueue::health() const {
  std::lock_guard<std::mutex> lock(health_mu_);
  return health_;
}

void WriteQueue::note_write(bool failed, bool changed, const std::string& error) {
  const int64_t now = hooks_.now_ms ? hooks_.now_ms() : 0;
  std::lock_guard<std::mutex> lock(health_mu_);
  if (failed) {
    if (!health_.degraded) health_.since_ms = now;
    health_.degraded = true;
    health_.last_failure_ms = now;
    health_.last_error = error.empty() ? "write failed" : error;
    ++health_.failures;
  } else if (changed) {
    health_.degraded = false;
    health_.since_ms = 0;
  }
}

void WriteQueue::run() {
  SqliteWriteTx tx(*db_);
  constexpr size_t kMaxGroup = 512;
  for (;;) {
    std::vector<Pending*> group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      while (!queue_.empty() && group.size() < kMaxGroup) {
        group.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    // One transaction for the group; a savepoint per job so one failing job does not undo
    // the others.
    tx.begin_group(hooks_.targets ? hooks_.targets() : std::vector<OutboxTarget>{},
                   hooks_.now_ms ? hooks_.now_ms() : 0);
    tx.take_enqueued();
    const int changes_before = sqlite3_total_changes(db_->handle());
    bool began = db_->exec("BEGIN IMMEDIATE");
    std::string write_error = began ? "" : db_->last_error();
    std::vector<bool> job_ok(group.size(), false);
    for (size_t i = 0; began && i < group.size(); ++i) {
      if (!db_->exec("SAVEPOINT job")) {
        write_error = db_->last_error();
        break;
      }
      tx.clear_failed();
      group[i]->job(tx);
      if (tx.failed()) {
        write_error = db_->last_error();
        db_->exec("ROLLBACK TO job");
        db_->exec("RELEASE job");
      } else {
        job_ok[i] = db_->exec("RELEASE job");
      }
    }
    const bool committed = began && db_->exec("COMMIT");
    if (began && !committed) {
      if (write_error.empty()) write_error = db_->last_error();
      db_->exec("ROLLBACK");
    }
    note_write(!committed || !write_error.empty(),
               committed && sqlite3_total_changes(db_->handle()) > changes_before, write_error);
    // Rows of a job rolled back to its savepoint are counted too: a spare poke is harmless.
    if (tx.take_enqueued() > 0 && committed && hooks_.outbox_committed) hooks_.outbox_committed();
    if (committed) {
      commits_.fetch_add(1);
      jobs_.fetch_add(static_cast<int64_t>(group.size()));
    }
    std::vector<Pending*> async_done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < group.size(); ++i) {
        group[i]->ok = committed && job_ok[i];
        if (group[i]->on_done) async_done.push_back(group[i]);
        else group[i]->done = true;
      }
    }
    done_cv_.notify_all();
    for (Pending* p : async_done) {
      p->on_done(p->ok);
      delete p;
    }
  }
}

// ---- Checkpointer -----------------------------------------------------------------------

Checkpointer::Checkpointer(const std::string& path, int interval_ms) {
  std::string error;
  db_ = Db::open(path, "normal", false, error);
  if (!db_) return;  // the writer's own final checkpoint still runs at shutdown
  periodic_ = std::make_unique<Periodic>(std::chrono::milliseconds(interval_ms), [this] {
    sqlite3_wal_checkpoint_v2(db_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  });
}

void Checkpointer::stop() {
  periodic_.reset();  // joins the thread before its connection closes
  db_.reset();
}

// ---- ReadPool ---------------------------------------------------------------------------

std::unique_ptr<SqliteReadConn> ReadPool::acquire(std::string& error) {
  std::unique_ptr<Db> db;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      db = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!db) db = Db::open(path_, synchronous_, true, error);
  if (!db) return nullptr;
  return std::make_unique<SqliteReadConn>(*this, std::move(db));
}

void ReadPool::release(std::unique_ptr<Db> db) {
  if (!db) return;
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(db));
}

void ReadPool::close_all() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

// ---- SqliteReadConn ---------------------------------------------------------------------

SqliteReadConn::~SqliteReadConn() { pool_.release(std::move(db_)); }

bool SqliteReadConn::ping() { return db_->exec("SELECT 1"); }

bool SqliteReadConn::get_site(std::string& doc, int64_t& updated_at) {
  return collector::get_site(*db_, doc, updated_at);
}

bool SqliteReadConn::list_ratings(const Filters& f, std::string& body, std::string& error) {
  return collector::list_ratings(*db_, f, body, error);
}

bool SqliteReadConn::insights(const Filters& f, std::string& body, std::string& error) {
  return collector::insights(*db_, f, body, error);
}

bool SqliteReadConn::session_view(const std::string& session_id, std::string& body,
                                  std::string& error) {
  return collector::session_view(*db_, session_id, body, error);
}

int64_t SqliteReadConn::export_chunk(int64_t after_id, int64_t limit, std::string& out,
                                     int64_t& last_id) {
  return collector::export_chunk(*db_, after_id, limit, out, last_id);
}

bool SqliteReadConn::session_timeline(const std::string& session_id, int64_t now,
                                      std::string& body, std::string& error) {
  return collector::session_timeline(*db_, session_id, now, body, error);
}

std::optional<int64_t> SqliteReadConn::last_request_at(const std::string& session_id,
                                                       const std::string& agent_id, bool& ok) {
  return collector::last_request_at(*db_, session_id, agent_id, ok);
}

std::optional<StoredHead> SqliteReadConn::rating_head(const std::string& rating_id, bool& ok) {
  Stmt s(db_->handle(), "SELECT revision, final, record FROM ratings WHERE rating_id = ?1");
  s.reset().bind(1, rating_id);
  std::optional<StoredHead> out;
  if (s.step()) out = StoredHead{s.int_col(0), s.int_col(1) != 0, s.text_col(2)};
  ok = !s.failed();
  return out;
}

bool SqliteReadConn::session_events_after(const std::string& session_id, int64_t after_id,
                                          int64_t limit, std::vector<SessionEvent>& out) {
  Stmt q(db_->handle(),
         "SELECT id, type, data FROM session_events WHERE session_id = ?1 AND id > ?2 "
         "ORDER BY id LIMIT ?3");
  q.reset().bind(1, session_id).bind(2, after_id).bind(3, limit);
  while (q.step()) out.push_back(SessionEvent{q.int_col(0), q.text_col(1), q.text_col(2)});
  return q.done();
}

bool SqliteReadConn::outbox_due(int64_t now, int64_t lease_until, int64_t limit,
                                std::vector<OutboxRow>& out) {
  (void)lease_until;  // one process per file: the worker's in-flight set is the lease
  Stmt q(db_->handle(),
         "SELECT id, delivery_id, endpoint_id, type, rating_id, revision, data, created_at, "
         "attempts FROM webhook_outbox o WHERE status = 'pending' AND next_at <= ?1 "
         "AND NOT EXISTS (SELECT 1 FROM webhook_outbox p WHERE p.status = 'pending' AND "
         "p.rating_id = o.rating_id AND p.endpoint_id = o.endpoint_id AND p.id < o.id) "
         "ORDER BY next_at, id LIMIT ?2");
  q.reset().bind(1, now).bind(2, limit);
  while (q.step()) {
    OutboxRow r;
    r.id = q.int_col(0);
    r.delivery_id = q.text_col(1);
    r.endpoint_id = q.text_col(2);
    r.type = q.text_col(3);
    r.rating_id = q.text_col(4);
    r.revision = q.int_col(5);
    r.data = q.text_col(6);
    r.created_at = q.int_col(7);
    r.attempts = q.int_col(8);
    out.push_back(std::move(r));
  }
  return q.done();
}

std::optional<int64_t> SqliteReadConn::outbox_next_due(int64_t now) {
  Stmt soon(db_->handle(),
            "SELECT min(next_at) FROM webhook_outbox WHERE status = 'pending' AND next_at > ?1");
  soon.reset().bind(1, now);
  if (soon.step() && !soon.is_null(0)) return soon.int_col(0);
  return std::nullopt;
}

// ---- SqliteStore ------------------------------------------------------------------------

std::unique_ptr<SqliteStore> SqliteStore::open(const std::string& path,
                                               const std::string& synchronous,
                                               std::string& error) {
  auto db = Db::open(path, synchronous, false, error);
  if (!db) {
    error = "cannot open database " + path + ": " + error;
    return nullptr;
  }
  if (!migrate(*db, error)) return nullptr;
  return std::unique_ptr<SqliteStore>(new SqliteStore(path, synchronous, std::move(db)));
}

bool SqliteStore::get_site(std::string& doc, int64_t& updated_at, std::string& error) {
  if (!db_) {
    error = "the store has started: read the site through the writer";
    return false;
  }
  if (collector::get_site(*db_, doc, updated_at)) return true;
  error = db_->last_error();
  return false;
}

void SqliteStore::start(WriteHooks hooks) {
  if (writer_ || !db_) return;
  writer_ = std::make_unique<WriteQueue>(std::move(db_), std::move(hooks));
  checkpointer_ = std::make_unique<Checkpointer>(path_, 500);
}

std::unique_ptr<ReadConn> SqliteStore::read(std::string& error) { return reads_.acquire(error); }

void SqliteStore::stop() {
  if (checkpointer_) checkpointer_->stop();
  if (writer_) writer_->stop();
  reads_.close_all();
}

// ---- misc -------------------------------------------------------------------------------

bool get_site(Db& db, std::string& doc, int64_t& updated_at) {
  Stmt s(db.handle(), "SELECT doc, updated_at FROM site WHERE id = 1");
  s.reset();
  if (s.step()) {
    doc = s.text_col(0);
    updated_at = s.int_col(1);
    return true;
  }
  doc.clear();
  updated_at = 0;
  return !s.failed();
}

}  // namespace collector
