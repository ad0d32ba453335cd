// POST /v1/ratings: origin → write key → ratings on → rate → content type on the head; then the body
// (64 KiB at most) goes to the ingestor: parsing and validation (CPU only; on the io thread for
// a body under 4 KiB — one record — else on the worker pool), then one job for the SQLite
// writer; the answer is sent once its group commit is done, and no thread waits meanwhile.
#include "handlers/handlers.h"
#include "middleware.h"

namespace collector::handlers {

void add_ratings(http::Router& r, App& app) {
  http::Endpoint e;
  e.checks = {mw::no_store(),
              mw::require_origin(app, "this origin may not post ratings"),
              mw::cors(app),
              mw::require_write_key(app),
              mw::require_enabled(app),  // 403 ratings_disabled while off: nothing read or written
              mw::rate_limit(app),
              mw::content_type_in({"text/plain", "application/json"})};
  e.blocking = true;  // parsing a batch of 100 records is CPU work: not on an io thread
  e.inline_below = 4096;  // one record (about 1 KiB) is parsed in tens of µs: inline
  e.handle_async = [&app](const http::Request& req, http::Response& res, http::Done done) {
    app.ingestor->ingest_async(req.body, [&res, done](IngestResult result) {
      if (result.http_status == 503)  // db_unavailable: the database cannot be reached
        res.set_header("Retry-After", std::to_string(kDbUnavailableRetryS));
      res.json(static_cast<unsigned>(result.http_status), std::move(result.body));
      if (!result.results.empty()) {
        json counts = json::object();
        for (const auto& o : result.results) counts[o.status] = counts.value(o.status, 0) + 1;
        res.log_results = dump(counts);
      }
      done();
    });
  };
  r.add("POST", "/v1/ratings", std::move(e));
}

}  // namespace collector::handlers
