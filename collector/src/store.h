// store.h — SQLite storage of ratings: schema and migrations (PRAGMA user_version), the
// write path (one writer thread, group commit) and read-only connections for queries.
//
// Tables (see docs/collector.md):
//   ratings           — one row per rating_id: the latest stored revision, typed columns +
//                       record JSON (always the core's record_to_json, rating.v2)
//   answers           — the answers of each ratings row (one row per question answered)
//   rating_properties — each ratings row's custom properties as property_text() (filters, groups)
//   revisions         — every stored revision (what /v1/export.jsonl returns)
//   sessions          — session ends reported with POST /v1/sessions/{id}/end
//   site              — the site's widget config document
//   rating_requests   — "Ask for rating" requests of agents (schema 5, issue 12)
//   session_events    — events sent to a session's SSE streams, kept for Last-Event-ID (6)
//   webhook_outbox    — one row per (stored revision or finalisation, subscribed endpoint),
//                       written in the transaction that stores it; the delivery worker's queue (6)
//   ratings.context_trust — signed context (7, issue 13): none|signed|unsigned|invalid|expired,
//                       decided by the rating's first stored revision
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "periodic.h"
#include "session_rating/record.h"

struct sqlite3;
struct sqlite3_stmt;

namespace collector {

constexpr int kSchemaVersion = 7;

// ratings.deadline_at of a rating whose deadline is not known yet (its record's
// edit_deadline is null): finalise.from = "session_end" and the session's end not reported.
// The largest time the core accepts (9999-12-31T23:59:59.999Z), so such a rating is never due.
constexpr int64_t kOpenDeadline = INT64_C(253402300799999);

// One prepared statement, reset on every use.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;

  bool ok() const { return stmt_ != nullptr; }
  Stmt& reset();
  Stmt& bind(int index, int64_t value);
  Stmt& bind(int index, const std::string& value);
  Stmt& bind_null(int index);
  // SQLITE_ROW → true; SQLITE_DONE → false (sets done()); error → false (sets failed()).
  bool step();
  bool done() const { return done_; }
  bool failed() const { return failed_; }
  int64_t int_col(int index) const;
  std::string text_col(int index) const;
  bool is_null(int index) const;
  const char* text_ptr(int index, int& length) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool done_ = false;
  bool failed_ = false;
};

