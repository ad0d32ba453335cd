// pg_store.h — the PostgreSQL backend of the store (store.h, docs/store.md), through libpq.
// Several collector processes may share one database: writes take advisory locks per
// rating_id and per session; a few write connections each run queued jobs in groups, one
// transaction per group and a savepoint per job (PgWriter), and a job run alone that fails
// with a serialization failure or a deadlock is run once more. Schema versions are those of SQLite (kSchemaVersion), in table schema_version.
//
// The read queries are shared with SQLite (sql.h). SSE events and site changes reach every
// process through LISTEN/NOTIFY; the webhook outbox is claimed with leases (FOR UPDATE SKIP
// LOCKED); an export reads one REPEATABLE READ snapshot. docs/store.md has what is promised.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sql.h"
#include "store.h"

struct pg_conn;
struct pg_result;

namespace collector {

// One result of a query; an error result too (then ok() is false and sqlstate() says why).
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* r) : r_(r) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : r_(other.r_) { other.r_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  bool ok() const;  // the command or query succeeded
  int rows() const;
  bool is_null(int row, int col) const;
  int64_t int_col(int row, int col) const;
  std::string text_col(int row, int col) const;
  const char* text_ptr(int row, int col, int& length) const;  // nullptr for NULL
  std::string sqlstate() const;  // "" when none (e.g. the connection is gone)
  int64_t affected() const;      // rows the command touched (PQcmdTuples)
  bool changed_rows() const;     // an INSERT/UPDATE/DELETE that changed rows

 private:
  pg_result* r_ = nullptr;
};

// A statement parameter in text form; nullopt is SQL NULL.
using PgParam = std::optional<std::string>;
inline PgParam pg(int64_t v) { return std::to_string(v); }
inline PgParam pg(const std::string& v) { return v; }
inline PgParam pg(const std::optional<std::string>& v) { return v; }

// One connection. query() prepares each distinct SQL text once per connection.
class PgConn final : public SqlConn {
 public:
  static std::unique_ptr<PgConn> connect(const std::string& url, std::string& error);
  ~PgConn() override;
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  PgResult exec(const std::string& sql);  // one or more statements, no parameters
  PgResult query(const std::string& sql, const std::vector<PgParam>& params = {});
  bool healthy() const;  // the connection is up
  bool reset();          // reconnects after a lost connection (prepared statements are gone)
  pg_conn* handle() const { return c_; }
  std::string last_error() const override;
  // A shared read query (sql.h): SQLite placeholders become $N; run at the first step().
  std::unique_ptr<SqlQuery> prepare(const std::string& sql) override;

 private:
  explicit PgConn(pg_conn* c) : c_(c) {}
  pg_conn* c_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // SQL → statement name
};

// Brings the schema to kSchemaVersion under a session advisory lock (several processes may
// start at once); refuses a newer version.
bool pg_migrate(PgConn& db, std::string& error);

class PgWriteTx final : public WriteTx {
 public:
  // `origin`: this process's token, sent with a site change so its own listener skips it.
  PgWriteTx(PgConn& db, std::string origin) : db_(db), origin_(std::move(origin)) {}
  void begin(std::vector<OutboxTarget> targets, int64_t now_ms);
  int64_t take_enqueued();
  const std::string& error() const { return error_; }
  const std::string& error_state() const { return state_; }  // SQLSTATE of the failure
  bool wrote() const { return wrote_; }  // a statement of this transaction changed rows
  // Group mode (PgWriter's group commit): advisory locks are tried, rows locked NOWAIT, so
  // a group's transaction never waits for a lock; a job that meets a busy one fails with
  // busy() and runs again alone. Off: locks wait (one job per transaction).
  void set_group(bool on) { group_ = on; }
  bool busy() const { return busy_; }
  void begin_job();  // clears the previous job's failure (within one group transaction)
  int64_t enqueued() const { return enqueued_; }
  // A job rolled back to its savepoint: what it wrote or enqueued does not count.
  void undo_job(bool wrote, int64_t enqueued);

  std::optional<Head> head(const std::string& rating_id) override;
  std::optional<std::string> record(int64_t id) override;
  bool insert(const RatingRow& row) override;
  bool update(int64_t id, const RatingRow& row) override;
  bool mark_final(int64_t id) override;
  int64_t finalise_due(int64_t now_ms) override;
  std::optional<int64_t> session_end(const std::string& session_id) override;
  bool put_session_end(const std::string& session_id, int64_t ended_at,
                       int64_t reported_at) override;
  int64_t set_session_deadline(const std::string& session_id, int64_t deadline) override;
  bool put_site(const std::string& doc, int64_t now_ms) override;
  bool get_site(std::string& doc, int64_t& updated_at) override;
  int64_t add_session_event(const std::string& session_id, const std::string& type,
                            const std::string& data, int64_t now_ms) override;
  bool outbox_result(int64_t id, const std::string& status, int64_t attempts, int64_t next_at,
                     const std::string& last_error, int64_t done_at) override;
  std::optional<int64_t> last_request_at(const std::string& session_id,
                                         const std::string& agent_id, bool& ok) override;
  bool insert_request(const RatingRequest& request) override;
  bool failed() const override { return failed_; }

