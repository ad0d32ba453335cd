// GET /v1/export.jsonl (admin): every stored revision as JSONL, streamed in chunks of 2,000
// lines. Each chunk is read on the worker pool and written when the client takes it, so a
// slow reader holds neither a thread nor more than one chunk of memory.
#include <memory>

#include "handlers/handlers.h"
#include "middleware.h"
#include "queries.h"

namespace collector::handlers {

void add_export(http::Router& r, App& app) {
  http::Endpoint e;
  e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Read)};
  e.blocking = true;
  e.handle = [&app](const http::Request&, http::Response& res) {
    if (app.finalise_due() < 0) return storage_failure(app, res, "finalisation failed");
    std::string error;
    std::shared_ptr<ReadConn> conn(app.store->read(error).release());
    if (!conn) return db_unavailable(res);
    res.status = 200;
    res.set_header("Content-Type", "application/x-ndjson");
    res.set_header("Content-Disposition", "attachment; filename=\"ratings.jsonl\"");
    auto last = std::make_shared<int64_t>(0);
    auto done = std::make_shared<bool>(false);
    res.stream = [conn, last, done](std::string& chunk) -> int {
      if (*done) return 0;
      constexpr int64_t kLines = 2000;
      const int64_t n = conn->export_chunk(*last, kLines, chunk, *last);
      if (n < 0) return -1;
      if (n < kLines) {
        *done = true;
        return 0;  // `chunk` holds the last lines (maybe none)
      }
      return 1;
    };
  };
  r.add("GET", "/v1/export.jsonl", std::move(e));
}

}  // namespace collector::handlers
