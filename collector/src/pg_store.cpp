#include "pg_store.h"

#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "json_util.h"
#include "pg_insights.h"
#include "programme_store.h"
#include "queries.h"

namespace collector {

// ---- PgResult / PgConn ------------------------------------------------------------------

PgResult::~PgResult() {
  if (r_) PQclear(r_);
}
PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (r_) PQclear(r_);
    r_ = other.r_;
    other.r_ = nullptr;
  }
  return *this;
}
bool PgResult::ok() const {
  if (!r_) return false;
  const ExecStatusType s = PQresultStatus(r_);
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}
int PgResult::rows() const { return r_ ? PQntuples(r_) : 0; }
bool PgResult::is_null(int row, int col) const { return !r_ || PQgetisnull(r_, row, col); }
int64_t PgResult::int_col(int row, int col) const {
  if (is_null(row, col)) return 0;
  return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10);
}
std::string PgResult::text_col(int row, int col) const {
  if (is_null(row, col)) return std::string();
  return std::string(PQgetvalue(r_, row, col), static_cast<size_t>(PQgetlength(r_, row, col)));
}
const char* PgResult::text_ptr(int row, int col, int& length) const {
  if (is_null(row, col)) {
    length = 0;
    return nullptr;
  }
  length = PQgetlength(r_, row, col);
  return PQgetvalue(r_, row, col);
}
std::string PgResult::sqlstate() const {
  const char* s = r_ ? PQresultErrorField(r_, PG_DIAG_SQLSTATE) : nullptr;
  return s ? s : "";
}
bool PgResult::changed_rows() const {
  const char* status = r_ ? PQcmdStatus(r_) : nullptr;
  if (!status || std::strncmp(status, "SELECT", 6) == 0) return false;
  return affected() > 0;
}
int64_t PgResult::affected() const {
  const char* s = r_ ? PQcmdTuples(r_) : nullptr;
  return s && *s ? std::strtoll(s, nullptr, 10) : 0;
}

std::unique_ptr<PgConn> PgConn::connect(const std::string& url, std::string& error) {
  PGconn* c = PQconnectdb(url.c_str());
  if (!c) {
    error = "out of memory";
    return nullptr;
  }
  if (PQstatus(c) != CONNECTION_OK) {
    error = PQerrorMessage(c);
    while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) error.pop_back();
    PQfinish(c);
    return nullptr;
  }
  std::unique_ptr<PgConn> conn(new PgConn(c));
  // Quiet: NOTICEs (e.g. "relation already exists, skipping") are not errors.
  conn->exec("SET client_min_messages = warning");
  return conn;
}

PgConn::~PgConn() {
  if (c_) PQfinish(c_);
}

PgResult PgConn::exec(const std::string& sql) { return PgResult(PQexec(c_, sql.c_str())); }

PgResult PgConn::query(const std::string& sql, const std::vector<PgParam>& params) {
  auto it = prepared_.find(sql);
  if (it == prepared_.end()) {
    const std::string name = "s" + std::to_string(prepared_.size() + 1);
    PgResult r(PQprepare(c_, name.c_str(), sql.c_str(), 0, nullptr));
    if (!r.ok()) return r;
    it = prepared_.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& p : params) values.push_back(p ? p->c_str() : nullptr);
  return PgResult(PQexecPrepared(c_, it->second.c_str(), static_cast<int>(values.size()),
                                 values.data(), nullptr, nullptr, 0));
}

bool PgConn::healthy() const { return c_ && PQstatus(c_) == CONNECTION_OK; }

bool PgConn::reset() {
  prepared_.clear();
  PQreset(c_);
  if (!healthy()) return false;
  exec("SET client_min_messages = warning");
  return true;
}

std::string PgConn::last_error() const {
  std::string e = c_ ? PQerrorMessage(c_) : "no connection";
  while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  return e;
}

namespace {

// SQLite placeholders → PostgreSQL's: ?N → $N; a bare ? → the next number (as SQLite numbers
// them). Text inside single quotes is left alone.
std::string to_pg_placeholders(const std::string& sql) {
  std::string out;
  out.reserve(sql.size() + 8);
  int last = 0;
  bool quoted = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'') quoted = !quoted;
    if (quoted || c != '?') {
      out += c;
      continue;
    }
    size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    const int n = j > i + 1 ? std::atoi(sql.substr(i + 1, j - i - 1).c_str()) : last + 1;
    if (n > last) last = n;
    out += '$' + std::to_string(n);
    i = j - 1;
  }
  return out;
}

// A shared read query on PostgreSQL: parameters collected by bind(), run at the first step()
// (the whole result is then read row by row).
class PgQuery final : public SqlQuery {
 public:
  PgQuery(PgConn& db, std::string sql) : db_(db), sql_(to_pg_placeholders(sql)) {}
  bool ok() const override { return true; }
  PgQuery& reset() override {
    params_.clear();
    result_ = PgResult();
    row_ = -1;
    ran_ = done_ = failed_ = false;
    return *this;
  }
  PgQuery& bind(int index, int64_t value) override { return set(index, std::to_string(value)); }
  PgQuery& bind(int index, const std::string& value) override { return set(index, value); }
  PgQuery& bind_null(int index) override { return set(index, std::nullopt); }
  bool step() override {
    if (failed_ || done_) return false;
    if (!ran_) {
      ran_ = true;
      result_ = db_.query(sql_, params_);
      if (!result_.ok()) {
        failed_ = true;
        return false;
      }
    }
    if (++row_ < result_.rows()) return true;
    done_ = true;
    return false;
  }
  bool done() const override { return done_; }
  bool failed() const override { return failed_; }
  int64_t int_col(int index) const override { return result_.int_col(row_, index); }
  std::string text_col(int index) const override { return result_.text_col(row_, index); }
  bool is_null(int index) const override { return result_.is_null(row_, index); }
  const char* text_ptr(int index, int& length) const override {
    return result_.text_ptr(row_, index, length);
  }

 private:
  PgQuery& set(int index, PgParam value) {
    if (index < 1) return *this;
    if (params_.size() < static_cast<size_t>(index)) params_.resize(static_cast<size_t>(index));
    params_[static_cast<size_t>(index) - 1] = std::move(value);
    return *this;
  }
  PgConn& db_;
  std::string sql_;
  std::vector<PgParam> params_;
  PgResult result_;
  int row_ = -1;
  bool ran_ = false, done_ = false, failed_ = false;
};

}  // namespace

std::unique_ptr<SqlQuery> PgConn::prepare(const std::string& sql) {
  return std::make_unique<PgQuery>(*this, sql);
}

// ---- Migrations -------------------------------------------------------------------------

