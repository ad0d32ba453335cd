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

std::function<void()> LiveStream::wake_locked() {
  if (!wake_ || wake_posted_) return nullptr;
  wake_posted_ = true;
  return wake_;
}

bool LiveStream::send(std::string_view data) {
  std::function<void()> wake;
  bool ok = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_ || close_requested_) return false;
    if (pending_.size() + data.size() > max_backlog_) {
      // The client does not read: end the stream rather than buffer without bound.
      overflow_ = close_requested_ = true;
      ok = false;
    } else {
      pending_.append(data.data(), data.size());
    }
    wake = wake_locked();
  }
  if (wake) wake();
  return ok;
}

void LiveStream::close() {
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_ || close_requested_) return;
    close_requested_ = true;
    wake = wake_locked();
  }
  if (wake) wake();
}

bool LiveStream::ended() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ended_;
}

void LiveStream::on_end(std::function<void()> f) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!ended_) {
      on_end_ = std::move(f);
      return;
    }
  }
  if (f) f();
}

void Router::add(const std::string& method, const std::string& path, Endpoint e) {
  entries_.push_back({method, path, false, std::move(e), false, ""});
}

void Router::add_prefix(const std::string& method, const std::string& prefix, Endpoint e) {
  entries_.push_back({method, prefix, true, std::move(e), false, ""});
}

void Router::add_pattern(const std::string& method, const std::string& pattern, Endpoint e) {
  const auto var = pattern.find("{}");
  entries_.push_back({method, pattern.substr(0, var), false, std::move(e), true,
                      pattern.substr(var + 2)});
}

const Endpoint* Router::find(const std::string& method, const std::string& path,
                             std::string& allowed) const {
  allowed.clear();
  const Endpoint* found = nullptr;
  size_t best = 0;  // longest matching path wins (exact beats prefix)
  for (const auto& en : entries_) {
    bool match = false;
    if (en.pattern) {
      const size_t fixed = en.path.size() + en.suffix.size();
      match = path.size() > fixed && path.compare(0, en.path.size(), en.path) == 0 &&
              path.compare(path.size() - en.suffix.size(), en.suffix.size(), en.suffix) == 0;
      if (match) {
        const std::string_view var(path.data() + en.path.size(), path.size() - fixed);
        match = var.find('/') == std::string_view::npos;
      }
    } else {
      match = en.prefix ? path.compare(0, en.path.size(), en.path) == 0 : path == en.path;
    }
    if (!match) continue;
    const size_t weight = en.pattern ? path.size() + 2 : en.path.size() + (en.prefix ? 0 : 1);
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
