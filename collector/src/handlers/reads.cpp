// GET /v1/ratings and GET /v1/insights (admin): filters from the query, finalisation first,
// then one query on a pooled read-only connection.
#include "handlers/handlers.h"
#include "middleware.h"
#include "queries.h"

namespace collector::handlers {

namespace {

using Query = bool (*)(Db&, const Filters&, std::string&, std::string&);

http::Endpoint read_endpoint(App& app, std::string allowed, Query run) {
  http::Endpoint e;
  e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Read)};
  e.blocking = true;
  e.handle = [&app, allowed, run](const http::Request& req, http::Response& res) {
    Filters f;
    const session_rating::Errors errors = parse_filters(req.params, allowed, f);
    if (!errors.empty()) return res.json(400, errors_body(errors));
    if (app.finalise_due() < 0) return res.error(500, "storage_error", "finalisation failed");
    std::string error;
    auto lease = app.reads->acquire(error);
    if (!lease || !lease->get()) return res.error(500, "storage_error", "cannot open the database");
    std::string body;
    if (!run(*lease->get(), f, body, error)) return res.error(500, "storage_error", "the query failed");
    res.json(200, std::move(body));
  };
  return e;
}

}  // namespace

void add_reads(http::Router& r, App& app) {
  r.add("GET", "/v1/ratings",
        read_endpoint(app,
                      "session_id,rater_id,subject_id,agent_id,property.,feedback,topic,from,to,"
                      "limit,cursor,low,context_trust",
                      list_ratings));
  r.add("GET", "/v1/insights", read_endpoint(app, "from,to,by,topic,engine,question", insights));
}

}  // namespace collector::handlers