namespace {

// Advisory lock keys (any constant bigint; these spell "srmigrat" and "srfinali").
constexpr const char* kMigrateLock = "7553326953283854708";
constexpr const char* kFinaliseLock = "7553326952999038569";

// PostgreSQL support starts at schema version 7: the first step creates that schema at once.
// Later versions are single steps, numbered as on SQLite (sqlite_store.cpp). Append only.
// Types follow the SQLite schema (0/1 flags stay integers) so the same read SQL fits both.
struct Migration {
  int to;
  const char* sql;
};
const Migration kPgMigrations[] = {
    {7, R"SQL(
CREATE TABLE ratings (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rating_id     text NOT NULL UNIQUE,
  session_id    text NOT NULL,
  revision      bigint NOT NULL,
  final         integer NOT NULL,
  internal      integer NOT NULL,
  topic         text,
  agent_id      text,
  first_seen_at bigint NOT NULL,
  submitted_at  bigint NOT NULL,
  deadline_at   bigint NOT NULL,
  content_hash  bigint NOT NULL,
  record        text NOT NULL,
  rater_id      text,
  subject_id    text,
  properties    text NOT NULL DEFAULT '{}',
  context_trust text NOT NULL DEFAULT 'none'
);
CREATE INDEX ratings_first_seen ON ratings(first_seen_at);
CREATE INDEX ratings_session ON ratings(session_id);
CREATE INDEX ratings_topic ON ratings(topic, first_seen_at);
CREATE INDEX ratings_due ON ratings(deadline_at) WHERE final = 0;
CREATE INDEX ratings_rater ON ratings(rater_id);
CREATE INDEX ratings_subject ON ratings(subject_id);
CREATE INDEX ratings_agent ON ratings(agent_id);
CREATE INDEX ratings_tally ON ratings(id, internal, first_seen_at, topic, agent_id, rater_id);
CREATE TABLE revisions (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rating_id           text NOT NULL,
  revision            bigint NOT NULL,
  received_at         bigint NOT NULL,
  client_submitted_at bigint NOT NULL,
  record              text NOT NULL,
  UNIQUE (rating_id, revision)
);
CREATE TABLE site (
  id         integer PRIMARY KEY CHECK (id = 1),
  doc        text NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE answers (
  rating_row  bigint NOT NULL,
  position    integer NOT NULL,
  question    text NOT NULL,
  scale       text NOT NULL,
  score       bigint NOT NULL,
  positive    integer NOT NULL,
  sentiment   text NOT NULL,
  low         integer NOT NULL,
  problems    text NOT NULL,
  has_comment integer NOT NULL,
  PRIMARY KEY (rating_row, position)
);
CREATE TABLE rating_properties (
  rating_row bigint NOT NULL,
  key        text NOT NULL,
  value      text NOT NULL,
  PRIMARY KEY (rating_row, key)
);
CREATE INDEX rating_properties_value ON rating_properties(key, value);
CREATE TABLE sessions (
  session_id  text PRIMARY KEY,
  ended_at    bigint NOT NULL,
  reported_at bigint NOT NULL
);
CREATE TABLE rating_requests (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id   text NOT NULL UNIQUE,
  session_id   text NOT NULL,
  agent_id     text NOT NULL,
  channel      text NOT NULL,
  requested_at bigint NOT NULL
);
CREATE INDEX rating_requests_session ON rating_requests(session_id, agent_id, requested_at);
CREATE TABLE session_events (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id text NOT NULL,
  type       text NOT NULL,
  data       text NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX session_events_session ON session_events(session_id, id);
CREATE TABLE webhook_outbox (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id text NOT NULL UNIQUE,
  endpoint_id text NOT NULL,
  type        text NOT NULL,
  rating_id   text NOT NULL,
  revision    bigint NOT NULL,
  data        text NOT NULL,
  created_at  bigint NOT NULL,
  status      text NOT NULL DEFAULT 'pending',
  attempts    bigint NOT NULL DEFAULT 0,
  next_at     bigint NOT NULL,
  last_error  text,
  done_at     bigint
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_at) WHERE status = 'pending';
CREATE INDEX webhook_outbox_order ON webhook_outbox(rating_id, endpoint_id, id)
  WHERE status = 'pending';
)SQL"},
    // 7 → 8: the outbox delivery lease (server ms; NULL = not leased). A process claims due
    // rows by setting it (PgReadConn::outbox_due, FOR UPDATE SKIP LOCKED); recording the
    // attempt's result clears it; a process that died holding it loses it when it passes.
    {8, R"SQL(
ALTER TABLE webhook_outbox ADD COLUMN lease_until bigint;
)SQL"},
};

std::string pg_error(PgConn& db, const PgResult& r) {
  (void)r;
  return db.last_error();
}

// A webhook delivery id: "wh_" and 24 random hex digits (as the SQLite backend's).
std::string new_delivery_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* const kHex = "0123456789abcdef";
  std::string id = "wh_";
  for (int i = 0; i < 24; ++i) id += kHex[rng() & 15];
  return id;
}

// The record JSON `text` with one change made through the core (record_from_json →
// change → record_to_json), so the stored text stays the core's canonical form.
template <typename Change>
std::optional<std::string> edit_record(const std::string& text, Change change) {
  session_rating::Record record;
  if (!session_rating::record_from_json(text, record).empty()) return std::nullopt;
  change(record);
  return session_rating::record_to_json(record);
}

// The "properties" member of a record JSON as compact JSON text (ratings.properties).
std::string properties_text(const std::string& record) {
  const json j = parse_json(record);
  if (j.is_object()) {
    auto it = j.find("properties");
    if (it != j.end() && it->is_object()) return dump(*it);
  }
  return "{}";
}

}  // namespace

bool pg_migrate(PgConn& db, std::string& error) {
  PgResult lock = db.query("SELECT pg_advisory_lock($1::bigint)", {std::string(kMigrateLock)});
  if (!lock.ok()) {
    error = "cannot take the migration lock: " + db.last_error();
    return false;
  }
  struct Unlock {
    PgConn& db;
    ~Unlock() { db.query("SELECT pg_advisory_unlock($1::bigint)", {std::string(kMigrateLock)}); }
  } unlock{db};
  if (!db.exec("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)").ok()) {
    error = "cannot create schema_version: " + db.last_error();
    return false;
  }
  PgResult v = db.exec("SELECT max(version) FROM schema_version");
  if (!v.ok()) {
    error = "cannot read schema version: " + db.last_error();
    return false;
  }
  int64_t current = v.is_null(0, 0) ? 0 : v.int_col(0, 0);
  if (current > kSchemaVersion) {
    error = "database schema version " + std::to_string(current) +
            " is newer than this collector understands (" + std::to_string(kSchemaVersion) + ")";
    return false;
  }
  for (const Migration& m : kPgMigrations) {
    if (m.to <= current) continue;
    if (current != 0 && m.to != current + 1) {
      error = "database schema version " + std::to_string(current) + " has no PostgreSQL migration";
      return false;
    }
    const std::string bump = "DELETE FROM schema_version; INSERT INTO schema_version VALUES (" +
                             std::to_string(m.to) + ")";
    if (!db.exec("BEGIN").ok() || !db.exec(m.sql).ok() || !db.exec(bump).ok() ||
        !db.exec("COMMIT").ok()) {
      error = "migration to version " + std::to_string(m.to) + " failed: " + db.last_error();
      db.exec("ROLLBACK");
      return false;
    }
    current = m.to;
  }
  if (current != kSchemaVersion) {
    error = "no PostgreSQL migration reaches schema version " + std::to_string(kSchemaVersion);
    return false;
  }
  return true;
}

// ---- PgWriteTx --------------------------------------------------------------------------

void PgWriteTx::begin(std::vector<OutboxTarget> targets, int64_t now_ms) {
  targets_ = std::move(targets);
  now_ms_ = now_ms;
  failed_ = false;
  wrote_ = false;
  busy_ = false;
  error_.clear();
  state_.clear();
}

int64_t PgWriteTx::take_enqueued() {
  const int64_t n = enqueued_;
  enqueued_ = 0;
  return n;
}

PgResult PgWriteTx::run(const std::string& sql, const std::vector<PgParam>& params) {
  // A job of a group that met a busy lock stops there: its savepoint is rolled back and it
  // runs again on its own (PgWriter::run_group); nothing more of it may wait on a lock.
  if (busy_) return PgResult();
  PgResult r = db_.query(sql, params);
  if (r.ok() && r.changed_rows()) wrote_ = true;
  if (!r.ok() && !failed_) {
    failed_ = true;
    error_ = pg_error(db_, r);
    state_ = r.sqlstate();
    if (group_ && state_ == "55P03") busy_ = true;  // lock_not_available (NOWAIT)
  }
  return r;
}

bool PgWriteTx::lock(const std::string& key, const std::vector<PgParam>& params) {
  if (!group_) return run("SELECT pg_advisory_xact_lock(" + key + ")", params).ok();
  PgResult r = run("SELECT pg_try_advisory_xact_lock(" + key + ")", params);
  if (!r.ok()) return false;
  if (r.rows() == 1 && r.text_col(0, 0) == "t") return true;
  if (!failed_) {
    failed_ = true;
    busy_ = true;
    error_ = "advisory lock busy";
  }
  return false;
}

void PgWriteTx::begin_job() {
  failed_ = false;
  busy_ = false;
  error_.clear();
  state_.clear();
}

void PgWriteTx::undo_job(bool wrote, int64_t enqueued) {
  wrote_ = wrote;
  enqueued_ = enqueued;
}

std::optional<Head> PgWriteTx::head(const std::string& rating_id) {
  // Every writer of this rating, in any process, decides after the previous one committed.
  if (!lock("hashtextextended($1, 0)", {rating_id}))
    return std::nullopt;
  PgResult r = run(
      "SELECT id, revision, final, first_seen_at, deadline_at, content_hash, context_trust "
      "FROM ratings WHERE rating_id = $1" + for_update(),
      {rating_id});
  if (!r.ok() || r.rows() == 0) return std::nullopt;
  Head h;
  h.id = r.int_col(0, 0);
  h.revision = r.int_col(0, 1);
  h.final = r.int_col(0, 2) != 0;
  h.first_seen_at = r.int_col(0, 3);
  h.deadline_at = r.int_col(0, 4);
  h.content_hash = r.int_col(0, 5);
  h.context_trust = r.text_col(0, 6);
  return h;
}

std::optional<std::string> PgWriteTx::record(int64_t id) {
  PgResult r = run("SELECT record FROM ratings WHERE id = $1", {pg(id)});
  if (!r.ok() || r.rows() == 0) return std::nullopt;
  return r.text_col(0, 0);
}

bool PgWriteTx::write_children(int64_t row_id, const RatingRow& r) {
  bool ok = run("DELETE FROM answers WHERE rating_row = $1", {pg(row_id)}).ok();
  int64_t position = 0;
  for (const AnswerRow& a : r.answers) {
    ok = ok && run("INSERT INTO answers (rating_row, position, question, scale, score, positive, "
                   "sentiment, low, problems, has_comment) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)",
                   {pg(row_id), pg(position++), a.question, a.scale, pg(a.score),
                    pg(int64_t{a.positive}), a.sentiment, pg(int64_t{a.low}), a.problems,
                    pg(int64_t{a.has_comment})})
                   .ok();
  }
  ok = ok && run("DELETE FROM rating_properties WHERE rating_row = $1", {pg(row_id)}).ok();
  for (const PropertyRow& p : r.properties)
    ok = ok && run("INSERT INTO rating_properties (rating_row, key, value) VALUES ($1,$2,$3)",
                   {pg(row_id), p.key, p.text})
                   .ok();
  return ok;
}

bool PgWriteTx::enqueue(const std::string& type, const std::string& rating_id, int64_t revision,
                        const std::string& data, int64_t created_at, bool final_event) {
  for (const OutboxTarget& t : targets_) {
    if (!(final_event ? t.final : t.revision)) continue;
    if (!run("INSERT INTO webhook_outbox (delivery_id, endpoint_id, type, rating_id, revision, "
             "data, created_at, next_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7)",
             {new_delivery_id(), t.endpoint_id, type, rating_id, pg(revision), data,
              pg(created_at)})
             .ok())
      return false;
    ++enqueued_;
  }
  return true;
}

bool PgWriteTx::insert(const RatingRow& r) {
  // The unique rating_id is the backstop: with the advisory lock taken in head() no other
  // writer can insert it meanwhile; without a row back the job fails (and the client retries,
  // then finds the stored head).
  PgResult ins = run(
      "INSERT INTO ratings (rating_id, session_id, rater_id, subject_id, revision, final, "
      "internal, topic, agent_id, first_seen_at, submitted_at, deadline_at, content_hash, "
      "record, properties, context_trust) "
      "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) "
      "ON CONFLICT (rating_id) DO NOTHING RETURNING id",
      {r.rating_id, r.session_id, pg(r.rater_id), pg(r.subject_id), pg(r.revision),
       pg(int64_t{r.final}), pg(int64_t{r.internal}), pg(r.topic), pg(r.agent_id),
       pg(r.first_seen_at), pg(r.submitted_at), pg(r.deadline_at), pg(r.content_hash), r.record,
       properties_text(r.record), r.context_trust});
  if (!ins.ok()) return false;
  if (ins.rows() == 0) {
    failed_ = true;
    error_ = "rating " + r.rating_id + " was stored meanwhile";
    return false;
  }
  const int64_t row_id = ins.int_col(0, 0);
  return write_children(row_id, r) && append_revision(r);
}

// What insert() and update() both write after the rating row: the revision and its webhook
// outbox entries.
bool PgWriteTx::append_revision(const RatingRow& r) {
  bool ok = run("INSERT INTO revisions (rating_id, revision, received_at, client_submitted_at, "
                "record) VALUES ($1,$2,$3,$4,$5)",
                {r.rating_id, pg(r.revision), pg(r.submitted_at), pg(r.client_submitted_at),
                 r.record})
                .ok();
  ok = ok && enqueue("rating.revision", r.rating_id, r.revision, r.record, r.submitted_at, false);
  if (r.final)
    ok = ok && enqueue("rating.final", r.rating_id, r.revision, r.record, r.submitted_at, true);
  return ok && !failed_;
}

bool PgWriteTx::update(int64_t id, const RatingRow& r) {
  bool ok = run("UPDATE ratings SET session_id=$2, rater_id=$3, subject_id=$4, revision=$5, "
                "final=$6, internal=$7, topic=$8, agent_id=$9, submitted_at=$10, "
                "content_hash=$11, record=$12, properties=$13 WHERE id=$1",
                {pg(id), r.session_id, pg(r.rater_id), pg(r.subject_id), pg(r.revision),
                 pg(int64_t{r.final}), pg(int64_t{r.internal}), pg(r.topic), pg(r.agent_id),
                 pg(r.submitted_at), pg(r.content_hash), r.record, properties_text(r.record)})
                .ok();
  return ok && write_children(id, r) && append_revision(r);
}

// Marks ratings row `id` (rating_id, head revision, its record) final in both tables and
// enqueues rating.final with the final record, created at `now_ms`.
bool PgWriteTx::finalise_row(int64_t id, const std::string& rating_id, int64_t revision,
                             const std::string& record, int64_t now_ms) {
  auto set_final = [](session_rating::Record& r) { r.final = true; };
  const std::optional<std::string> final_record = edit_record(record, set_final);
  if (!final_record) {
    failed_ = true;
    error_ = "ratings row " + std::to_string(id) + " holds a record the core refuses";
    return false;
  }
  PgResult rev = run("SELECT id, record FROM revisions WHERE rating_id = $1 AND revision = $2",
                     {rating_id, pg(revision)});
  if (!rev.ok()) return false;
  for (int i = 0; i < rev.rows(); ++i) {
    const std::optional<std::string> text = edit_record(rev.text_col(i, 1), set_final);
    if (!text) {
      failed_ = true;
      error_ = "revisions row " + rev.text_col(i, 0) + " holds a record the core refuses";
      return false;
    }
    if (!run("UPDATE revisions SET record = $2 WHERE id = $1", {pg(rev.int_col(i, 0)), *text}).ok())
      return false;
  }
  if (!run("UPDATE ratings SET final = 1, record = $2 WHERE id = $1", {pg(id), *final_record}).ok())
    return false;
  return enqueue("rating.final", rating_id, revision, *final_record, now_ms, true);
}

bool PgWriteTx::mark_final(int64_t id) {
  PgResult r = run(std::string("SELECT rating_id, revision, record FROM ratings WHERE id = $1") + for_update(),
                   {pg(id)});
  if (!r.ok()) return false;
  if (r.rows() == 0) return true;
  return finalise_row(id, r.text_col(0, 0), r.int_col(0, 1), r.text_col(0, 2), now_ms_);
}

int64_t PgWriteTx::finalise_due(int64_t now_ms) {
  // One finaliser at a time across processes: a rating is finalised, and announced, once.
  if (!lock("$1::bigint", {std::string(kFinaliseLock)})) return -1;
  PgResult due = run("SELECT id, rating_id, revision, record FROM ratings "
                     "WHERE final = 0 AND deadline_at <= $1 ORDER BY id" + for_update(),
                     {pg(now_ms)});
  if (!due.ok()) return -1;
  for (int i = 0; i < due.rows(); ++i)
    if (!finalise_row(due.int_col(i, 0), due.text_col(i, 1), due.int_col(i, 2),
                      due.text_col(i, 3), now_ms))
      return -1;
  return due.rows();
}

std::optional<int64_t> PgWriteTx::session_end(const std::string& session_id) {
  // Whoever reads a session's end decides on it (ingest: the deadline of the session's new
  // rating; POST /v1/sessions/{id}/end: whether to store the end and which open ratings get
  // end + window). Two processes deciding at once would each miss the other's uncommitted
  // write (a rating left with an open deadline, never final): the session's lock orders them.
  if (!lock("hashtextextended('session:' || $1, 0)", {session_id}))
    return std::nullopt;
  PgResult r = run("SELECT ended_at FROM sessions WHERE session_id = $1", {session_id});
  if (!r.ok() || r.rows() == 0) return std::nullopt;
  return r.int_col(0, 0);
}

bool PgWriteTx::put_session_end(const std::string& session_id, int64_t ended_at,
                                int64_t reported_at) {
  return run("INSERT INTO sessions (session_id, ended_at, reported_at) VALUES ($1,$2,$3)",
             {session_id, pg(ended_at), pg(reported_at)})
      .ok();
}

int64_t PgWriteTx::set_session_deadline(const std::string& session_id, int64_t deadline) {
  PgResult open = run("SELECT id, rating_id, first_seen_at, record FROM ratings "
                      "WHERE session_id = $1 AND final = 0 AND deadline_at = $2 ORDER BY id" +
                          for_update(),
                      {session_id, pg(kOpenDeadline)});
  if (!open.ok()) return -1;
  for (int i = 0; i < open.rows(); ++i) {
    const int64_t id = open.int_col(i, 0);
    const std::string rating_id = open.text_col(i, 1);
    const int64_t at = std::max(deadline, open.int_col(i, 2));
    PgResult revs = run("SELECT id, record FROM revisions WHERE rating_id = $1", {rating_id});
    if (!revs.ok()) return -1;
    for (int k = 0; k < revs.rows(); ++k) {
      const auto text = edit_record(revs.text_col(k, 1), [&](session_rating::Record& r) {
        r.edit_deadline = std::max(deadline, r.first_submitted_at);
      });
      if (!text) {
        failed_ = true;
        error_ = "revisions row " + revs.text_col(k, 0) + " holds a record the core refuses";
        return -1;
      }
      if (!run("UPDATE revisions SET record = $2 WHERE id = $1", {pg(revs.int_col(k, 0)), *text}).ok())
        return -1;
    }
    const auto text = edit_record(open.text_col(i, 3),
                                  [&](session_rating::Record& r) { r.edit_deadline = at; });
    if (!text) {
      failed_ = true;
      error_ = "ratings row " + std::to_string(id) + " holds a record the core refuses";
      return -1;
    }
    if (!run("UPDATE ratings SET deadline_at = $2, record = $3 WHERE id = $1",
             {pg(id), pg(at), *text})
             .ok())
      return -1;
  }
  return open.rows();
}

namespace {
constexpr const char* kSiteLock = "7553326953582224485";  // "srsite" + e
}

bool PgWriteTx::put_site(const std::string& doc, int64_t now_ms) {
  if (!lock("$1::bigint", {std::string(kSiteLock)})) return false;
  // Other processes read the document again once this commits.
  if (!run("SELECT pg_notify('sr_site', $1)", {origin_}).ok()) return false;
  return run("INSERT INTO site (id, doc, updated_at) VALUES (1, $1, $2) ON CONFLICT (id) DO "
             "UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
             {doc, pg(now_ms)})
      .ok();
}

bool PgWriteTx::get_site(std::string& doc, int64_t& updated_at) {
  // Read-modify-write of the site document: one transaction at a time, in any process.
  if (!lock("$1::bigint", {std::string(kSiteLock)})) return false;
  PgResult r = run("SELECT doc, updated_at FROM site WHERE id = 1", {});
  if (!r.ok()) return false;
  doc = r.rows() ? r.text_col(0, 0) : std::string();
  updated_at = r.rows() ? r.int_col(0, 1) : 0;
  return true;
}

int64_t PgWriteTx::add_session_event(const std::string& session_id, const std::string& type,
                                     const std::string& data, int64_t now_ms) {
  // Within a session, ids are taken and committed in one order (Last-Event-ID replay).
  if (!lock("hashtextextended('sse:' || $1, 0)", {session_id}))
    return -1;
  PgResult r = run("INSERT INTO session_events (session_id, type, data, created_at) "
                   "VALUES ($1,$2,$3,$4) RETURNING id",
                   {session_id, type, data, pg(now_ms)});
  if (!r.ok() || r.rows() == 0) return -1;
  const int64_t id = r.int_col(0, 0);
  // Delivered to every listening process (this one too) when the transaction commits.
  if (!run("SELECT pg_notify('sr_session_events', $1)", {pg(id)}).ok()) return -1;
  return id;
}

bool PgWriteTx::outbox_result(int64_t id, const std::string& status, int64_t attempts,
                              int64_t next_at, const std::string& last_error, int64_t done_at) {
  // Clears the lease. Only a pending row changes: a row another process delivered (after
  // this one's lease had passed) stays delivered.
  return run("UPDATE webhook_outbox SET status = $2, attempts = $3, next_at = $4, "
             "last_error = $5, done_at = nullif($6::bigint, 0), lease_until = NULL "
             "WHERE id = $1 AND status = 'pending'",
             {pg(id), status, pg(attempts), pg(next_at),
              last_error.empty() ? PgParam() : PgParam(last_error), pg(done_at)})
      .ok();
}

std::optional<int64_t> PgWriteTx::last_request_at(const std::string& session_id,
                                                  const std::string& agent_id, bool& ok) {
  // The cooldown is checked and the request stored in one transaction; two processes (or
  // write connections) asking at once for one agent and session decide one after the other.
  ok = lock("hashtextextended('req:' || $1 || '/' || $2, 0)", {session_id, agent_id});
  if (!ok) return std::nullopt;
  PgResult r = run("SELECT max(requested_at) FROM rating_requests WHERE session_id = $1 AND "
                   "agent_id = $2",
                   {session_id, agent_id});
  ok = r.ok();
  if (!ok || r.rows() == 0 || r.is_null(0, 0)) return std::nullopt;
  return r.int_col(0, 0);
}

bool PgWriteTx::insert_request(const RatingRequest& q) {
  return run("INSERT INTO rating_requests (request_id, session_id, agent_id, channel, "
             "requested_at) VALUES ($1,$2,$3,$4,$5)",
             {q.request_id, q.session_id, q.agent_id, q.channel, pg(q.requested_at)})
      .ok();
}

// ---- PgWriter ---------------------------------------------------------------------------

PgWriter::PgWriter(std::vector<std::unique_ptr<PgConn>> conns, WriteHooks hooks,
                   std::string origin)
    : hooks_(std::move(hooks)), origin_(std::move(origin)), conns_(std::move(conns)) {
  for (auto& c : conns_) threads_.emplace_back([this, conn = c.get()] { run(*conn); });
}

PgWriter::~PgWriter() { stop(); }

bool PgWriter::submit(Job job) {
  Pending pending;
  pending.job = std::move(job);
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return false;
  queue_.push_back(&pending);
  cv_.notify_one();
  done_cv_.wait(lock, [&] { return pending.done; });
  return pending.ok;
}

void PgWriter::submit_async(Job job, std::function<void(bool)> done) {
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

void PgWriter::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    cv_.notify_all();
  }
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  conns_.clear();
}