 private:
  // Runs one statement; an error marks the transaction failed (PostgreSQL aborts it anyway).
  PgResult run(const std::string& sql, const std::vector<PgParam>& params);
  // pg_advisory_xact_lock(key), or in group mode pg_try_advisory_xact_lock (busy if taken).
  bool lock(const std::string& key, const std::vector<PgParam>& params);
  std::string for_update() const { return group_ ? " FOR UPDATE NOWAIT" : " FOR UPDATE"; }
  bool write_children(int64_t row_id, const RatingRow& row);
  bool append_revision(const RatingRow& row);
  bool enqueue(const std::string& type, const std::string& rating_id, int64_t revision,
               const std::string& data, int64_t created_at, bool final_event);
  bool finalise_row(int64_t id, const std::string& rating_id, int64_t revision,
                    const std::string& record, int64_t now_ms);
  PgConn& db_;
  std::string origin_;
  std::vector<OutboxTarget> targets_;
  int64_t now_ms_ = 0;
  int64_t enqueued_ = 0;
  bool failed_ = false;
  bool wrote_ = false;
  bool group_ = false, busy_ = false;
  std::string error_, state_;
};

// A few write connections, each with its thread; a thread takes up to kMaxGroup queued jobs
// and runs them in one transaction (group commit), each job in its own savepoint: a job that
// fails is rolled back to its savepoint and answered false, the others commit. In a group
// no lock is waited for (PgWriteTx group mode): a job that meets a lock held elsewhere runs
// again alone after the group's commit, in its own transaction, where it may wait. A group
// thus never waits on another transaction, so it is never part of a deadlock, however long
// it holds its advisory locks. A serialization failure or deadlock of the group (which
// should not happen) rolls it back and runs its jobs one by one. done(ok) runs after the
// commit. docs/store.md.
class PgWriter final : public Writer {
 public:
  PgWriter(std::vector<std::unique_ptr<PgConn>> conns, WriteHooks hooks, std::string origin);
  ~PgWriter() override;
  bool submit(Job job) override;
  void submit_async(Job job, std::function<void(bool ok)> done) override;
  void stop() override;
  int64_t jobs() const override { return jobs_.load(); }
  int64_t commits() const override { return commits_.load(); }
  Health health() const override;

 private:
  struct Pending {
    Job job;
    std::function<void(bool)> on_done;
    bool done = false;
    bool ok = false;
  };
  // At most 64 savepoints that write per transaction: PostgreSQL keeps up to 64
  // subtransaction ids per backend in shared memory (PGPROC_MAX_CACHED_SUBXIDS); past that,
  // every snapshot in the cluster gets slower (suboverflow).
  static constexpr size_t kMaxGroup = 64;
  void run(PgConn& conn);
  bool run_job(PgConn& conn, PgWriteTx& tx, const Job& job, bool& changed,
               std::string& error);
  void run_alone(PgConn& conn, PgWriteTx& tx, Pending* p);
  // Runs a group of two or more in one transaction; jobs to run alone go to `alone`.
  void run_group(PgConn& conn, PgWriteTx& tx, const std::vector<Pending*>& group,
                 std::vector<Pending*>& alone);
  void finish(Pending* p, bool ok);
  void note_write(bool failed, bool changed, bool unreachable, const std::string& error);

  WriteHooks hooks_;
  std::string origin_;
  std::vector<std::unique_ptr<PgConn>> conns_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::atomic<int64_t> jobs_{0}, commits_{0};
  mutable std::mutex health_mu_;
  Health health_;
  std::vector<std::thread> threads_;
};

class PgStore;

class PgReadConn final : public ReadConn {
 public:
  PgReadConn(PgStore& store, std::unique_ptr<PgConn> db) : store_(store), db_(std::move(db)) {}
  ~PgReadConn() override;
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
  bool outbox_claims() const override { return true; }
  std::optional<int64_t> outbox_next_due(int64_t now) override;

 private:
  PgStore& store_;
  std::unique_ptr<PgConn> db_;
  bool in_snapshot_ = false;  // an export's REPEATABLE READ transaction is open
};

class PgStore final : public Store {
 public:
  static std::unique_ptr<PgStore> open(const std::string& url, std::string& error);
  ~PgStore() override { stop(); }
  const char* backend() const override { return "postgresql"; }
  bool get_site(std::string& doc, int64_t& updated_at, std::string& error) override;
  void start(WriteHooks hooks) override;
  Writer& writer() override { return *writer_; }
  std::unique_ptr<ReadConn> read(std::string& error) override;
  void stop() override;
  // LISTEN sr_session_events and sr_site on a connection of its own (add_session_event
  // NOTIFYs the event id, put_site the writing process's token).
  bool listen(EventSink events, std::function<void()> site_changed) override;

 private:
  friend class PgReadConn;
  void listen_loop();
  std::unique_ptr<PgConn> listen_db_;
  EventSink sink_;
  std::function<void()> site_changed_;
  std::string origin_;  // random per process
  std::atomic<bool> stop_listening_{false};
  int64_t site_seen_ = 0;  // site.updated_at as the listener last read it
  std::thread listener_;
  PgStore(std::string url, std::unique_ptr<PgConn> db) : url_(std::move(url)), db_(std::move(db)) {}
  void release(std::unique_ptr<PgConn> db);
  std::string url_;
  std::unique_ptr<PgConn> db_;  // the first write connection until start()
  std::unique_ptr<PgWriter> writer_;
  std::mutex mu_;
  std::vector<std::unique_ptr<PgConn>> idle_;
};

}  // namespace collector
