// sqlite_store.h — the SQLite backend of the store (store.h, docs/store.md): schema and
// migrations (PRAGMA user_version), the write path (one writer thread, group commit) and
// read-only connections for queries. Tables: see store.h; columns: docs/collector.md.
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
#include "sql.h"
#include "store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace collector {

// One prepared statement, reset on every use.
class Stmt final : public SqlQuery {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const char* sql);
  ~Stmt() override;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;

  bool ok() const override { return stmt_ != nullptr; }
  Stmt& reset() override;
  Stmt& bind(int index, int64_t value) override;
  Stmt& bind(int index, const std::string& value) override;
  Stmt& bind_null(int index) override;
  // SQLITE_ROW → true; SQLITE_DONE → false (sets done()); error → false (sets failed()).
  bool step() override;
  bool done() const override { return done_; }
  bool failed() const override { return failed_; }
  int64_t int_col(int index) const override;
  std::string text_col(int index) const override;
  bool is_null(int index) const override;
  const char* text_ptr(int index, int& length) const override;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool done_ = false;
  bool failed_ = false;
};

// An open database connection.
class Db final : public SqlConn {
 public:
  // Opens (creating if needed) and sets WAL + busy timeout. `synchronous` is "full"/"normal".
  static std::unique_ptr<Db> open(const std::string& path, const std::string& synchronous,
                                  bool read_only, std::string& error);
  ~Db() override;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  bool exec(const char* sql);
  std::string last_error() const override;
  std::unique_ptr<SqlQuery> prepare(const std::string& sql) override;

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// Brings the schema to kSchemaVersion, one migration per transaction. Refuses a database
// written by a newer collector.
bool migrate(Db& db, std::string& error);

// The write-side statements; used only by the writer thread (or a single-threaded tool).
class SqliteWriteTx final : public WriteTx {
 public:
  explicit SqliteWriteTx(Db& db);
  // Set by the writer before each group: the endpoints rows are enqueued for, and now.
  void begin_group(std::vector<OutboxTarget> targets, int64_t now_ms);
  // Rows enqueued since the last call (the writer pokes the delivery worker after a commit).
  int64_t take_enqueued();
  std::optional<Head> head(const std::string& rating_id) override;
  // The stored record JSON of ratings row `id` (its latest revision); nullopt if none.
  std::optional<std::string> record(int64_t id) override;
  bool insert(const RatingRow& row) override;                 // new rating: ratings + revisions
  bool update(int64_t id, const RatingRow& row) override;     // newer revision of a stored rating
  bool mark_final(int64_t id) override;                       // latest revision of rating row `id`
  int64_t finalise_due(int64_t now_ms) override;              // -1 on error
  // The reported end of a session (ms), if any.
  std::optional<int64_t> session_end(const std::string& session_id) override;
  // Stores a session's end (the caller checked there is none yet).
  bool put_session_end(const std::string& session_id, int64_t ended_at,
                       int64_t reported_at) override;
  // Every open rating of the session still waiting for its end (deadline kOpenDeadline)
  // gets max(deadline, its first_seen_at) as deadline, in the row and in the edit_deadline of
  // its records (ratings and revisions). Returns how many ratings changed; -1 on error.
  int64_t set_session_deadline(const std::string& session_id, int64_t deadline) override;
  bool put_site(const std::string& doc, int64_t now_ms) override;
  // Stores one SSE event of a session; returns its id (increasing per store), -1 on error.
  int64_t add_session_event(const std::string& session_id, const std::string& type,
                            const std::string& data, int64_t now_ms) override;
  // A delivery attempt's outcome for outbox row `id`: status "pending" (retry at next_at),
  // "delivered" or "failed"; done_at 0 = not done.
  bool outbox_result(int64_t id, const std::string& status, int64_t attempts, int64_t next_at,
                     const std::string& last_error, int64_t done_at) override;
  std::optional<int64_t> last_request_at(const std::string& session_id,
                                         const std::string& agent_id, bool& ok) override;
  bool insert_request(const RatingRequest& request) override;
  // The site row as this transaction sees it (earlier jobs of its group included).
  bool get_site(std::string& doc, int64_t& updated_at) override;
  bool failed() const override { return failed_; }
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
// one commit (group commit), each job in its own savepoint. Health: degraded from a group
// whose writes failed (SQLITE_FULL, I/O error, a failed BEGIN or COMMIT).
class WriteQueue final : public Writer {
 public:
  explicit WriteQueue(std::unique_ptr<Db> db, WriteHooks hooks = {});
  ~WriteQueue() override;
  bool submit(Job job) override;
  void submit_async(Job job, std::function<void(bool ok)> done) override;
  void stop() override;  // finishes queued jobs, checkpoints and closes the database
  int64_t jobs() const override { return jobs_.load(); }
  int64_t commits() const override { return commits_.load(); }
  Health health() const override;

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

class ReadPool;

// A leased read-only connection: the store's queries on SQLite (queries.cpp,
// programme_store.cpp). Returns its connection to the pool when destroyed.
class SqliteReadConn final : public ReadConn {
 public:
  SqliteReadConn(ReadPool& pool, std::unique_ptr<Db> db) : pool_(pool), db_(std::move(db)) {}
  ~SqliteReadConn() override;
  SqliteReadConn(const SqliteReadConn&) = delete;
  SqliteReadConn& operator=(const SqliteReadConn&) = delete;
  Db& db() { return *db_; }