Writer::Health PgWriter::health() const {
  std::lock_guard<std::mutex> lock(health_mu_);
  return health_;
}

void PgWriter::note_write(bool failed, bool changed, bool unreachable, const std::string& error) {
  const int64_t now = hooks_.now_ms ? hooks_.now_ms() : 0;
  std::lock_guard<std::mutex> lock(health_mu_);
  if (failed) {
    if (!health_.degraded) health_.since_ms = now;
    health_.degraded = true;
    health_.last_failure_ms = now;
    health_.last_error = error.empty() ? "write failed" : error;
    health_.unreachable = unreachable;
    ++health_.failures;
  } else if (changed) {
    health_.degraded = false;
    health_.unreachable = false;
    health_.since_ms = 0;
  }
}

// One attempt: BEGIN, the job, COMMIT (or ROLLBACK). True when committed.
bool PgWriter::run_job(PgConn& conn, PgWriteTx& tx, const Job& job, bool& changed,
                       std::string& error) {
  tx.begin(hooks_.targets ? hooks_.targets() : std::vector<OutboxTarget>{},
           hooks_.now_ms ? hooks_.now_ms() : 0);
  tx.take_enqueued();
  if (!conn.healthy()) conn.reset();
  if (!conn.exec("BEGIN").ok()) {
    error = conn.last_error();
    return false;
  }
  job(tx);
  if (tx.failed()) {
    error = tx.error();
    conn.exec("ROLLBACK");
    return false;
  }
  PgResult commit = conn.exec("COMMIT");
  if (!commit.ok()) {
    error = conn.last_error();
    return false;
  }
  changed = tx.wrote();  // a commit that changed nothing proves nothing (as on SQLite)
  return true;
}

