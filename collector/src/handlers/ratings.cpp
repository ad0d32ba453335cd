// POST /v1/ratings: origin → write key → rate → content type on the head; then the body
// (64 KiB at most) goes to the ingestor, which answers after the group commit.
#include "handlers/handlers.h"
#include "middleware.h"

namespace collector::handlers {

void add_ratings(http::Router& r, App& app) {
  http::Endpoint e;
  e.checks = {mw::no_store(),
              mw::require_origin(app, "this origin may not post ratings"),
              mw::cors(app),
              mw::require_write_key(app),
              mw::rate_limit(app),
              mw::content_type_in({"text/plain", "application/json"})};
  e.blocking = true;  // waits for the SQLite commit
  e.handle = [&app](const http::Request& req, http::Response& res) {
    IngestResult result = app.ingestor->ingest(req.body);
    res.json(static_cast<unsigned>(result.http_status), std::move(result.body));
    if (!result.results.empty()) {
      json counts = json::object();
      for (const auto& o : result.results) counts[o.status] = counts.value(o.status, 0) + 1;
      res.log_results = dump(counts);
    }
  };
  r.add("POST", "/v1/ratings", std::move(e));
}

}  // namespace collector::handlers
