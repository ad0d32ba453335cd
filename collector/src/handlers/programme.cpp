// The rating programme's session routes (docs/programme.md), dispatched by add_sessions():
//   POST /v1/sessions/{id}/rating-requests  (agent)  an agent asks the visitor for a rating:
//        once per agent per session within requests.cooldown_days, on the server's clock and
//        store; 201, 409 already_requested (+ next_allowed_at, Retry-After), 422
//        channel_not_supported, 403 ratings_disabled; published to the session's SSE streams
//   GET  /v1/sessions/{id}/rating-requests?agent_id=ID  (agent)  the agent's button state
//   GET  /v1/sessions/{id}/timeline  (agent)  requests, revisions and finalisations
//   POST /v1/sessions/{id}/feedback  (server)  a thumbs rating from a server, made by the core
//        and stored through the same ingest path as POST /v1/ratings; answers
//        {"data", "error"}
#include <future>
#include <memory>

#include "handlers/handlers.h"
#include "middleware.h"
#include "programme_store.h"
#include "session_rating/config.h"
#include "session_rating/context_trust.h"
#include "session_rating/flow.h"

namespace collector::handlers {

namespace {

using session_rating::Error;
using session_rating::Errors;

constexpr int64_t kDayMs = 86400000;

bool is_channel(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

// 400 for a session id the core does not accept; true when it is fine.
bool check_session_id(const std::string& id, http::Response& res) {
  if (session_rating::is_valid_id(id)) return true;
  res.error(400, "invalid_value", "not a valid session id (1-128 of A-Z a-z 0-9 . _ : -)",
            "/session_id");
  return false;
}

// Only the named query parameters, each at most once.
bool check_params(const http::Request& req, std::initializer_list<const char*> allowed,
                  http::Response& res) {
  Errors errors;
  for (const auto& [name, value] : req.params) {
    (void)value;
    bool known = false;
    for (const char* a : allowed) known = known || name == a;
    if (!known) errors.push_back({"/query/" + name, "unknown_field", "unknown query parameter"});
    else if (req.params.count(name) > 1)
      errors.push_back({"/query/" + name, "invalid_value", "given more than once"});
  }
  if (errors.empty()) return true;
  res.json(400, errors_body(errors));
  return false;
}

// ---- rating requests -------------------------------------------------------------------

void post_request(App& app, const http::Request& req, http::Response& res) {
  const std::string session_id = session_id_of(req.path);
  if (!check_session_id(session_id, res)) return;
  const json body = parse_json(req.body);
  if (body.is_discarded()) return res.error(400, "invalid_json", "the body is not valid JSON");
  if (session_rating::Error dup; has_duplicate_key(req.body, dup))
    return res.error(400, dup.code, dup.message, dup.path);
  if (!body.is_object())
    return res.error(400, "not_an_object",
                     "the body must be a JSON object: {\"agent_id\", \"channel\"}");
  Errors errors;
  std::string agent_id, channel = "chat";
  bool has_agent = false;
  for (const auto& [key, value] : body.items()) {
    if (key == "agent_id") {
      has_agent = true;
      if (value.is_string() && session_rating::is_valid_id(value.get<std::string>()))
        agent_id = value.get<std::string>();
      else
        errors.push_back({"/agent_id", "invalid_value",
                          "agent_id is an id (1-128 of A-Z a-z 0-9 . _ : -)"});
    } else if (key == "channel") {
      if (value.is_string() && is_channel(value.get<std::string>()))
        channel = value.get<std::string>();
      else
        errors.push_back({"/channel", "invalid_value", "a channel is 1 to 40 of a-z, 0-9, _ and -"});
    } else {
      errors.push_back({"/" + key, "unknown_field", "unknown field (expected agent_id, channel)"});
    }
  }
  if (!has_agent) errors.push_back({"/agent_id", "required", "agent_id is required"});
  if (!errors.empty()) return res.json(400, errors_body(errors));

  const SiteSettings site = app.site.get();
  for (const std::string& c : site.unsupported_channels)
    if (c == channel)
      return res.error(422, "channel_not_supported",
                       "the site marks channel '" + channel + "' as unable to show a prompt",
                       "/channel");

  const int64_t now = app.clock.now_ms();
  const int64_t cooldown_ms = site.cooldown_days * kDayMs;
  RatingRequest request{new_request_id(), session_id, agent_id, channel, now};
  bool stored = false;
  std::optional<int64_t> next_allowed;
  std::promise<bool> committed;
  auto result = committed.get_future();
  app.writer->submit_async(
      [&](WriteTx& tx) {
        bool ok = false;
        const std::optional<int64_t> last = tx.last_request_at(session_id, agent_id, ok);
        if (!ok) return;
        if (last && now < *last + cooldown_ms) {
          next_allowed = *last + cooldown_ms;
          return;
        }
        stored = tx.insert_request(request);
      },
      [&](bool ok) { committed.set_value(ok); });
  const bool ok = result.get();
  if (next_allowed) {
    const int64_t wait_s = (*next_allowed - now + 999) / 1000;
    res.set_header("Retry-After", std::to_string(wait_s < 1 ? 1 : wait_s));
    json out = parse_json(errors_body({{"/agent_id", "already_requested",
                                        "this agent already asked for a rating in this session; "
                                        "it may ask again at next_allowed_at"}}));
    out["next_allowed_at"] = *next_allowed;
    return res.json(409, dump(out));
  }
  if (!ok || !stored) return storage_failure(app, res, "the request could not be stored");
  const json data = {{"request_id", request.request_id},
                     {"session_id", session_id},
                     {"agent_id", agent_id},
                     {"channel", channel},
                     {"requested_at", now}};
  // To the visitor's open widgets (Server-Sent Events), after the commit.
  if (app.events) app.events->publish(session_id, "rating-requested", dump(data));
  json answer = data;
  answer["next_allowed_at"] = now + cooldown_ms;
  res.json(201, dump(answer));
}

void get_request_state(App& app, const http::Request& req, http::Response& res) {
  const std::string session_id = session_id_of(req.path);
  if (!check_session_id(session_id, res)) return;
  if (!check_params(req, {"agent_id"}, res)) return;
  if (!req.has_param("agent_id"))
    return res.error(400, "required", "agent_id is required (?agent_id=ID)", "/query/agent_id");
  const std::string agent_id = req.param("agent_id");
  if (!session_rating::is_valid_id(agent_id))
    return res.error(400, "invalid_value", "agent_id is an id (1-128 of A-Z a-z 0-9 . _ : -)",
                     "/query/agent_id");
  std::string error;
  auto conn = app.store->read(error);
  if (!conn) return db_unavailable(res);
  bool ok = false;
  const std::optional<int64_t> last = conn->last_request_at(session_id, agent_id, ok);
  if (!ok) return storage_failure(app, res, "the query failed", conn.get());
  const int64_t now = app.clock.now_ms();
  const int64_t cooldown_ms = app.site.get().cooldown_days * kDayMs;
  const bool can = !last || now >= *last + cooldown_ms;
  res.json(200, dump(json{{"session_id", session_id},
                          {"agent_id", agent_id},
                          {"can_request", can},
                          {"next_allowed_at", can ? json(nullptr) : json(*last + cooldown_ms)},
                          {"last_requested_at", last ? json(*last) : json(nullptr)}}));
}

void get_timeline(App& app, const http::Request& req, http::Response& res) {
  const std::string session_id = session_id_of(req.path);
  if (!check_session_id(session_id, res)) return;
  if (!check_params(req, {}, res)) return;
  if (app.finalise_due() < 0) return storage_failure(app, res, "finalisation failed");
  std::string error, body;
  auto conn = app.store->read(error);
  if (!conn) return db_unavailable(res);
  if (!conn->session_timeline(session_id, app.clock.now_ms(), body, error))
    return storage_failure(app, res, "the query failed", conn.get());
  res.json(200, std::move(body));
}

// ---- feedback --------------------------------------------------------------------------

// {"data": null, "error": "<code> at <path>: <message>"}.
void feedback_error(http::Response& res, unsigned status, const Error& e) {
  res.json(status, dump(json{{"data", nullptr},
                             {"error", e.code + (e.path.empty() ? "" : " at " + e.path) + ": " +
                                           e.message}}));
}

// Runs a check and, when it refuses, puts its error into the feedback API's shape.
http::Check feedback_shaped(http::Check check) {
  return [check](const http::Request& req, http::Response& res) {
    if (check(req, res)) return true;
    const json body = parse_json(res.body);
    Error e{"", "error", "refused"};
    if (body.is_object() && body.contains("errors") && body["errors"].is_array() &&
        !body["errors"].empty() && body["errors"][0].is_object()) {
      const json& first = body["errors"][0];
      e.path = first.value("path", "");
      e.code = first.value("code", "error");
      e.message = first.value("message", "");
    }
    feedback_error(res, res.status, e);
    return false;
  };
}

// The stored head of a rating: its revision, whether it is final and its first answer's
// score. nullopt when not stored; `ok` false on a database error.
struct StoredThumbs {
  int64_t revision = 0;
  bool final = false;
  int score = -1;
};
std::optional<StoredThumbs> stored_thumbs(App& app, const std::string& rating_id, bool& ok) {
  ok = false;
  std::string error;
  auto conn = app.store->read(error);
  if (!conn) return std::nullopt;
  const std::optional<StoredHead> head = conn->rating_head(rating_id, ok);
  if (!ok || !head) return std::nullopt;
  session_rating::Record record;
  StoredThumbs t;
  t.revision = head->revision;
  t.final = head->final;
  if (session_rating::record_from_json(head->record, record).empty() && !record.answers.empty())
    t.score = record.answers[0].score;
  return t;
}

void post_feedback(App& app, const http::Request& req, http::Response& res) {
  const std::string session_id = session_id_of(req.path);
  if (!session_rating::is_valid_id(session_id))
    return feedback_error(res, 400, {"/session_id", "invalid_value", "not a valid session id"});
  const json body = parse_json(req.body);
  if (body.is_discarded())
    return feedback_error(res, 400, {"", "invalid_json", "the body is not valid JSON"});
  if (session_rating::Error dup; has_duplicate_key(req.body, dup))
    return feedback_error(res, 400, dup);
  if (!body.is_object())
    return feedback_error(res, 400, {"", "not_an_object",
                                     "the body must be a JSON object: {\"rating\": true|false}"});
  std::optional<bool> rating;
  json context = {{"session_id", session_id}};
  for (const auto& [key, value] : body.items()) {
    if (key == "rating") {
      if (!value.is_boolean())
        return feedback_error(res, 400, {"/rating", "wrong_type", "rating must be true or false"});
      rating = value.get<bool>();
    } else if (key == "rater_id" || key == "subject_id" || key == "properties") {
      context[key] = value;  // checked by the core's parse_context below
    } else {
      return feedback_error(res, 400, {"/" + key, "unknown_field",
                                       "unknown field (expected rating, rater_id, subject_id, properties)"});
    }
  }
  if (!rating) return feedback_error(res, 400, {"/rating", "required", "rating is required"});

  // A thumbs flow made by the core, with the site's finalise window.
  const SiteSettings site = app.site.get();
  const json doc = parse_json(site.doc);
  json config = {{"scale", "thumbs"}, {"problems", json::array()}};
  if (doc.is_object() && doc.contains("config") && doc["config"].is_object() &&
      doc["config"].contains("finalise"))
    config["finalise"] = doc["config"]["finalise"];
  std::unique_ptr<session_rating::Flow> flow;
  Errors errors = session_rating::make_flow(dump(config), dump(context), flow);
  if (!errors.empty() || !flow) {
    Error e = errors.empty() ? Error{"", "invalid_value", "invalid feedback"} : errors[0];
    if (e.path.rfind("/context", 0) == 0) e.path = e.path.substr(8);
    return feedback_error(res, 400, e);
  }
  const int64_t now = app.clock.now_ms();
  session_rating::DispatchResult step = flow->dispatch(
      dump(json{{"type", "score"}, {"value", *rating ? 1 : 0}, {"at", now}}));
  if (step.ok && step.emit.empty())
    step = flow->dispatch(dump(json{{"type", "submit"}, {"at", now}}));
  if (!step.ok || step.emit.empty())
    return feedback_error(res, 500, {"", "internal_error",
                                     "the core made no record (" + step.error_code + ")"});
  session_rating::Record record = step.emit.back();
  // Signed context: the caller holds a server token (the host's backend), so the collector
  // vouches for this context itself with its first secret (an hour to store it; the trust is
  // decided at once, by the ingest below).
  if (!app.opts.context_secrets.empty())
    record.context_signature =
        session_rating::sign_context(app.opts.context_secrets.front(), now + 3600000, flow->context());
  const std::string rating_id = record.rating_id;
  const json rater = context.contains("rater_id") ? context["rater_id"] : json(nullptr);
  const json subject = context.contains("subject_id") ? context["subject_id"] : json(nullptr);
  auto answer = [&](int64_t revision, bool created) {
    res.json(200, dump(json{{"data",
                             {{"rating_id", rating_id},
                              {"session_id", session_id},
                              {"rater_id", rater},
                              {"subject_id", subject},
                              {"rating", *rating},
                              {"revision", revision},
                              {"created", created}}},
                            {"error", nullptr}}));
  };
  // Idempotent per (session, subject, rater): the core's derived rating_id. Two tries: a
  // concurrent call for the same triple may store the revision this one computed.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool ok = false;
    const std::optional<StoredThumbs> stored = stored_thumbs(app, rating_id, ok);
    if (!ok) return feedback_error(res, 500, {"", "storage_error", "the query failed"});
    if (stored && stored->score == (*rating ? 1 : 0)) return answer(stored->revision, false);
    if (stored && stored->final)
      return feedback_error(res, 409, {"/rating", "finalised",
                                       "this rating is final; it can no longer change"});
    record.revision = stored ? stored->revision + 1 : 1;
    errors = session_rating::check_record(record);
    if (!errors.empty()) return feedback_error(res, 500, {"", "internal_error", errors[0].message});
    // The same path as POST /v1/ratings: decided and stored (with whatever the ingest
    // transaction does besides, e.g. the webhook outbox) against the server's clock.
    const IngestResult result = app.ingestor->ingest(session_rating::record_to_json(record));
    const std::string status = result.results.empty() ? "" : result.results[0].status;
    if (status == "accepted") return answer(record.revision, true);
    if (status == "duplicate") return answer(record.revision, false);
    if (status == "finalised")
      return feedback_error(res, 409, {"/rating", "finalised",
                                       "this rating is final; it can no longer change"});
    if (status == "conflict" || status == "stale") continue;  // raced: read again
    if (result.http_status == 503) {
      res.set_header("Retry-After", std::to_string(kDbUnavailableRetryS));
      return feedback_error(res, 503, {"", "db_unavailable", kDbUnavailableMessage});
    }
    if (result.http_status >= 500)
      return feedback_error(res, 500, {"", "storage_error", "the rating could not be stored"});
    return feedback_error(res, 500, {"", "internal_error", "the record was refused: " + status});
  }
  feedback_error(res, 409, {"/rating", "conflict",
                            "another change of this rating was stored at the same time; retry"});
}

}  // namespace

std::vector<SessionRoute> programme_routes(App& app) {
  std::vector<SessionRoute> routes;
  {
    http::Endpoint e;
    e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Agent),
                mw::require_enabled(app)};
    e.handle = [&app](const http::Request& req, http::Response& res) { post_request(app, req, res); };
    routes.push_back({"POST", "/rating-requests", std::move(e)});
  }
  {
    http::Endpoint e;
    e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Agent)};
    e.handle = [&app](const http::Request& req, http::Response& res) {
      get_request_state(app, req, res);
    };
    routes.push_back({"GET", "/rating-requests", std::move(e)});
  }
  {
    http::Endpoint e;
    e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Agent)};
    e.handle = [&app](const http::Request& req, http::Response& res) { get_timeline(app, req, res); };
    routes.push_back({"GET", "/timeline", std::move(e)});
  }
  {
    http::Endpoint e;
    e.checks = {mw::no_store(), feedback_shaped(mw::require_scope(app, mw::Scope::Server)),
                feedback_shaped(mw::require_enabled(app))};
    e.handle = [&app](const http::Request& req, http::Response& res) { post_feedback(app, req, res); };
    routes.push_back({"POST", "/feedback", std::move(e)});
  }
  return routes;
}

}  // namespace collector::handlers
