// GET /healthz: database reachable and writes succeeding (503 degraded while they fail: disk
// full), schema version, clock, uptime, group-commit counters.
#include "handlers/handlers.h"
#include "middleware.h"

namespace collector::handlers {

void add_health(http::Router& r, App& app) {
  http::Endpoint e;
  e.checks = {mw::no_store()};
  e.blocking = true;  // touches the database
  e.handle = [&app](const http::Request&, http::Response& res) {
    std::string error;
    auto conn = app.store->read(error);
    const bool db_ok = conn && conn->ping();
    const Writer::Health h = app.writer->health();
    json writes = {{"jobs", app.writer->jobs()}, {"commits", app.writer->commits()},
                   {"failures", h.failures}};
    if (h.degraded) {
      writes["failing_since"] = h.since_ms;
      writes["last_failure_at"] = h.last_failure_ms;
      writes["last_error"] = h.last_error;
    }
    // 503 for a load balancer whenever ratings cannot be stored: the database unreadable, or
    // writes failing (disk full) until one succeeds again.
    const char* status = !db_ok ? "db_unavailable" : h.degraded ? "degraded" : "ok";
    res.json(db_ok && !h.degraded ? 200 : 503,
             dump(json{{"status", status},
                       {"schema_version", kSchemaVersion},
                       {"now", app.clock.now_ms()},
                       {"uptime_ms", app.clock.now_ms() - app.started_ms},
                       {"writes", std::move(writes)}}));
  };
  r.add("GET", "/healthz", std::move(e));
}

}  // namespace collector::handlers
