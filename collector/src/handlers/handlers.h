// handlers.h — the collector's endpoints, one file per resource. Each add_* registers its
// routes with their middleware (checks run on the head, before the body is read) and says
// whether the handler blocks (then it runs on the worker pool).
#pragma once

#include <string>
#include <vector>

#include "app.h"
#include "server/http_server.h"

namespace collector::handlers {

void add_preflight(http::Router& r, App& app);  // OPTIONS /v1/*
void add_ratings(http::Router& r, App& app);    // POST /v1/ratings
void add_reads(http::Router& r, App& app);      // GET /v1/ratings, /v1/insights
void add_export(http::Router& r, App& app);     // GET /v1/export.jsonl (streamed)
void add_sessions(http::Router& r, App& app);   // GET /v1/sessions/{id},
                                                // POST /v1/sessions/{id}/end, and the
                                                // session routes below

// Routes under /v1/sessions/{id}: the router only matches the prefix, so add_sessions()
// registers one GET and one POST endpoint that pick the route by the path's suffix ("" for
// /v1/sessions/{id} itself, "/end", "/timeline", ...) and run that route's checks (still on
// the head, before the body) and handler. Handlers run on the worker pool. An unknown suffix
// is 404.
struct SessionRoute {
  std::string method;  // "GET" or "POST"
  std::string suffix;  // "" or "/name"
  http::Endpoint e;    // checks, and handle or handle_async
};
// The {id} of /v1/sessions/{id}[/suffix] ("" when the path has no id).
std::string session_id_of(const std::string& path);
// POST|GET /v1/sessions/{id}/rating-requests, GET …/timeline, POST …/feedback
// (handlers/programme.cpp, docs/programme.md).
std::vector<SessionRoute> programme_routes(App& app);
void add_config(http::Router& r, App& app);     // GET /v1/widget-config, GET|PATCH /v1/config,
                                                // PUT /v1/test/clock (with --test-clock)
void add_health(http::Router& r, App& app);     // GET /healthz
// GET /v1/sessions/{id}/events — the visitor's Server-Sent Events stream (handlers/events.cpp)
http::Endpoint events_endpoint(App& app);
void add_events(http::Router& r, App& app);
// Static mounts from --mount /PREFIX/=DIR (prefixes under /dashboard get the dashboard's
// CSP); /PREFIX → 301 /PREFIX/; / → 302 /dashboard/ when /dashboard/ is mounted.
void add_static(http::Router& r, App& app);

// 503 db_unavailable with Retry-After: 5 — the database cannot be reached (PostgreSQL down or
// restarting, no read connection could be opened); nothing was stored, retry later.
inline void db_unavailable(http::Response& res) {
  res.set_header("Retry-After", std::to_string(kDbUnavailableRetryS));
  res.error(503, "db_unavailable", kDbUnavailableMessage);
}
// A failed store call: 503 db_unavailable when the database cannot be reached (the last
// write lost its connection, or `conn`, the read connection the call used, no longer
// answers), else 500 storage_error with `what`.
inline void storage_failure(App& app, http::Response& res, const std::string& what,
                            ReadConn* conn = nullptr) {
  if (app.writer->health().unreachable || (conn && !conn->ping())) return db_unavailable(res);
  res.error(500, "storage_error", what);
}

}  // namespace collector::handlers
