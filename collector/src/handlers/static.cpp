// Static files from --mount /PREFIX/=DIR. Nothing of this repository's layout is compiled in:
// every folder comes from a flag. Files are read on the worker pool. Range: one range is
// honoured (206, or 416 when it cannot be satisfied); a list of ranges is answered with the
// whole file (200), so a request can never make the answer larger than the file.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "handlers/handlers.h"
#include "middleware.h"

namespace collector::handlers {

namespace {

constexpr const char* kDashboardCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
constexpr int64_t kMaxFile = 64 * 1024 * 1024;

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string mime_type(const std::string& path) {
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  if (ext == "html" || ext == "htm") return "text/html";
  if (ext == "js" || ext == "mjs") return "text/javascript";
  if (ext == "css") return "text/css";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "jsonl") return "application/x-ndjson";
  if (ext == "wasm") return "application/wasm";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt" || ext == "md") return "text/plain";
  return "application/octet-stream";
}

// "/a/b.js" relative to the mount; refuses "..", ".", empty segments' tricks and backslashes.
bool safe_relative(const std::string& rel) {
  if (rel.find('\\') != std::string::npos || rel.find('\0') != std::string::npos) return false;
  size_t start = 0;
  while (start <= rel.size()) {
    const auto slash = rel.find('/', start);
    const std::string seg = rel.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg == ".." || seg == ".") return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

// True when `file`, with every symlink resolved, lies inside `dir` (also resolved).
bool inside(const std::string& dir, const std::string& file) {
  char* d = ::realpath(dir.c_str(), nullptr);
  char* f = ::realpath(file.c_str(), nullptr);
  bool ok = false;
  if (d && f) {
    std::string root(d);
    if (root.back() != '/') root += '/';
    ok = std::string(f).compare(0, root.size(), root) == 0;
  }
  std::free(d);
  std::free(f);
  return ok;
}

// Parses "bytes=A-B", "bytes=A-" or "bytes=-N" against `size`. 0 = ignore the header (absent,
// malformed or several ranges: the whole file), 1 = one satisfiable range, -1 = unsatisfiable.
int parse_range(const std::string& h, int64_t size, int64_t& first, int64_t& last) {
  if (h.rfind("bytes=", 0) != 0) return 0;
  const std::string spec = h.substr(6);
  if (spec.find(',') != std::string::npos) return 0;  // several ranges: whole file
  const auto dash = spec.find('-');
  if (dash == std::string::npos) return 0;
  const auto a = parse_int(spec.substr(0, dash));
  const auto b = parse_int(spec.substr(dash + 1));
  if (dash == 0) {  // suffix: the last N bytes
    if (!b) return 0;
    if (*b == 0 || size == 0) return -1;
    first = *b >= size ? 0 : size - *b;
    last = size - 1;
    return 1;
  }
  if (!a) return 0;
  if (dash + 1 < spec.size() && !b) return 0;
  if (b && *b < *a) return 0;
  if (*a >= size) return -1;
  first = *a;
  last = b && *b < size ? *b : size - 1;
  return 1;
}

void serve(const std::string& prefix, const std::string& dir, bool dashboard,
           const http::Request& req, http::Response& res) {
  res.set_header("Cache-Control", "no-cache");
  res.set_header("Referrer-Policy", "no-referrer");
  if (dashboard) {
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Content-Security-Policy", kDashboardCsp);
  }
  std::string rel = req.path.substr(prefix.size());
  if (!safe_relative(rel)) return res.error(404, "not_found", "no such resource");
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  const std::string file = dir + "/" + rel;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxFile)
    return res.error(404, "not_found", "no such resource");
  // ".." is refused above, but a symlink in the folder could still lead out of it: the file's
  // resolved path must lie inside the folder's.
  if (!inside(dir, file)) return res.error(404, "not_found", "no such resource");
  std::ifstream in(file, std::ios::binary);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return res.error(404, "not_found", "no such resource");
  const auto size = static_cast<int64_t>(body.size());
  res.set_header("Content-Type", mime_type(file));
  res.set_header("Accept-Ranges", "bytes");
  int64_t first = 0, last = 0;
  const int range = req.has_header("Range") ? parse_range(req.header("Range"), size, first, last) : 0;
  if (range < 0) {
    res.set_header("Content-Range", "bytes */" + std::to_string(size));
    return res.error(416, "range_not_satisfiable", "the range is outside the file");
  }
  if (range > 0) {
    res.status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                        "/" + std::to_string(size));
    res.body = body.substr(static_cast<size_t>(first), static_cast<size_t>(last - first + 1));
    return;
  }
  res.status = 200;
  res.body = std::move(body);
}

}  // namespace

void add_static(http::Router& r, App& app) {
  bool dashboard_mounted = false;
  for (const auto& [prefix_in, dir] : app.opts.mounts) {
    std::string prefix = prefix_in;
    if (prefix.back() != '/') prefix += '/';
    if (!is_dir(dir)) {
      log_event({{"event", "mount_skipped"}, {"prefix", prefix}, {"dir", dir},
                 {"reason", "not a directory"}});
      continue;
    }
    const bool dashboard = prefix.rfind("/dashboard", 0) == 0;
    dashboard_mounted = dashboard_mounted || prefix == "/dashboard/";
    http::Endpoint e;
    e.blocking = true;  // disk reads
    e.handle = [prefix, dir = dir, dashboard](const http::Request& req, http::Response& res) {
      serve(prefix, dir, dashboard, req, res);
    };
    r.add_prefix("GET", prefix, std::move(e));
    if (prefix.size() > 1) {
      http::Endpoint bare;
      bare.handle = [prefix](const http::Request&, http::Response& res) { res.redirect(prefix, 301); };
      r.add("GET", prefix.substr(0, prefix.size() - 1), std::move(bare));
    }
    log_event({{"event", "mount"}, {"prefix", prefix}, {"dir", dir}});
  }
  if (dashboard_mounted) {
    http::Endpoint root;
    root.handle = [](const http::Request&, http::Response& res) { res.redirect("/dashboard/", 302); };
    r.add("GET", "/", std::move(root));
  }
}

}  // namespace collector::handlers