void PgWriter::finish(Pending* p, bool ok) {
  if (p->on_done) {
    p->on_done(ok);
    delete p;
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  p->ok = ok;
  p->done = true;
  done_cv_.notify_all();
}

// One job in its own transaction; locks are waited for.
void PgWriter::run_alone(PgConn& conn, PgWriteTx& tx, Pending* p) {
  tx.set_group(false);
  bool changed = false;
  std::string error;
  bool ok = run_job(conn, tx, p->job, changed, error);
  // Another process's transaction crossed this one: once more, in a fresh transaction.
  if (!ok && (tx.error_state() == "40001" || tx.error_state() == "40P01")) {
    error.clear();
    ok = run_job(conn, tx, p->job, changed, error);
  }
  // A job that failed on its own terms (a bad record: failed() without a database error
  // state) is not a storage failure; anything else is.
  const bool storage_failure = !ok && (!tx.error_state().empty() || !conn.healthy() ||
                                       !tx.failed());
  note_write(storage_failure, ok && changed, storage_failure && !conn.healthy(), error);
  if (ok) {
    commits_.fetch_add(1);
    jobs_.fetch_add(1);
    if (tx.take_enqueued() > 0 && hooks_.outbox_committed) hooks_.outbox_committed();
  }
  finish(p, ok);
}

void PgWriter::run_group(PgConn& conn, PgWriteTx& tx, const std::vector<Pending*>& group,
                         std::vector<Pending*>& alone) {
  const auto retryable = [](const std::string& state) {
    return state == "40001" || state == "40P01";
  };
  tx.begin(hooks_.targets ? hooks_.targets() : std::vector<OutboxTarget>{},
           hooks_.now_ms ? hooks_.now_ms() : 0);
  tx.take_enqueued();
  tx.set_group(true);
  if (!conn.healthy()) conn.reset();
  std::vector<char> released(group.size(), 0);  // ran and released inside the transaction
  std::string error, job_error;  // a failure of the transaction; a job's database error
  bool retry_alone = false;      // 40001/40P01: every job again, one by one
  bool aborted = !conn.exec("BEGIN").ok();
  if (aborted) error = conn.last_error();
  for (size_t i = 0; !aborted && i < group.size(); ++i) {
    if (!conn.exec("SAVEPOINT job").ok()) {
      error = conn.last_error();
      aborted = true;
      break;
    }
    const bool wrote = tx.wrote();
    const int64_t enqueued = tx.enqueued();
    tx.begin_job();
    group[i]->job(tx);
    if (!tx.failed()) {
      if (conn.exec("RELEASE job").ok()) {
        released[i] = 1;
        continue;
      }
      error = conn.last_error();
      retry_alone = retryable(tx.error_state());
      aborted = true;
      break;
    }
    if (retryable(tx.error_state())) {
      retry_alone = true;
      aborted = true;
      break;
    }
    if (!conn.healthy() || !conn.exec("ROLLBACK TO job; RELEASE job").ok()) {
      error = tx.error().empty() ? conn.last_error() : tx.error();
      aborted = true;
      break;
    }
    tx.undo_job(wrote, enqueued);
    if (tx.busy()) {
      alone.push_back(group[i]);  // after the commit, in its own transaction
    } else if (!tx.error_state().empty()) {
      job_error = tx.error();  // a database error of this job alone (answered false)
    }
  }
  bool committed = false;
  if (!aborted) {
    PgResult commit = conn.exec("COMMIT");
    committed = commit.ok();
    if (!committed) {
      error = conn.last_error();
      retry_alone = retryable(commit.sqlstate());
    }
  } else if (conn.healthy()) {
    conn.exec("ROLLBACK");
  }
  tx.set_group(false);
  if (retry_alone) {
    // Nothing of the group was committed: every job again on its own (busy ones are in
    // `alone` already), so none is lost or applied twice.
    for (size_t i = 0; i < group.size(); ++i)
      if (std::find(alone.begin(), alone.end(), group[i]) == alone.end())
        alone.push_back(group[i]);
    return;
  }
  if (!committed) {
    // The transaction failed (connection lost, disk full, ...): no job of it was stored.
    // Busy ones are answered false too, not run alone now: the next group tries again.
    note_write(true, false, !conn.healthy(), error);
    for (Pending* p : group) finish(p, false);
    alone.clear();
    return;
  }
  int64_t n = 0;
  for (char r : released) n += r;
  commits_.fetch_add(1);
  jobs_.fetch_add(n);
  note_write(!job_error.empty(), tx.wrote(), false, job_error);
  if (tx.take_enqueued() > 0 && hooks_.outbox_committed) hooks_.outbox_committed();
  for (size_t i = 0; i < group.size(); ++i)
    if (released[i] || std::find(alone.begin(), alone.end(), group[i]) == alone.end())
      finish(group[i], released[i] != 0);
}

void PgWriter::run(PgConn& conn) {
  PgWriteTx tx(conn, origin_);
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
      // Others are waiting too: leave them work when the queue is short.
      if (!queue_.empty()) cv_.notify_one();
    }
    if (group.size() == 1) {
      run_alone(conn, tx, group[0]);
      continue;
    }
    std::vector<Pending*> alone;
    run_group(conn, tx, group, alone);
    for (Pending* p : alone) run_alone(conn, tx, p);
  }
}

