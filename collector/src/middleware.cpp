#include "middleware.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cctype>

namespace collector::mw {

// Secrets are compared as SHA-256 digests with OpenSSL's CRYPTO_memcmp: constant time in the
// content and, since both digests are 32 bytes, in the lengths too (a well-kept primitive
// instead of a hand-written loop).
bool equal_const_time(const std::string& a, const std::string& b) {
  unsigned char da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), da);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), db);
  return CRYPTO_memcmp(da, db, sizeof da) == 0;
}

namespace {

std::string bearer(const http::Request& req) {
  const std::string h = req.header("Authorization");
  if (h.size() > 7 && (h.compare(0, 7, "Bearer ") == 0 || h.compare(0, 7, "bearer ") == 0))
    return h.substr(7);
  return "";
}

}  // namespace

std::string write_key(const http::Request& req) {
  std::string key = bearer(req);
  if (key.empty() && req.has_param("key")) key = req.param("key");
  return key;
}

std::string media_type(const std::string& content_type) {
  std::string out;
  for (const char c : content_type) {
    if (c == ';') break;
    if (c == ' ' || c == '\t') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

bool origin_allowed(const App& app, const http::Request& req) {
  if (!req.has_header("Origin")) return true;
  const std::string origin = req.header("Origin");
  const std::string host = req.header("Host");
  // A page served by the collector itself — only under a Host it answers for (the HTTP layer
  // refuses every other Host with 421 before this runs; checked again here so that this
  // rule never rests on the server's configuration alone).
  if (!host.empty() && origin == "http://" + host && app.host_allowed(host)) return true;
  for (const auto& o : app.opts.allow_origins)
    if (o == origin) return true;
  return false;
}

void add_cors(const App& app, const http::Request& req, http::Response& res) {
  res.set_header("Vary", "Origin");
  if (req.has_header("Origin") && origin_allowed(app, req)) {
    res.set_header("Access-Control-Allow-Origin", req.header("Origin"));
    res.set_header("Access-Control-Expose-Headers", "Retry-After");
  }
}

http::Check require_origin(const App& app, std::string message) {
  return [&app, message](const http::Request& req, http::Response& res) {
    if (origin_allowed(app, req)) return true;
    res.set_header("Vary", "Origin");
    res.error(403, "origin_not_allowed", message);
    return false;
  };
}

http::Check cors(const App& app) {
  return [&app](const http::Request& req, http::Response& res) {
    add_cors(app, req, res);
    return true;
  };
}

http::Check no_store() {
  return [](const http::Request&, http::Response& res) {
    res.set_header("Cache-Control", "no-store");
    return true;
  };
}

// 429 too_many_failures with Retry-After while the client's IP is throttled for failed
// token logins (every token route, whatever token it sends now).
bool throttled(const App& app, const http::Request& req, http::Response& res) {
  int64_t retry_after = 0;
  if (!app.auth_throttle->blocked(req.remote, app.clock.now_ms(), retry_after)) return false;
  res.set_header("Retry-After", std::to_string(retry_after));
  res.error(429, "too_many_failures",
            "too many failed logins from this address; retry after " +
                std::to_string(retry_after) + " s");
  return true;
}

http::Check require_admin(const App& app) {
  return [&app](const http::Request& req, http::Response& res) {
    if (throttled(app, req, res)) return false;
    if (equal_const_time(bearer(req), app.opts.admin_token)) return true;
    app.auth_throttle->fail(req.remote, app.clock.now_ms());
    res.set_header("WWW-Authenticate", "Bearer");
    res.error(401, "unauthorized", "admin calls need Authorization: Bearer ADMIN_TOKEN");
    return false;
  };
}

const char* scope_name(Scope scope) {
  switch (scope) {
    case Scope::Read: return "read";
    case Scope::Write: return "write";
    case Scope::Agent: return "agent";
    case Scope::Server: return "server";
  }
  return "read";
}

namespace {

constexpr unsigned bit(Scope s) { return 1u << static_cast<unsigned>(s); }
constexpr unsigned kAllScopes = bit(Scope::Read) | bit(Scope::Write) | bit(Scope::Agent) |
                                bit(Scope::Server);

// Equal in constant time for a given pair of lengths: every byte of the longer is read, and
// a length difference only adds to the difference.
bool same_secret(const std::string& given, const std::string& known) {
  return equal_const_time(given, known);
}

unsigned scope_bits(const std::string& name) {
  if (name == "read") return bit(Scope::Read);
  if (name == "write") return bit(Scope::Write) | bit(Scope::Read);  // write includes read
  if (name == "agent") return bit(Scope::Agent);
  if (name == "server") return bit(Scope::Server);
  return 0;
}

}  // namespace

std::string bearer_token(const http::Request& req) { return bearer(req); }

unsigned token_scopes(const App& app, const std::string& token) {
  unsigned scopes = 0;
  if (token.empty()) return 0;
  // Every configured token is compared, matched or not: the time does not say which matched.
  scopes |= same_secret(token, app.opts.admin_token) ? kAllScopes : 0u;
  for (const auto& [scope, known] : app.opts.tokens)
    scopes |= same_secret(token, known) ? scope_bits(scope) : 0u;
  return scopes;
}

http::Check require_scope(const App& app, Scope scope) {
  return [&app, scope](const http::Request& req, http::Response& res) {
    if (throttled(app, req, res)) return false;
    const unsigned scopes = token_scopes(app, bearer(req));
    if (scopes & bit(scope)) return true;
    if (scopes == 0) {
      app.auth_throttle->fail(req.remote, app.clock.now_ms());
      res.set_header("WWW-Authenticate", "Bearer");
      res.error(401, "unauthorized", "this call needs Authorization: Bearer TOKEN");
      return false;
    }
    res.set_header("WWW-Authenticate",
                   std::string("Bearer error=\"insufficient_scope\", scope=\"") +
                       scope_name(scope) + "\"");
    res.error(403, "insufficient_scope",
              std::string("this token lacks the ") + scope_name(scope) + " scope this call needs");
    return false;
  };
}

http::Check require_enabled(const App& app) {
  return [&app](const http::Request&, http::Response& res) {
    if (app.site.get().enabled) return true;
    res.error(403, "ratings_disabled",
              "ratings are switched off for this site (PATCH /v1/config {\"enabled\": true})");
    return false;
  };
}

http::Check require_write_key(const App& app) {
  return [&app](const http::Request& req, http::Response& res) {
    const std::string key = write_key(req);
    bool ok = false;
    for (const auto& k : app.opts.write_keys) ok = equal_const_time(key, k) || ok;
    if (ok) return true;
    res.error(401, "unauthorized",
              "a valid write key is needed (Authorization: Bearer KEY or ?key=KEY)");
    return false;
  };
}

http::Check rate_limit(App& app) {
  return [&app](const http::Request& req, http::Response& res) {
    int64_t retry_after = 0;
    if (app.limiter->take(write_key(req), steady_ms(), retry_after)) return true;
    res.set_header("Retry-After", std::to_string(retry_after));
    res.error(429, "rate_limited", "too many requests for this write key; retry later");
    return false;
  };
}

http::Check content_type_in(std::vector<std::string> types) {
  return [types](const http::Request& req, http::Response& res) {
    if (!req.has_header("Content-Type")) return true;
    const std::string type = media_type(req.header("Content-Type"));
    for (const auto& t : types)
      if (type == t) return true;
    std::string list;
    for (const auto& t : types) list += (list.empty() ? "" : " or ") + t;
    res.error(415, "unsupported_media_type", "send the body as " + list);
    return false;
  };
}

http::AccessLog access_log() {
  return [](const http::AccessRecord& r) {
    json line = {{"t", Clock().now_ms()},
                 {"remote", r.remote},
                 {"method", r.method},
                 {"path", r.path},
                 {"status", r.status},
                 {"bytes_in", r.bytes_in},
                 {"bytes_out", r.bytes_out},
                 {"ms", r.ms}};
    if (r.method.empty()) line["method"] = nullptr;
    if (r.path.empty()) line["path"] = nullptr;
    if (r.results && !r.results->empty()) line["results"] = parse_json(*r.results);
    if (r.aborted) line["aborted"] = true;
    log_line(dump(line));
  };
}

}  // namespace collector::mw
