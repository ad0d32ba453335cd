// GET /healthz: database reachable, schema version, clock, uptime, group-commit counters.
#include "handlers/handlers.h"
#include "middleware.h"

namespace collector::handlers {

void add_health(http::Router& r, App& app) {
  http::Endpoint e;
  e.checks = {mw::no_store()};
  e.blocking = true;  // touches the database
  e.handle = [&app](const http::Request&, http::Response& res) {
    std::string error;
    auto lease = app.reads->acquire(error);
    const bool db_ok = lease && lease->get() && lease->get()->exec("SELECT 1");
    res.json(db_ok ? 200 : 503,
             dump(json{{"status", db_ok ? "ok" : "db_unavailable"},
                       {"schema_version", kSchemaVersion},
                       {"now", app.clock.now_ms()},
                       {"uptime_ms", app.clock.now_ms() - app.started_ms},
                       {"writes", {{"jobs", app.writer->jobs()}, {"commits", app.writer->commits()}}}}));
  };
  r.add("GET", "/healthz", std::move(e));
}

}  // namespace collector::handlers