// ---- PgReadConn -------------------------------------------------------------------------

PgReadConn::~PgReadConn() {
  // An export left unfinished (its client went away): the connection goes back clean.
  if (in_snapshot_ && !db_->exec("ROLLBACK").ok()) db_.reset();
  store_.release(std::move(db_));
}

bool PgReadConn::ping() { return db_->exec("SELECT 1").ok(); }

bool PgReadConn::get_site(std::string& doc, int64_t& updated_at) {
  PgResult r = db_->query("SELECT doc, updated_at FROM site WHERE id = 1");
  if (!r.ok()) return false;
  doc = r.rows() ? r.text_col(0, 0) : std::string();
  updated_at = r.rows() ? r.int_col(0, 1) : 0;
  return true;
}

// The read queries shared with SQLite (queries.cpp, programme_store.cpp, sql.h). Insights
// are SQL aggregates here (pg_insights.cpp); ?engine=core reads every row into the core.
bool PgReadConn::list_ratings(const Filters& f, std::string& body, std::string& error) {
  return collector::list_ratings(*db_, f, body, error);
}

bool PgReadConn::insights(const Filters& f, std::string& body, std::string& error) {
  if (f.core_engine) return collector::insights(*db_, f, body, error);
  return pg_insights(*db_, f, body, error);  // SQL aggregates (pg_insights.h)
}

