// The types handlers see: Request, Response, Router (no Beast I/O here).
#include <boost/beast/core/string.hpp>

#include "json_util.h"
#include "server/http_server.h"

namespace collector::http {

bool Request::has_header(std::string_view name) const {
  return headers.find(boost::beast::string_view(name.data(), name.size())) != headers.end();
}

std::string Request::header(std::string_view name) const {
  auto it = headers.find(boost::beast::string_view(name.data(), name.size()));
  return it == headers.end() ? std::string() : std::string(it->value());
}

std::string Request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

void Response::set_header(const std::string& name, const std::string& value) {
  for (auto& [n, v] : headers) {
    if (boost::beast::iequals(n, name)) {
      v = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

void Response::json(unsigned code, std::string text) {
  status = code;
  body = std::move(text);
  set_header("Content-Type", "application/json");
}

void Response::error(unsigned code, const std::string& err_code, const std::string& message,
                     const std::string& path) {
  json(code, error_body(err_code, message, path));
}

void Response::redirect(const std::string& location, unsigned code) {
  status = code;
  set_header("Location", location);
}

void Router::add(const std::string& method, const std::string& path, Endpoint e) {
  entries_.push_back({method, path, false, std::move(e)});
}

void Router::add_prefix(const std::string& method, const std::string& prefix, Endpoint e) {
  entries_.push_back({method, prefix, true, std::move(e)});
}

const Endpoint* Router::find(const std::string& method, const std::string& path,
                             std::string& allowed) const {
  allowed.clear();
  const Endpoint* found = nullptr;
  size_t best = 0;  // longest matching path wins (exact beats prefix)
  for (const auto& en : entries_) {
    const bool match = en.prefix ? path.compare(0, en.path.size(), en.path) == 0
                                 : path == en.path;
    if (!match) continue;
    const size_t weight = en.path.size() + (en.prefix ? 0 : 1);
    if (en.method == method) {
      if (!found || weight > best) {
        found = &en.e;
        best = weight;
      }
    } else if (allowed.find(en.method) == std::string::npos) {
      allowed += (allowed.empty() ? "" : ", ") + en.method;
    }
  }
  // The CORS preflight covers every path under /v1/: a path no other method serves is a 404,
  // not a 405.
  if (found || allowed == "OPTIONS") allowed.clear();
  return found;
}

}  // namespace collector::http
