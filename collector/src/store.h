// store.h — the collector's storage behind one interface (docs/store.md, issue 15). A backend
// implements Store, Writer, WriteTx and ReadConn; open_store() picks it from --db: a path →
// SQLite (sqlite_store.h), a postgresql:// or postgres:// URL → PostgreSQL. Nothing outside the
// backends knows which one runs. Errors are values: no call throws.
//
// Tables (the same at a given schema version on every backend; columns in docs/collector.md):
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
//   webhook_outbox.lease_until — (8, issue 15) until when a delivery process holds the row
//                       (PostgreSQL, several processes); NULL when nobody does (always on SQLite)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session_rating/record.h"

namespace collector {

// The schema version every backend brings its database to (docs/store.md, "Schema versions").
constexpr int kSchemaVersion = 8;

// ratings.deadline_at of a rating whose deadline is not known yet (its record's
// edit_deadline is null): finalise.from = "session_end" and the session's end not reported.
// The largest time the core accepts (9999-12-31T23:59:59.999Z), so such a rating is never due.
constexpr int64_t kOpenDeadline = INT64_C(253402300799999);

struct Filters;  // queries.h

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

// An agent's "Ask for rating" (table rating_requests, docs/programme.md).
struct RatingRequest {
  std::string request_id, session_id, agent_id, channel;
  int64_t requested_at = 0;
};

// A webhook endpoint as the outbox sees it: which events it is subscribed to. (Its URL and
// secret are looked up when a row is delivered, so a changed secret applies to every retry.)
struct OutboxTarget {
  std::string endpoint_id;
  bool revision = false;  // "rating.revision"
  bool final = false;     // "rating.final"
};

// One pending webhook_outbox row, as the delivery worker reads it.
struct OutboxRow {
  int64_t id = 0;
  std::string delivery_id, endpoint_id, type, rating_id;
  int64_t revision = 0;
  std::string data;
  int64_t created_at = 0;
  int64_t attempts = 0;
};

// One stored SSE event of a session (table session_events).
struct SessionEvent {
  int64_t id = 0;
  std::string type, data;
};

// A stored rating's head as a read sees it: revision, final, record JSON.
struct StoredHead {
  int64_t revision = 0;
  bool final = false;
  std::string record;
};

// What the writer asks the rest of the collector, once per transaction (or group of jobs).
struct WriteHooks {
  std::function<std::vector<OutboxTarget>()> targets;  // the configured webhook endpoints
  std::function<int64_t()> now_ms;                     // the collector's clock
  std::function<void()> outbox_committed;  // rows were enqueued and committed: deliver them
};

// What a write job may do; every call runs inside the job's transaction. A call that fails
// marks the transaction failed (failed()), and the writer rolls the job back.
class WriteTx {
 public:
  virtual ~WriteTx() = default;
  virtual std::optional<Head> head(const std::string& rating_id) = 0;
  // The stored record JSON of ratings row `id` (its latest revision); nullopt if none.
  virtual std::optional<std::string> record(int64_t id) = 0;
  virtual bool insert(const RatingRow& row) = 0;              // new rating: ratings + revisions
  virtual bool update(int64_t id, const RatingRow& row) = 0;  // newer revision of a stored rating
  virtual bool mark_final(int64_t id) = 0;                    // latest revision of rating row `id`
  virtual int64_t finalise_due(int64_t now_ms) = 0;           // how many finalised; -1 on error
  // The reported end of a session (ms), if any.
  virtual std::optional<int64_t> session_end(const std::string& session_id) = 0;
  // Stores a session's end (the caller checked there is none yet).
  virtual bool put_session_end(const std::string& session_id, int64_t ended_at,
                               int64_t reported_at) = 0;
  // Every open rating of the session still waiting for its end (deadline kOpenDeadline)
  // gets max(deadline, its first_seen_at) as deadline, in the row and in the edit_deadline of
  // its records (ratings and revisions). Returns how many ratings changed; -1 on error.
  virtual int64_t set_session_deadline(const std::string& session_id, int64_t deadline) = 0;
  virtual bool put_site(const std::string& doc, int64_t now_ms) = 0;
  // The site row as this transaction sees it (earlier writes of the transaction included).
  virtual bool get_site(std::string& doc, int64_t& updated_at) = 0;
  // Stores one SSE event of a session; returns its id (increasing per session in commit
  // order), -1 on error.
  virtual int64_t add_session_event(const std::string& session_id, const std::string& type,
                                    const std::string& data, int64_t now_ms) = 0;
  // A delivery attempt's outcome for outbox row `id`: status "pending" (retry at next_at),
  // "delivered" or "failed"; done_at 0 = not done.
  virtual bool outbox_result(int64_t id, const std::string& status, int64_t attempts,
                             int64_t next_at, const std::string& last_error, int64_t done_at) = 0;
  // The time of the agent's latest rating request in the session, if any; `ok` false on a
  // database error (the transaction is not marked failed: the caller decides).
  virtual std::optional<int64_t> last_request_at(const std::string& session_id,
                                                 const std::string& agent_id, bool& ok) = 0;
  // Stores one rating request; false on error (the transaction is not marked failed).
  virtual bool insert_request(const RatingRequest& request) = 0;
  virtual bool failed() const = 0;
};

// Runs write jobs, each in a transaction. submit() returns after the commit: true when the
// job's writes are durable, false when they were rolled back.
class Writer {
 public:
  using Job = std::function<void(WriteTx&)>;
  virtual ~Writer() = default;
  virtual bool submit(Job job) = 0;
  // Like submit(), without waiting: `done(ok)` runs on a writer thread once the job's
  // transaction has committed or rolled back (at once with false when stopping). It must be
  // quick: hand the answer to another thread, never wait in it.
  virtual void submit_async(Job job, std::function<void(bool ok)> done) = 0;
  virtual void stop() = 0;  // finishes queued jobs and closes the write connection(s)
  // Totals since start: jobs run and transactions committed (jobs / commits = group size).
  virtual int64_t jobs() const = 0;
  virtual int64_t commits() const = 0;
  // Write health for /healthz: degraded from a failed write (disk full, I/O error, a failed
  // BEGIN or COMMIT, a lost connection — answered 500 storage_error) until a later write
  // that changed rows commits. A commit that changed nothing proves nothing and leaves the
  // state as it is.
  struct Health {
    bool degraded = false;
    int64_t since_ms = 0;      // collector clock of the first failure of this degraded spell
    int64_t last_failure_ms = 0;
    std::string last_error;    // the database's message of the last failure
    int64_t failures = 0;      // failed writes (groups) since start
    // The last failure lost the database connection or could not open one (PostgreSQL down,
    // restarting or unreachable): writes answer 503 db_unavailable instead of 500
    // storage_error. Never set on SQLite (a local file). Cleared with `degraded`.
    bool unreachable = false;
  };
  virtual Health health() const = 0;
};

// A leased read connection; destroying it returns the connection to its pool.
class ReadConn {
 public:
  virtual ~ReadConn() = default;
  virtual bool ping() = 0;  // the database answers
  // The site document as committed ("" when never set).
  virtual bool get_site(std::string& doc, int64_t& updated_at) = 0;
  // {"ratings": [...], "next_cursor": ...}: see queries.h.
  virtual bool list_ratings(const Filters& f, std::string& body, std::string& error) = 0;
  // The core's insights JSON over the matching ratings: see queries.h.
  virtual bool insights(const Filters& f, std::string& body, std::string& error) = 0;
  // The dashboard's session view: see queries.h.
  virtual bool session_view(const std::string& session_id, std::string& body,
                            std::string& error) = 0;
  // Up to `limit` stored revisions with id > after_id as JSONL appended to `out`; `last_id`
  // the last id written; the number of lines, -1 on error. Successive calls on one
  // connection, until one returns fewer than `limit`, are one export: PostgreSQL reads them
  // all in one REPEATABLE READ snapshot (several writers commit ids out of order); SQLite's
  // one writer commits ids in order, so its id cursor passes nothing by.
  virtual int64_t export_chunk(int64_t after_id, int64_t limit, std::string& out,
                               int64_t& last_id) = 0;
  // The session's programme timeline: see programme_store.h.
  virtual bool session_timeline(const std::string& session_id, int64_t now, std::string& body,
                                std::string& error) = 0;
  virtual std::optional<int64_t> last_request_at(const std::string& session_id,
                                                 const std::string& agent_id, bool& ok) = 0;
  // The stored head of a rating; nullopt when not stored; `ok` false on a database error.
  virtual std::optional<StoredHead> rating_head(const std::string& rating_id, bool& ok) = 0;
  // The session's stored events with id > after_id, in id order, at most `limit`.
  virtual bool session_events_after(const std::string& session_id, int64_t after_id,
                                    int64_t limit, std::vector<SessionEvent>& out) = 0;
  // Claims pending outbox rows due at `now` whose rating and endpoint have no older pending
  // row, in (next_at, id) order, at most `limit`; false on a database error. A claimed row is
  // leased until `lease_until`: no claim returns it again before then (unless its result is
  // recorded first: outbox_result clears the lease). PostgreSQL: the claim is one statement
  // (FOR UPDATE SKIP LOCKED), so several processes never claim one row at once. SQLite (one
  // process per database file): rows are returned without being marked; the worker's
  // in-flight set is the lease.
  virtual bool outbox_due(int64_t now, int64_t lease_until, int64_t limit,
                          std::vector<OutboxRow>& out) = 0;
  // Whether outbox_due leases the rows it returns (PostgreSQL): rows this process has in
  // flight are then never returned again, and a row returned but not delivered would stay
  // leased, so the worker asks for exactly as many rows as it has free slots.
  virtual bool outbox_claims() const { return false; }
  // The earliest next_at after `now` of a pending row, if any.
  virtual std::optional<int64_t> outbox_next_due(int64_t now) = 0;
};

// One per process: the database, its write side and its read pool.
class Store {
 public:
  virtual ~Store() = default;
  virtual const char* backend() const = 0;  // "sqlite" | "postgresql"
  // The site document ("" when never set), read at start before the writer runs.
  virtual bool get_site(std::string& doc, int64_t& updated_at, std::string& error) = 0;
  // Starts the write side (and any background work such as checkpoints). Once.
  virtual void start(WriteHooks hooks) = 0;
  virtual Writer& writer() = 0;  // valid after start()
  // A read connection; nullptr (with `error`) when none can be opened.
  virtual std::unique_ptr<ReadConn> read(std::string& error) = 0;
  // Finishes queued writes and closes every connection. Idempotent.
  virtual void stop() = 0;
  // What other processes on this database did, as it commits, on one listener thread:
  // each stored SSE event (`events`: every process's, this one's too, in commit order within
  // a session) and each change of the site document by *another* process (`site_changed`:
  // read it again). False when the backend has no such channel (SQLite: one process; the
  // publisher fans out its own events and the PATCH handler sets the config in memory).
  using EventSink = std::function<void(const std::string& session_id, const SessionEvent& e)>;
  virtual bool listen(EventSink events, std::function<void()> site_changed) {
    (void)events;
    (void)site_changed;
    return false;
  }
};

// True for a PostgreSQL connection URL (postgresql:// or postgres://).
bool is_postgres_url(std::string_view spec);

// --db as it may be logged: a URL without its password; a path unchanged.
std::string loggable_db(const std::string& spec);

// Opens the database `spec` names and brings its schema to kSchemaVersion; nullptr with
// `error` when it cannot (unreachable, a newer schema, a failed migration). `synchronous`
// ("full"/"normal") applies to SQLite only.
std::unique_ptr<Store> open_store(const std::string& spec, const std::string& synchronous,
                                  std::string& error);

// The core's fnv1a_64 of `text` as a signed 64-bit value (the databases' integer); the
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