bool PgReadConn::session_view(const std::string& session_id, std::string& body,
                              std::string& error) {
  return collector::session_view(*db_, session_id, body, error);
}

bool PgReadConn::session_timeline(const std::string& session_id, int64_t now, std::string& body,
                                  std::string& error) {
  return collector::session_timeline(*db_, session_id, now, body, error);
}

int64_t PgReadConn::export_chunk(int64_t after_id, int64_t limit, std::string& out,
                                 int64_t& last_id) {
  // Every chunk of one export reads one snapshot (opened by the first chunk, closed by the
  // last): with several writers a revision with a lower id can commit after one with a higher
  // id, and a chunk-by-chunk id cursor over live data could pass it by. In one snapshot, the
  // export is exactly the revisions committed before it started, each once.
  last_id = after_id;
  if (!in_snapshot_) {
    if (!db_->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").ok()) return -1;
    in_snapshot_ = true;
  }
  PgResult r = db_->query("SELECT id, record FROM revisions WHERE id > $1 ORDER BY id LIMIT $2",
                          {pg(after_id), pg(limit)});
  if (!r.ok() || r.rows() < limit) {
    in_snapshot_ = false;
    if (!db_->exec(r.ok() ? "COMMIT" : "ROLLBACK").ok()) return -1;
  }
  if (!r.ok()) return -1;
  for (int i = 0; i < r.rows(); ++i) {
    out += r.text_col(i, 1);
    out += '\n';
    last_id = r.int_col(i, 0);
  }
  return r.rows();
}

std::optional<int64_t> PgReadConn::last_request_at(const std::string& session_id,
                                                   const std::string& agent_id, bool& ok) {
  PgResult r = db_->query(
      "SELECT max(requested_at) FROM rating_requests WHERE session_id = $1 AND agent_id = $2",
      {session_id, agent_id});
  ok = r.ok();
  if (!ok || r.rows() == 0 || r.is_null(0, 0)) return std::nullopt;
  return r.int_col(0, 0);
}

std::optional<StoredHead> PgReadConn::rating_head(const std::string& rating_id, bool& ok) {
  PgResult r = db_->query("SELECT revision, final, record FROM ratings WHERE rating_id = $1",
                          {rating_id});
  ok = r.ok();
  if (!ok || r.rows() == 0) return std::nullopt;
  return StoredHead{r.int_col(0, 0), r.int_col(0, 1) != 0, r.text_col(0, 2)};
}

bool PgReadConn::session_events_after(const std::string& session_id, int64_t after_id,
                                      int64_t limit, std::vector<SessionEvent>& out) {
  PgResult r = db_->query("SELECT id, type, data FROM session_events WHERE session_id = $1 AND "
                          "id > $2 ORDER BY id LIMIT $3",
                          {session_id, pg(after_id), pg(limit)});
  if (!r.ok()) return false;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(SessionEvent{r.int_col(i, 0), r.text_col(i, 1), r.text_col(i, 2)});
  return true;
}

bool PgReadConn::outbox_due(int64_t now, int64_t lease_until, int64_t limit,
                            std::vector<OutboxRow>& out) {
  // The claim is one statement: the due rows nobody holds are locked (SKIP LOCKED: rows
  // another process is claiming right now are passed over, not waited for) and leased until
  // `lease_until`. Under READ COMMITTED a row whose lease another claim committed meanwhile
  // is re-checked against the WHERE clause once locked, and dropped.
  PgResult r = db_->query(
      "UPDATE webhook_outbox w SET lease_until = $2 FROM (SELECT id FROM webhook_outbox o "
      "WHERE status = 'pending' AND next_at <= $1 AND (lease_until IS NULL OR lease_until <= $1) "
      "AND NOT EXISTS (SELECT 1 FROM webhook_outbox p WHERE p.status = 'pending' AND "
      "p.rating_id = o.rating_id AND p.endpoint_id = o.endpoint_id AND p.id < o.id) "
      "ORDER BY next_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) c WHERE w.id = c.id "
      "RETURNING w.id, w.delivery_id, w.endpoint_id, w.type, w.rating_id, w.revision, w.data, "
      "w.created_at, w.attempts, w.next_at",
      {pg(now), pg(lease_until), pg(limit)});
  if (!r.ok()) return false;
  for (int i = 0; i < r.rows(); ++i) {
    OutboxRow row;
    row.id = r.int_col(i, 0);
    row.delivery_id = r.text_col(i, 1);
    row.endpoint_id = r.text_col(i, 2);
    row.type = r.text_col(i, 3);
    row.rating_id = r.text_col(i, 4);
    row.revision = r.int_col(i, 5);
    row.data = r.text_col(i, 6);
    row.created_at = r.int_col(i, 7);
    row.attempts = r.int_col(i, 8);
    out.push_back(std::move(row));
  }
  // RETURNING has no order: back to (next_at, id), the order rows fell due.
  std::vector<std::pair<std::pair<int64_t, int64_t>, size_t>> order;
  for (int i = 0; i < r.rows(); ++i) order.push_back({{r.int_col(i, 9), r.int_col(i, 0)}, static_cast<size_t>(i)});
  std::sort(order.begin(), order.end());
  std::vector<OutboxRow> sorted;
  const size_t base = out.size() - order.size();
  for (auto& o : order) sorted.push_back(std::move(out[base + o.second]));
  out.resize(base);
  for (auto& row : sorted) out.push_back(std::move(row));
  return true;
}

std::optional<int64_t> PgReadConn::outbox_next_due(int64_t now) {
  PgResult r = db_->query(
      "SELECT min(next_at) FROM webhook_outbox WHERE status = 'pending' AND next_at > $1",
      {pg(now)});
  if (!r.ok() || r.rows() == 0 || r.is_null(0, 0)) return std::nullopt;
  return r.int_col(0, 0);
}

// ---- PgStore ----------------------------------------------------------------------------

std::unique_ptr<PgStore> PgStore::open(const std::string& url, std::string& error) {
  auto db = PgConn::connect(url, error);
  if (!db) {
    error = "cannot open database " + loggable_db(url) + ": " + error;
    return nullptr;
  }
  if (!pg_migrate(*db, error)) return nullptr;
  auto store = std::unique_ptr<PgStore>(new PgStore(url, std::move(db)));
  std::random_device rd;
  store->origin_ = "p" + std::to_string(rd()) + std::to_string(rd());
  return store;
}

bool PgStore::get_site(std::string& doc, int64_t& updated_at, std::string& error) {
  if (!db_) {
    error = "the store has started: read the site through the writer";
    return false;
  }
  PgResult r = db_->query("SELECT doc, updated_at FROM site WHERE id = 1");
  if (!r.ok()) {
    error = db_->last_error();
    return false;
  }
  doc = r.rows() ? r.text_col(0, 0) : std::string();
  updated_at = r.rows() ? r.int_col(0, 1) : 0;
  return true;
}

void PgStore::start(WriteHooks hooks) {
  if (writer_ || !db_) return;
  // A few write connections, each running one job (transaction) at a time: what must be
  // ordered is ordered by the database (advisory locks per rating, session, request and the
  // site document; unique keys), and the site config's in-memory copy only moves to a newer
  // updated_at (App::set_site), whichever connection's commit is reported first.
  constexpr int kWriteConnections = 4;
  std::vector<std::unique_ptr<PgConn>> conns;
  conns.push_back(std::move(db_));
  for (int i = 1; i < kWriteConnections; ++i) {
    std::string error;
    if (auto c = PgConn::connect(url_, error)) conns.push_back(std::move(c));
  }
  writer_ = std::make_unique<PgWriter>(std::move(conns), std::move(hooks), origin_);
}

std::unique_ptr<ReadConn> PgStore::read(std::string& error) {
  std::unique_ptr<PgConn> db;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      db = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (db && !db->healthy() && !db->reset()) db.reset();
  if (!db) db = PgConn::connect(url_, error);
  if (!db) return nullptr;
  return std::make_unique<PgReadConn>(*this, std::move(db));
}

void PgStore::release(std::unique_ptr<PgConn> db) {
  if (!db) return;
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(db));
}

