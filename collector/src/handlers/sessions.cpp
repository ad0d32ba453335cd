// Sessions: GET /v1/sessions/{session_id} (read scope) — every rating of one session (all
// raters, all subjects) and its reported end, for the dashboard's session view; POST
// /v1/sessions/{session_id}/end (server scope) — a server reports that a session ended ({"at": ms}, or no
// body for now on the collector's clock). The first end wins: the same end again is a
// duplicate, another one 409 conflict. Ratings of the session waiting for its end (site config
// finalise.from = "session_end") get end + window as their deadline.
#include <algorithm>
#include <future>
#include <memory>
#include <optional>

#include "handlers/handlers.h"
#include "middleware.h"
#include "queries.h"
#include "session_rating/config.h"

namespace collector::handlers {

namespace {

constexpr std::string_view kPrefix = "/v1/sessions/";

// The route of a path under /v1/sessions/{id}: the one whose suffix is what follows the id.
const SessionRoute* route_of(const std::vector<SessionRoute>& routes, const std::string& path) {
  if (path.size() <= kPrefix.size()) return nullptr;
  const std::string rest = path.substr(kPrefix.size());
  const auto slash = rest.find('/');
  if (slash == 0) return nullptr;
  const std::string suffix = slash == std::string::npos ? "" : rest.substr(slash);
  for (const SessionRoute& r : routes)
    if (r.suffix == suffix) return &r;
  return nullptr;
}

// One endpoint for every route of one method under the prefix.
http::Endpoint dispatcher(std::vector<SessionRoute> routes) {
  auto table = std::make_shared<const std::vector<SessionRoute>>(std::move(routes));
  http::Endpoint e;
  e.blocking = true;
  e.checks = {[table](const http::Request& req, http::Response& res) {
    const SessionRoute* route = route_of(*table, req.path);
    if (!route) {
      res.error(404, "not_found", "no such resource");
      return false;
    }
    for (const http::Check& check : route->e.checks)
      if (!check(req, res)) return false;
    return true;
  }};
  e.handle_async = [table](const http::Request& req, http::Response& res, http::Done done) {
    const SessionRoute* route = route_of(*table, req.path);
    if (!route) {
      res.error(404, "not_found", "no such resource");
      return done();
    }
    if (route->e.handle_async) return route->e.handle_async(req, res, std::move(done));
    route->e.handle(req, res);
    done();
  };
  return e;
}

// The session id of "/v1/sessions/ID" + `suffix`; nullopt when the path has another shape.
std::optional<std::string> session_of(const std::string& path, std::string_view suffix) {
  if (path.size() <= kPrefix.size() + suffix.size()) return std::nullopt;
  if (path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) return std::nullopt;
  std::string id = path.substr(kPrefix.size(), path.size() - kPrefix.size() - suffix.size());
  if (id.find('/') != std::string::npos) return std::nullopt;
  return id;
}

// The session id and the end time checked by the core's context rules (session_id an id,
// session_ended_at a time in ms up to year 9999), errors at the request's own paths.
session_rating::Errors check_end(const std::string& session_id, const json& at) {
  session_rating::Config config;
  session_rating::Errors errors = session_rating::parse_config("{}", config);
  if (!errors.empty()) return errors;
  session_rating::Context context;
  errors = session_rating::parse_context(
      dump(json{{"session_id", session_id}, {"session_ended_at", at}}), config, context);
  for (session_rating::Error& e : errors) {
    if (e.path.rfind("/context/session_ended_at", 0) == 0) e.path = "/at";
    else if (e.path.rfind("/context/session_id", 0) == 0) e.path = "/session_id";
  }
  return errors;
}

}  // namespace

std::string session_id_of(const std::string& path) {
  if (path.size() <= kPrefix.size() || path.compare(0, kPrefix.size(), kPrefix) != 0) return "";
  const std::string rest = path.substr(kPrefix.size());
  return rest.substr(0, rest.find('/'));
}

void add_sessions(http::Router& r, App& app) {
  std::vector<SessionRoute> routes = programme_routes(app);
  {
    http::Endpoint e;
    e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Read)};
    e.blocking = true;
    e.handle = [&app](const http::Request& req, http::Response& res) {
      const std::optional<std::string> id = session_of(req.path, "");
      if (!id) return res.error(404, "not_found", "no such resource");
      if (!session_rating::is_valid_id(*id))
        return res.error(400, "invalid_value", "not a valid session id", "/session_id");
      for (const auto& [name, value] : req.params) {
        (void)value;
        if (name != "key")
          return res.error(400, "unknown_field", "unknown query parameter", "/query/" + name);
      }
      if (app.finalise_due() < 0) return storage_failure(app, res, "finalisation failed");
      std::string error;
      auto conn = app.store->read(error);
      if (!conn) return db_unavailable(res);
      std::string body;
      if (!conn->session_view(*id, body, error))
        return storage_failure(app, res, "the query failed", conn.get());
      res.json(200, std::move(body));
    };
    routes.push_back({"GET", "", std::move(e)});
  }
  {
    http::Endpoint e;
    e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Server)};
    e.blocking = true;  // a write job
    e.handle = [&app](const http::Request& req, http::Response& res) {
      const std::optional<std::string> id = session_of(req.path, "/end");
      if (!id) return res.error(404, "not_found", "no such resource");
      const int64_t now = app.clock.now_ms();
      json at = now;
      bool at_given = false;
      if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
        const json body = parse_json(req.body);
        if (body.is_discarded()) return res.error(400, "invalid_json", "the body is not valid JSON");
        if (session_rating::Error dup; has_duplicate_key(req.body, dup))
          return res.error(400, dup.code, dup.message, dup.path);
        if (!body.is_object())
          return res.error(400, "not_an_object", "the body must be a JSON object: {\"at\": ms}");
        session_rating::Errors errors;
        for (const auto& [key, value] : body.items()) {
          if (key == "at") {
            at = value;
            at_given = true;
          } else {
            errors.push_back({"/" + key, "unknown_field", "unknown field (expected at)"});
          }
        }
        if (!errors.empty()) return res.json(400, errors_body(errors));
      }
      const session_rating::Errors errors = check_end(*id, at);
      if (!errors.empty()) return res.json(400, errors_body(errors));
      const int64_t ended_at = at.get<int64_t>();

      const SiteSettings site = app.site.get();
      const int64_t window_ms = site.window_seconds * 1000;
      std::string status;
      int64_t stored_end = ended_at, updated = 0;
      std::promise<bool> committed;
      auto result = committed.get_future();
      app.writer->submit_async(
          [&](WriteTx& tx) {
            const std::optional<int64_t> known = tx.session_end(*id);
            if (tx.failed()) return;
            if (known) {
              stored_end = *known;
              status = (!at_given || *known == ended_at) ? "duplicate" : "conflict";
              return;
            }
            if (!tx.put_session_end(*id, ended_at, now)) return;
            updated = tx.set_session_deadline(*id, std::min(kOpenDeadline, ended_at + window_ms));
            if (updated < 0 || tx.finalise_due(now) < 0) return;
            status = "accepted";
          },
          [&](bool ok) { committed.set_value(ok); });
      if (!result.get() || status.empty())
        return storage_failure(app, res, "the session end could not be stored");
      if (status == "conflict")
        return res.error(409, "conflict",
                         "this session already ended at " + std::to_string(stored_end) +
                             "; the first reported end stays",
                         "/at");
      res.json(200, dump(json{{"session_id", *id},
                              {"ended_at", stored_end},
                              {"status", status},
                              {"ratings_updated", updated}}));
    };
    routes.push_back({"POST", "/end", std::move(e)});
  }
  for (const char* method : {"GET", "POST"}) {
    std::vector<SessionRoute> mine;
    for (SessionRoute& route : routes)
      if (route.method == method) mine.push_back(std::move(route));
    r.add_prefix(method, std::string(kPrefix), dispatcher(std::move(mine)));
  }
}

}  // namespace collector::handlers
