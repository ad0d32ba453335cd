// GET /v1/ratings and GET /v1/insights (admin): filters from the query, finalisation first,
// then one query on a leased read connection.
#include "handlers/handlers.h"
#include "middleware.h"
#include "queries.h"

namespace collector::handlers {

namespace {

using Query = bool (ReadConn::*)(const Filters&, std::string&, std::string&);

http::Endpoint read_endpoint(App& app, std::string allowed, Query run) {
  http::Endpoint e;
  e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Read)};
  e.blocking = true;
  e.handle = [&app, allowed, run](const http::Request& req, http::Response& res) {
    Filters f;
    const session_rating::Errors errors = parse_filters(req.params, allowed, f);
    if (!errors.empty()) return res.json(400, errors_body(errors));
    if (app.finalise_due() < 0) return storage_failure(app, res, "finalisation failed");
    std::string error;
    auto conn = app.store->read(error);
    if (!conn) return db_unavailable(res);
    std::string body;
    if (!((*conn).*run)(f, body, error)) return storage_failure(app, res, "the query failed", conn.get());
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
                      &ReadConn::list_ratings));
  r.add("GET", "/v1/insights", read_endpoint(app, "from,to,by,topic,engine,question", &ReadConn::insights));
}

}  // namespace collector::handlers