namespace {

constexpr const char* kListen = "LISTEN sr_session_events; LISTEN sr_site";

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The listener's connection carries its process id in application_name, so an operator (or a
// test) can tell it apart in pg_stat_activity.
bool start_listening(PgConn& db) {
  const std::string name = "SET application_name = 'sr-listener-" + std::to_string(::getpid()) + "'";
  return db.exec(name).ok() && db.exec(kListen).ok();
}

}  // namespace

bool PgStore::listen(EventSink events, std::function<void()> site_changed) {
  if (listener_.joinable()) return true;
  std::string error;
  listen_db_ = PgConn::connect(url_, error);
  if (!listen_db_ || !start_listening(*listen_db_)) {
    listen_db_.reset();
    return false;
  }
  PgResult site = listen_db_->query("SELECT updated_at FROM site WHERE id = 1");
  site_seen_ = site.ok() && site.rows() ? site.int_col(0, 0) : 0;
  sink_ = std::move(events);
  site_changed_ = std::move(site_changed);
  listener_ = std::thread([this] { listen_loop(); });
  return true;
}

// Waits on the listening connection's socket (200 ms at a time, to notice stop()), reads each
// notified event by id and hands it to the sink, in notification (= commit) order.
//
// A lost connection is reopened; once it LISTENs again, the events committed while it was
// away are read back (by time: created_at from kCatchUpMarginMs before the last moment the
// connection was known good, in id order; ids commit out of order across sessions, so no
// single last id would do) and handed to the sink (each stream skips ids it already has), and
// the site document is reloaded. Every kSiteCheckMs the site row's updated_at is compared
// with the last one seen: a change whose notification was missed is reloaded then.
void PgStore::listen_loop() {
  PgConn& db = *listen_db_;
  constexpr int64_t kCatchUpMarginMs = 10000;  // commit delay and clock skew between processes
  constexpr int64_t kSiteCheckMs = 5000;
  int64_t good_at = wall_ms();       // the connection was last known up then
  int64_t site_checked = good_at;
  bool lost = false;
  while (!stop_listening_.load()) {
    if (!db.healthy()) {
      lost = true;
      if (!db.reset() || !start_listening(db)) {
        for (int i = 0; i < 5 && !stop_listening_.load(); ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
    }
    if (lost) {
      // Listening again: what was committed meanwhile, then (below) what is notified.
      PgResult r = db.query("SELECT id, session_id, type, data FROM session_events "
                            "WHERE created_at >= $1 ORDER BY id",
                            {pg(good_at - kCatchUpMarginMs)});
      if (!r.ok()) {  // lost again (healthy() says so), or tried again shortly
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      for (int i = 0; i < r.rows(); ++i)
        sink_(r.text_col(i, 1), SessionEvent{r.int_col(i, 0), r.text_col(i, 2), r.text_col(i, 3)});
      lost = false;
      site_checked = 0;  // and the site document now
      std::fprintf(stderr, "session-rating-collector: listener reconnected, %d events re-read\n",
                   r.rows());
    }
    const int64_t now = wall_ms();
    if (now - site_checked >= kSiteCheckMs) {
      site_checked = now;
      PgResult r = db.query("SELECT updated_at FROM site WHERE id = 1");
      if (!r.ok()) continue;
      const int64_t at = r.rows() ? r.int_col(0, 0) : 0;
      if (at != site_seen_) {
        site_seen_ = at;
        if (site_changed_) site_changed_();
      }
    }
    good_at = now;
    pollfd p{PQsocket(db.handle()), POLLIN, 0};
    if (p.fd < 0 || ::poll(&p, 1, 200) < 0) continue;
    if (!PQconsumeInput(db.handle())) continue;  // the connection broke: healthy() says so
    std::vector<int64_t> ids;
    bool site = false;
    while (PGnotify* n = PQnotifies(db.handle())) {
      if (std::strcmp(n->relname, "sr_site") == 0) site = site || origin_ != n->extra;
      else ids.push_back(std::strtoll(n->extra, nullptr, 10));
      PQfreemem(n);
    }
    if (site && site_changed_) site_changed_();
    for (int64_t id : ids) {
      PgResult r = db.query("SELECT session_id, type, data FROM session_events WHERE id = $1",
                            {pg(id)});
      if (!r.ok() || r.rows() == 0) continue;
      sink_(r.text_col(0, 0), SessionEvent{id, r.text_col(0, 1), r.text_col(0, 2)});
    }
  }
}

void PgStore::stop() {
  stop_listening_.store(true);
  if (listener_.joinable()) listener_.join();
  listen_db_.reset();
  if (writer_) writer_->stop();
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

}  // namespace collector
