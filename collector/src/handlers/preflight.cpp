// OPTIONS /v1/*: the CORS preflight.
#include "handlers/handlers.h"
#include "middleware.h"

namespace collector::handlers {

void add_preflight(http::Router& r, App& app) {
  http::Endpoint e;
  e.checks = {mw::require_origin(app, "this origin may not call the collector")};
  e.handle = [](const http::Request& req, http::Response& res) {
    res.set_header("Vary", "Origin");
    if (req.has_header("Origin"))
      res.set_header("Access-Control-Allow-Origin", req.header("Origin"));
    res.set_header("Access-Control-Allow-Methods", "GET, POST, PATCH, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.set_header("Access-Control-Max-Age", "600");
    res.status = 204;
  };
  r.add_prefix("OPTIONS", "/v1/", std::move(e));
}

}  // namespace collector::handlers