// An open database connection.
class Db {
 public:
  // Opens (creating if needed) and sets WAL + busy timeout. `synchronous` is "full"/"normal".
  static std::unique_ptr<Db> open(const std::string& path, const std::string& synchronous,
                                  bool read_only, std::string& error);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  bool exec(const char* sql);
  std::string last_error() const;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// Brings the schema to kSchemaVersion, one migration per transaction. Refuses a database
// written by a newer collector.
bool migrate(Db& db, std::string& error);

// What the writer knows about a stored rating.
struct Head {
  int64_t id = 0;
  int64_t revision = 0;
  bool final = false;
  int64_t first_seen_at = 0;
  int64_t deadline_at = 0;
  int64_t content_hash = 0;
  std::string context_trust = "none";  // decided by the first stored revision (schema 7)
};

// One answer of a stored rating (the answers table), decoded by the core.
struct AnswerRow {
  std::string question, scale, sentiment;
  int64_t score = 0;
  bool positive = false;
  bool low = false;
  std::string problems;  // session_rating::join_problem_ids() form: ids joined by ','
  bool has_comment = false;
};

// One custom property of a stored rating: its key and session_rating::property_text().
struct PropertyRow {
  std::string key, text;
};

// A row of the ratings table as written by the ingest path, with its answers and properties.
struct RatingRow {
  std::string rating_id, session_id;
  std::optional<std::string> rater_id, subject_id;
  int64_t revision = 0;
  bool final = false;
  bool internal = false;
  std::optional<std::string> topic, agent_id;
  int64_t first_seen_at = 0, submitted_at = 0, deadline_at = 0;
  int64_t content_hash = 0;
  int64_t client_submitted_at = 0;
  // session_rating::context_trust_name() of the first stored revision; written by insert()
  // only (an update never changes it)
  std::string context_trust = "none";
  std::string record;  // record JSON as stored (server times): record_to_json, rating.v2
  std::vector<AnswerRow> answers;
  std::vector<PropertyRow> properties;
};

// The answers and properties rows of a record, through the core (is_low, scale and
// sentiment names, join_problem_ids, property_text).
std::vector<AnswerRow> answer_rows(const session_rating::Record& record);
std::vector<PropertyRow> property_rows(const session_rating::Record& record);

// A webhook endpoint as the outbox sees it: which events it is subscribed to. (Its URL and
// secret are looked up when a row is delivered, so a changed secret applies to every retry.)
struct OutboxTarget {
  std::string endpoint_id;
  bool revision = false;  // "rating.revision"
  bool final = false;     // "rating.final"
};

// What the writer asks the rest of the collector, once per group of jobs.
struct WriteHooks {
  std::function<std::vector<OutboxTarget>()> targets;  // the configured webhook endpoints
  std::function<int64_t()> now_ms;                     // the collector's clock
  std::function<void()> outbox_committed;  // rows were enqueued and committed: deliver them
};

// The write-side statements; used only by the writer thread (or a single-threaded tool).
class WriteTx {
 public:
  explicit WriteTx(Db& db);
  // Set by the writer before each group: the endpoints rows are enqueued for, and now.
  void begin_group(std::vector<OutboxTarget> targets, int64_t now_ms);
  // Rows enqueued since the last call (the writer pokes the delivery worker after a commit).
  int64_t take_enqueued();
  std::optional<Head> head(const std::string& rating_id);
  // The stored record JSON of ratings row `id` (its latest revision); nullopt if none.
  std::optional<std::string> record(int64_t id);
  bool insert(const RatingRow& row);                 // new rating: ratings + revisions
  bool update(int64_t id, const RatingRow& row);     // newer revision of a stored rating
  bool mark_final(int64_t id);                       // latest revision of rating row `id`
  int64_t finalise_due(int64_t now_ms);              // -1 on error
  // The reported end of a session (ms), if any.
  std::optional<int64_t> session_end(const std::string& session_id);
  // Stores a session's end (the caller checked there is none yet).
  bool put_session_end(const std::string& session_id, int64_t ended_at, int64_t reported_at);
  // Every open rating of the session still waiting for its end (deadline kOpenDeadline)
  // gets max(deadline, its first_seen_at) as deadline, in the row and in the edit_deadline of
  // its records (ratings and revisions). Returns how many ratings changed; -1 on error.
  int64_t set_session_deadline(const std::string& session_id, int64_t deadline);
  bool put_site(const std::string& doc, int64_t now_ms);
  // Stores one SSE event of a session; returns its id (increasing per store), -1 on error.
  int64_t add_session_event(const std::string& session_id, const std::string& type,
                            const std::string& data, int64_t now_ms);
  // A delivery attempt's outcome for outbox row `id`: status "pending" (retry at next_at),
  // "delivered" or "failed"; done_at 0 = not done.
  bool outbox_result(int64_t id, const std::string& status, int64_t attempts, int64_t next_at,
                     const std::string& last_error, int64_t done_at);
  // The site row as this transaction sees it (earlier jobs of its group included).
  bool get_site(std::string& doc, int64_t& updated_at);
  bool failed() const { return failed_; }
  void clear_failed() { failed_ = false; }
  Db& db() { return db_; }

