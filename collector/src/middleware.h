// middleware.h — the checks and decorations shared by endpoints, as functions the router runs
// on the request head before any body is read (http::Check), plus the access-log sink.
// Order on POST /v1/ratings: origin (403) → write key (401) → rate (429) → content type (415).
#pragma once

#include <string>
#include <vector>

#include "app.h"
#include "server/http_server.h"

namespace collector::mw {

// No Origin (servers, curl), a page served by the collector itself (Origin == "http://" +
// Host, with a Host the collector answers for: App::host_allowed), or an origin listed with
// --allow-origin.
bool origin_allowed(const App& app, const http::Request& req);

// Vary: Origin, and for an allowed browser origin Access-Control-Allow-Origin and
// Access-Control-Expose-Headers: Retry-After (the widget reads it on a 429).
void add_cors(const App& app, const http::Request& req, http::Response& res);

// 403 origin_not_allowed for a browser origin that is not allowed.
http::Check require_origin(const App& app, std::string message);
// Adds the CORS headers (always passes).
http::Check cors(const App& app);
// Cache-Control: no-store (always passes).
http::Check no_store();
// 401 unless Authorization: Bearer ADMIN_TOKEN (constant-time compare). Like require_scope,
// a 401 counts as a failed login of the client's IP, and an IP with --auth-failures failures
// in a minute is answered 429 too_many_failures (Retry-After) on every token route.
http::Check require_admin(const App& app);

// Token scopes (docs/programme.md): read (dashboard, reads, exports), write (read + config
// changes), agent (rating requests, timeline), server (feedback, session ends). The admin
// token holds every scope.
enum class Scope { Read, Write, Agent, Server };
const char* scope_name(Scope scope);
// The scopes a bearer token holds, as a bit set (1 << Scope); 0 = no such token. The token
// is compared with every configured one in constant time (no early exit, and the time does
// not depend on how many characters agree).
unsigned token_scopes(const App& app, const std::string& token);
// 401 unauthorized without a known bearer token; 403 insufficient_scope (path "") when the
// token lacks `scope`.
http::Check require_scope(const App& app, Scope scope);
// 403 ratings_disabled while the site's ratings are switched off (read from memory, so a
// switch takes effect on the next request).
http::Check require_enabled(const App& app);
// The bearer token of a request ("" when none).
std::string bearer_token(const http::Request& req);
// 401 unless a write key is given (Authorization: Bearer KEY or ?key=KEY).
http::Check require_write_key(const App& app);
// 429 with Retry-After when the write key's token bucket is empty.
http::Check rate_limit(App& app);
// 415 unless Content-Type is absent or one of `types` (media type matched case-insensitively,
// parameters allowed: "TEXT/PLAIN; charset=utf-8" is text/plain, "text/plainevil" is not).
http::Check content_type_in(std::vector<std::string> types);

// The write key of a request: the bearer token, else ?key=.
std::string write_key(const http::Request& req);
bool equal_const_time(const std::string& a, const std::string& b);
// The media type of a Content-Type value, lower-cased, without parameters or spaces.
std::string media_type(const std::string& content_type);

// One JSON line per request on stdout: t, remote, method, path, status, bytes_in, bytes_out,
// ms, and the per-status counts of POST /v1/ratings ("results").
http::AccessLog access_log();

}  // namespace collector::mw