  bool ping() override;
  bool get_site(std::string& doc, int64_t& updated_at) override;
  bool list_ratings(const Filters& f, std::string& body, std::string& error) override;
  bool insights(const Filters& f, std::string& body, std::string& error) override;
  bool session_view(const std::string& session_id, std::string& body,
                    std::string& error) override;
  int64_t export_chunk(int64_t after_id, int64_t limit, std::string& out,
                       int64_t& last_id) override;
  bool session_timeline(const std::string& session_id, int64_t now, std::string& body,
                        std::string& error) override;
  std::optional<int64_t> last_request_at(const std::string& session_id,
                                         const std::string& agent_id, bool& ok) override;
  std::optional<StoredHead> rating_head(const std::string& rating_id, bool& ok) override;
  bool session_events_after(const std::string& session_id, int64_t after_id, int64_t limit,
                            std::vector<SessionEvent>& out) override;
  bool outbox_due(int64_t now, int64_t lease_until, int64_t limit,
                  std::vector<OutboxRow>& out) override;
  std::optional<int64_t> outbox_next_due(int64_t now) override;

 private:
  ReadPool& pool_;
  std::unique_ptr<Db> db_;
};

// A small pool of read-only connections for queries.
class ReadPool {
 public:
  ReadPool(std::string path, std::string synchronous)
      : path_(std::move(path)), synchronous_(std::move(synchronous)) {}
  // nullptr (with `error`) when the database cannot be opened.
  std::unique_ptr<SqliteReadConn> acquire(std::string& error);
  void close_all();

 private:
  friend class SqliteReadConn;
  void release(std::unique_ptr<Db> db);
  std::string path_, synchronous_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Db>> idle_;
};

// The SQLite backend: one file, one writer thread (WriteQueue), a Checkpointer and a
// ReadPool.
class SqliteStore final : public Store {
 public:
  // Opens `path` (creating it) and migrates it; nullptr with `error` when it cannot.
  static std::unique_ptr<SqliteStore> open(const std::string& path,
                                           const std::string& synchronous, std::string& error);
  ~SqliteStore() override { stop(); }
  const char* backend() const override { return "sqlite"; }
  bool get_site(std::string& doc, int64_t& updated_at, std::string& error) override;
  void start(WriteHooks hooks) override;
  Writer& writer() override { return *writer_; }
  std::unique_ptr<ReadConn> read(std::string& error) override;
  void stop() override;

 private:
  SqliteStore(std::string path, std::string synchronous, std::unique_ptr<Db> db)
      : path_(std::move(path)), synchronous_(std::move(synchronous)), db_(std::move(db)),
        reads_(path_, synchronous_) {}
  std::string path_, synchronous_;
  std::unique_ptr<Db> db_;  // the write connection until start() hands it to the writer
  std::unique_ptr<WriteQueue> writer_;
  std::unique_ptr<Checkpointer> checkpointer_;
  ReadPool reads_;
};

// Site document: {"enabled": bool, "config": {...}}; "" when never set.
bool get_site(Db& db, std::string& doc, int64_t& updated_at);

}  // namespace collector
