// The site config: GET /v1/widget-config (public, ETag/304, 404 while ratings are off,
// max-age 5 s: the bound on how long a widget may see a switch late), GET /v1/config (read
// scope) and PATCH /v1/config (write scope), and PUT /v1/test/clock (admin, only with
// --test-clock). See docs/programme.md.
#include <algorithm>
#include <future>

#include "handlers/handlers.h"
#include "middleware.h"

namespace collector::handlers {

void add_config(http::Router& r, App& app) {
  {
    // Public: the bare widget config, what the widget's config-url attribute loads. While the
    // dashboard's "enable ratings" switch is off it answers 404 ratings_disabled.
    http::Endpoint e;
    e.checks = {mw::cors(app)};
    e.handle = [&app](const http::Request& req, http::Response& res) {
      const SiteSettings s = app.site.get();
      res.set_header("Cache-Control", "public, max-age=5");
      if (!s.enabled)
        return res.error(404, "ratings_disabled", "ratings are switched off for this site");
      const json doc = parse_json(s.doc);
      const std::string body =
          dump(doc.is_object() && doc.contains("config") ? doc["config"] : json::object());
      const std::string etag =
          "\"" + std::to_string(static_cast<uint64_t>(content_hash(body))) + "\"";
      res.set_header("ETag", etag);
      if (req.header("If-None-Match") == etag) {
        res.status = 304;
        return;
      }
      res.json(200, body);
    };
    r.add("GET", "/v1/widget-config", std::move(e));
  }
  {
    // Read scope: the whole settings document (webhook secrets shown as "secret_set").
    http::Endpoint e;
    e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Read)};
    e.handle = [&app](const http::Request&, http::Response& res) {
      res.json(200, SiteConfig::public_doc(app.site.get()));
    };
    r.add("GET", "/v1/config", std::move(e));
  }
  {
    // Any valid token: which scopes it holds, so a UI (the dashboard) can show what it may do
    // (a read token: the dashboard is read-only). Never echoes the token.
    http::Endpoint e;
    e.checks = {mw::no_store()};
    e.handle = [&app](const http::Request& req, http::Response& res) {
      const unsigned scopes = mw::token_scopes(app, mw::bearer_token(req));
      if (scopes == 0) {
        res.set_header("WWW-Authenticate", "Bearer");
        return res.error(401, "unauthorized", "this call needs Authorization: Bearer TOKEN");
      }
      json list = json::array();
      for (mw::Scope s : {mw::Scope::Read, mw::Scope::Write, mw::Scope::Agent, mw::Scope::Server})
        if (scopes & (1u << static_cast<unsigned>(s))) list.push_back(mw::scope_name(s));
      res.json(200, dump(json{{"scopes", list}}));
    };
    r.add("GET", "/v1/token", std::move(e));
  }
  {
    http::Endpoint e;
    e.checks = {mw::no_store(), mw::require_scope(app, mw::Scope::Write)};
    e.blocking = true;  // a write job
    e.handle = [&app](const http::Request& req, http::Response& res) {
      session_rating::Errors errors;
      SiteSettings next;
      const SiteSettings before = app.site.get();
      const int64_t now = app.clock.now_ms();
      // Validate and store inside one write job so concurrent PATCHes apply in order: the
      // patch applies to the stored document as this transaction sees it (a PATCH earlier in
      // the same group commit included, which memory does not hold yet), and memory is set
      // once committed, and only ever to a newer document (App::set_site: with several write
      // connections two commits can be reported in either order).
      std::promise<bool> committed;
      auto result = committed.get_future();
      app.writer->submit_async(
          [&](WriteTx& tx) {
            std::string doc, error;
            int64_t updated_at = 0;
            if (!tx.get_site(doc, updated_at)) return;
            SiteConfig stored;
            const SiteSettings current = stored.load(doc, updated_at, error) ? stored.get()
                                                                             : app.site.get();
            errors = SiteConfig::apply_patch(current, req.body, next);
            if (!errors.empty()) return;
            // Every change gets a higher updated_at than the one it replaces (even within one
            // ms, or with the clock set back): memory only moves to a higher one (App::set_site).
            next.updated_at = std::max(now, updated_at + 1);
            tx.put_site(next.doc, next.updated_at);
          },
          [&](bool ok) {
            if (ok && errors.empty()) app.set_site(next);
            committed.set_value(ok);
          });
      const bool ok = result.get();
      if (!ok) return storage_failure(app, res, "the config could not be stored");
      if (!errors.empty()) return res.json(400, errors_body(errors));
      if (next.enabled != before.enabled)
        log_event({{"event", "ratings_switched"}, {"enabled", next.enabled}});
      res.json(200, SiteConfig::public_doc(next));
    };
    r.add("PATCH", "/v1/config", std::move(e));
  }
  if (app.opts.test_clock) {
    http::Endpoint e;
    e.checks = {mw::require_admin(app)};
    e.handle = [&app](const http::Request& req, http::Response& res) {
      const json body = parse_json(req.body);
      if (body.is_discarded() || !body.is_object() || !body.contains("offset_ms") ||
          !body["offset_ms"].is_number_integer())
        return res.error(400, "invalid_value", "expected {\"offset_ms\": integer}", "/offset_ms");
      app.clock.set_offset_ms(body["offset_ms"].get<int64_t>());
      res.json(200, dump(json{{"offset_ms", app.clock.offset_ms()}, {"now", app.clock.now_ms()}}));
    };
    r.add("PUT", "/v1/test/clock", std::move(e));
  }
}

}  // namespace collector::handlers
