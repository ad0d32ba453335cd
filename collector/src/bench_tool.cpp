// session-rating-collector-bench — helpers for scripts/bench-collector.sh:
//   raw-insert --db PATH --count N [--synchronous full|normal] [--per-txn 1]
//       the same rows the wrk script posts, inserted with the collector's own statements
//       straight into SQLite (no HTTP, no JSON parsing, no validation), one commit per
//       --per-txn rows; prints {"rows","seconds","rows_per_s"}.
//   load --db PATH --count N [--shape v1|v2]
//       fills a fresh database with N ratings (varied scores, topics, agents, days) for the
//       insights timing; prints {"rows","seconds"}. --shape v2 (scripts/bench-collector-pg.sh):
//       in addition a rater on 4 ratings of 5 (200,000 distinct), an NPS answer on every third
//       rating and a property "model" (m-1 / m-2 / absent), so the per-question, NPS, rater
//       and property figures have work to do.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ingest.h"
#include "json_util.h"
#include "session_rating/record.h"
#include "sqlite_store.h"

using namespace collector;

namespace {

// The record the wrk script posts as request n (see scripts/bench/post-rating.lua).
session_rating::Record bench_record(int64_t n, int64_t now) {
  session_rating::Record r;
  r.rating_id = "bench-" + std::to_string(n);
  r.session_id = r.rating_id;
  r.revision = 1;
  session_rating::Answer a;  // question "overall", stars 1–5, thresholds 3/4
  a.score = static_cast<int>(n % 5) + 1;
  a.positive = session_rating::is_positive(a.scale, a.score, a.positive_min);
  a.sentiment = session_rating::sentiment_of(a.scale, a.min, a.max, a.score, a.positive_min);
  if (a.score <= 3) a.problems = {n % 2 ? "audio" : "connection"};
  if (a.score <= 2) a.comment = "the sound kept dropping out";
  r.answers.push_back(std::move(a));
  r.submitted_at = r.first_submitted_at = now;
  r.edit_deadline = now + 3600000;
  r.topic = std::string(n % 3 ? "billing" : "onboarding");
  r.agent_id = "agent-" + std::to_string(n % 7);
  return r;
}

// --shape v2: a rater on 4 of 5 ratings, an NPS answer on every third, a property "model".
void add_v2_fields(session_rating::Record& r, int64_t n) {
  if (n % 5 != 0) r.rater_id = "user-" + std::to_string(n % 200000);
  if (n % 3 == 0) {
    session_rating::Answer a;
    a.question = "nps";
    a.scale = session_rating::Scale::Nps;
    a.min = 0;
    a.max = 10;
    a.low_score_max = 6;
    a.positive_min = 9;
    a.score = static_cast<int>((n / 3) % 11);
    a.positive = session_rating::is_positive(a.scale, a.score, a.positive_min);
    a.sentiment = session_rating::sentiment_of(a.scale, a.min, a.max, a.score, a.positive_min);
    r.answers.push_back(std::move(a));
  }
  if (n % 3 != 2) {
    session_rating::PropertyValue model;
    model.text = n % 3 == 0 ? "m-1" : "m-2";
    r.properties.emplace_back("model", model);
  }
}

// The collector's own row building, with the record's time as the client's.
RatingRow row_of(const session_rating::Record& r) {
  return make_row(r, r.submitted_at, record_content_hash(r));
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int usage() {
  std::fputs("usage: session-rating-collector-bench raw-insert|load --db PATH --count N "
             "[--synchronous full|normal] [--per-txn N] [--shape v1|v2]\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  std::string db_path, sync = "full", shape = "v1";
  int64_t count = 0, per_txn = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--db") db_path = value;
    else if (flag == "--count") count = std::atoll(value.c_str());
    else if (flag == "--synchronous") sync = value;
    else if (flag == "--per-txn") per_txn = std::atoll(value.c_str());
    else if (flag == "--shape" && (value == "v1" || value == "v2")) shape = value;
    else return usage();
  }
  if (db_path.empty() || count <= 0 || per_txn <= 0) return usage();
  std::string error;
  auto db = Db::open(db_path, mode == "load" ? "normal" : sync, false, error);
  if (!db || !migrate(*db, error)) {
    std::fprintf(stderr, "bench: %s\n", error.c_str());
    return 1;
  }
  SqliteWriteTx tx(*db);
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  if (mode == "raw-insert") {
    // Like the collector's writer: no checkpoint on the insert path (there a separate
    // connection checkpoints; here nobody does, which only flatters the raw loop).
    db->exec("PRAGMA wal_autocheckpoint=0");
    // Rows built before timing: the loop measures SQLite alone.
    std::vector<RatingRow> rows;
    rows.reserve(static_cast<size_t>(count));
    for (int64_t n = 0; n < count; ++n) rows.push_back(row_of(bench_record(n, now)));
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t n = 0; n < count; n += per_txn) {
      db->exec("BEGIN IMMEDIATE");
      for (int64_t k = n; k < n + per_txn && k < count; ++k) tx.insert(rows[static_cast<size_t>(k)]);
      if (tx.failed() || !db->exec("COMMIT")) {
        std::fprintf(stderr, "bench: insert failed: %s\n", db->last_error().c_str());
        return 1;
      }
    }
    const double s = seconds_since(t0);
    std::printf("%s\n", dump(json{{"rows", count}, {"per_txn", per_txn}, {"synchronous", sync},
                                  {"seconds", s}, {"rows_per_s", static_cast<double>(count) / s}})
                            .c_str());
    return 0;
  }
  if (mode == "load") {
    const auto t0 = std::chrono::steady_clock::now();
    db->exec("BEGIN");
    for (int64_t n = 0; n < count; ++n) {
      session_rating::Record r = bench_record(n, now - (n % 30) * 86400000LL);
      r.rating_id = "load-" + std::to_string(n);
      r.session_id = r.rating_id;
      r.internal = n % 50 == 0;
      r.final = *r.edit_deadline <= now;  // an old store is mostly final already
      r.topic = std::string(n % 4 == 0 ? "billing" : n % 4 == 1 ? "onboarding" : n % 4 == 2 ? "calls" : "other");
      if (shape == "v2") add_v2_fields(r, n);
      if (!tx.insert(row_of(r))) {
        std::fprintf(stderr, "bench: load failed: %s\n", db->last_error().c_str());
        return 1;
      }
      if (n % 100000 == 99999) {
        db->exec("COMMIT");
        db->exec("BEGIN");
      }
    }
    db->exec("COMMIT");
    db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    std::printf("%s\n", dump(json{{"rows", count}, {"seconds", seconds_since(t0)}}).c_str());
    return 0;
  }
  return usage();
}