 private:
  Db& db_;
  bool write_children(int64_t row_id, const RatingRow& row);
  // One outbox row per target subscribed to `type` (webhooks; same transaction).
  bool enqueue(const char* type, const RatingRow& row);
  bool enqueue_final(int64_t row_id);       // rating.final of ratings row `row_id`
  bool enqueue_final_due(int64_t now_ms);   // rating.final of every rating due at now_ms
  Stmt head_, record_, insert_rating_, insert_revision_, update_rating_, final_rating_, final_revision_,
      due_revisions_, due_ratings_, put_site_, delete_answers_, insert_answer_,
      delete_properties_, insert_property_, session_end_, put_session_end_,
      session_deadline_revisions_, session_deadline_ratings_;
  std::vector<OutboxTarget> targets_;
  int64_t now_ms_ = 0;
  int64_t enqueued_ = 0;
  Stmt outbox_insert_, outbox_final_row_, outbox_final_due_, session_event_, outbox_result_;
  bool failed_ = false;
};

// One writer thread; jobs from many request threads are grouped into one transaction and
// one commit (group commit). submit() returns after the commit: true when the job's writes
// are durable, false when they were rolled back.
class WriteQueue {
 public:
  using Job = std::function<void(WriteTx&)>;
  explicit WriteQueue(std::unique_ptr<Db> db, WriteHooks hooks = {});
  ~WriteQueue();
  bool submit(Job job);
  // Like submit(), without waiting: `done(ok)` runs on the writer thread once the job's
  // transaction has committed or rolled back (at once with false when stopping). It must be
  // quick: hand the answer to another thread, never wait in it.
  void submit_async(Job job, std::function<void(bool ok)> done);
  void stop();  // finishes queued jobs, checkpoints and closes the database
  // Totals since start: jobs run and transactions committed (jobs / commits = group size).
  int64_t jobs() const { return jobs_.load(); }
  int64_t commits() const { return commits_.load(); }
  // Write health for /healthz: degraded from a group whose writes failed (SQLITE_FULL, I/O
  // error, a failed BEGIN or COMMIT — answered 500 storage_error) until a later group that
  // changed rows commits. A commit that changed nothing (an idle finaliser run) proves
  // nothing and leaves the state as it is.
  struct Health {
    bool degraded = false;
    int64_t since_ms = 0;      // collector clock of the first failure of this degraded spell
    int64_t last_failure_ms = 0;
    std::string last_error;    // SQLite's message of the last failure
    int64_t failures = 0;      // failed groups since start
  };
  Health health() const;

 private:
  struct Pending {
    Job job;
    std::function<void(bool)> on_done;  // submit_async: owned by the queue, deleted after
    bool done = false;
    bool ok = false;
  };
  void run();

  std::unique_ptr<Db> db_;
  WriteHooks hooks_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::atomic<int64_t> jobs_{0}, commits_{0};
  mutable std::mutex health_mu_;
  Health health_;
  void note_write(bool failed, bool changed, const std::string& error);
  std::thread thread_;
};

// Checkpoints the WAL from its own connection every `interval_ms`, so no commit on the
// write path pays for a checkpoint (the writer runs with wal_autocheckpoint=0). PASSIVE
// checkpoints never block the writer or readers.
class Checkpointer {
 public:
  Checkpointer(const std::string& path, int interval_ms);
  ~Checkpointer() { stop(); }
  void stop();

 private:
  std::unique_ptr<Db> db_;
  std::unique_ptr<Periodic> periodic_;  // none when the database could not be opened
};

// A small pool of read-only connections for queries.
class ReadPool {
 public:
  ReadPool(std::string path, std::string synchronous)
      : path_(std::move(path)), synchronous_(std::move(synchronous)) {}
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Db> db) : pool_(pool), db_(std::move(db)) {}
    ~Lease() { pool_.release(std::move(db_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Db* get() const { return db_.get(); }
   private:
    ReadPool& pool_;
    std::unique_ptr<Db> db_;
  };
  // nullptr inside the lease when the database cannot be opened.
  std::unique_ptr<Lease> acquire(std::string& error);
  void close_all();

 private:
  void release(std::unique_ptr<Db> db);
  std::string path_, synchronous_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Db>> idle_;
};

// Site document: {"enabled": bool, "config": {...}}; "" when never set.
bool get_site(Db& db, std::string& doc, int64_t& updated_at);

// The core's fnv1a_64 of `text` as a signed 64-bit value (SQLite's integer); the
// widget-config ETag.
int64_t content_hash(std::string_view text);

// The duplicate check's hash, stored in ratings.content_hash (schema version 3): the core's
// fnv1a_64 of record_to_json(record) with final = false and the two times the server
// replaces anyway (first_submitted_at, edit_deadline) set to 0. `record` is as the client
// sent it, after re-redaction, so submitted_at is the client's: a retry of the same
// submission hashes the same, and the value can be recomputed from a stored revision
// (its record with client_submitted_at put back), which the 2 → 3 and 3 → 4 migrations do.
int64_t record_content_hash(session_rating::Record record);

}  // namespace collector
