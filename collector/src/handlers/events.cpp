// GET /v1/sessions/{session_id}/events?key=WRITE_KEY — the visitor's Server-Sent Events
// stream (docs/programme.md): the write key in the query (EventSource cannot send headers),
// origins checked as for POST /v1/ratings, 403 ratings_disabled while ratings are off. The
// answer is a text/event-stream that stays open: "retry: 2000", then the session's events
// (replayed from the store after Last-Event-ID, then live), a keep-alive comment after
// --sse-keepalive seconds without a write.
#include <charconv>

#include "event_hub.h"
#include "handlers/handlers.h"
#include "middleware.h"
#include "session_rating/config.h"

namespace collector::handlers {

namespace {
constexpr std::string_view kPrefix = "/v1/sessions/";
constexpr std::string_view kSuffix = "/events";
}  // namespace

http::Endpoint events_endpoint(App& app) {
  http::Endpoint e;
  e.checks = {mw::require_origin(app, "this origin may not open event streams"), mw::cors(app),
              mw::require_write_key(app), mw::require_enabled(app)};
  e.blocking = true;  // the replay reads the store
  e.handle = [&app](const http::Request& req, http::Response& res) {
    res.set_header("Cache-Control", "no-store");
    const std::string id =
        req.path.substr(kPrefix.size(), req.path.size() - kPrefix.size() - kSuffix.size());
    if (!session_rating::is_valid_id(id))
      return res.error(400, "invalid_value", "not a valid session id (1-128 of A-Z a-z 0-9 . _ : -)",
                       "/session_id");
    for (const auto& [name, value] : req.params) {
      (void)value;
      if (name != "key")
        return res.error(400, "unknown_field", "unknown query parameter", "/query/" + name);
    }
    std::optional<int64_t> last_id;
    if (req.has_header("Last-Event-ID")) {
      const std::string v = req.header("Last-Event-ID");
      int64_t n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty()) {
        // An empty Last-Event-ID is what a browser sends before it has seen an id.
      } else if (ec != std::errc() || end != v.data() + v.size() || n < 0) {
        return res.error(400, "invalid_value", "Last-Event-ID is an event id (a number)",
                         "/headers/last-event-id");
      } else {
        last_id = n;
      }
    }
    if (!app.hub) return res.error(503, "unavailable", "event streams are not available");
    auto stream = std::make_shared<http::LiveStream>(": keep-alive\n\n", app.opts.sse_keepalive_s);
    stream->send("retry: 2000\n\n");
    if (!app.hub->subscribe(id, stream, last_id))
      return storage_failure(app, res, "the stored events could not be read");
    res.status = 200;
    res.set_header("Content-Type", "text/event-stream; charset=utf-8");
    res.set_header("X-Accel-Buffering", "no");  // proxies (nginx) must not buffer the stream
    res.live = std::move(stream);
  };
  return e;
}

void add_events(http::Router& r, App& app) {
  r.add_pattern("GET", std::string(kPrefix) + "{}" + std::string(kSuffix), events_endpoint(app));
}

}  // namespace collector::handlers
