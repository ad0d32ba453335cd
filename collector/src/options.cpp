#include "options.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "json_util.h"
#include "session_rating/context_trust.h"

namespace collector {

const char* usage() {
  return R"(usage: session-rating-collector [flags]

  --listen HOST:PORT      address to listen on (default 127.0.0.1:8787; port 0 = any free port)
  --db PATH|URL           SQLite database file (default var/collector.sqlite3), or a
                          postgresql:// URL (docs/store.md)
  --mount /PREFIX/=DIR    serve DIR at /PREFIX/ (repeatable); prefixes under /dashboard get the
                          dashboard's CSP; / redirects to /dashboard/ when that is mounted
  --write-key KEY         public write key of the site (repeatable; required)
  --admin-token TOKEN     admin bearer token, holds every scope (required; at least 16 characters)
  --token SCOPE:TOKEN     a scoped bearer token (repeatable): read, write, agent or server;
                          the token at least 16 characters
  --allow-origin ORIGIN   origin allowed to post ratings, e.g. https://example.com (repeatable)
  --context-secret SECRET signed context: a site secret (at least 32 characters; repeatable
                          for rotation, any may match). With one, internal/agent/rater fields
                          are trusted only with a valid signature (docs/security.md)
  --public-host NAME[:PORT]  a name clients reach the collector by (repeatable): every
                          request's Host must be one of these, the listen address or a loopback
                          name (localhost, 127.0.0.1, [::1]); others are 421 unknown_host
  --auth-failures N       failed token logins per client IP per minute before that IP is
                          answered 429 on every token route (default 10; 0 = no limit)
  --config FILE           the same settings as a JSON object (flags win)
  --rate-limit N          requests per second per write key (default 100; 0 = no limit)
  --rate-burst N          burst size of the per-key bucket (default 200)
  --io-threads N          event-loop threads that own every connection (default 2)
  --workers N             threads for handlers that block: queries, export, disk (default 8)
  --max-connections N     open connections; at the cap the oldest idle one is shed (default 10000)
  --head-timeout S        seconds from a request's first byte to the end of its head (default 10)
  --request-timeout S     seconds from a request's first byte to the end of its body (default 30)
  --idle-timeout S        seconds a keep-alive connection may wait for a request (default 15)
  --shutdown-timeout S    SIGTERM: seconds requests in flight get before all close (default 5)
  --finalise-interval S   seconds between periodic finalisation runs (default 10)
  --sse-keepalive S       seconds between keep-alive comments on an idle event stream (default 15)
  --webhook-timeout S     seconds a webhook receiver has to answer a delivery (default 10)
  --webhook-backoff-ms N  first retry delay of a failed delivery, doubled per attempt up to
                          1 h, with jitter (default 5000; tests use less)
  --synchronous MODE      SQLite synchronous: full (default) or normal
  --quiet                 no access log
  --clock-offset-ms N     shift the collector's clock (tests only)
  --test-clock            enable PUT /v1/test/clock (tests only; admin token required)
  --help                  this text
)";
}

bool split_host_port(std::string_view value, std::string& host, std::string& port) {
  host.clear();
  port.clear();
  if (value.empty()) return false;
  std::string_view rest;
  if (value.front() == '[') {
    const auto close = value.find(']');
    if (close == std::string_view::npos) return false;
    host = std::string(value.substr(0, close + 1));
    rest = value.substr(close + 1);
  } else {
    const auto colon = value.find(':');
    host = std::string(value.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view() : value.substr(colon);
  }
  if (!rest.empty()) {
    if (rest.front() != ':' || rest.size() < 2 || rest.size() > 6) return false;
    for (const char c : rest.substr(1))
      if (c < '0' || c > '9') return false;
    port = std::string(rest.substr(1));
  }
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return true;
}

namespace {

std::string parse_listen(const std::string& value, Options& out) {
  const auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) return "--listen wants HOST:PORT";
  auto port = parse_int(value.substr(colon + 1));
  if (!port || *port > 65535) return "--listen: invalid port in '" + value + "'";
  out.host = value.substr(0, colon);
  out.port = static_cast<int>(*port);
  return "";
}

std::string parse_mount(const std::string& value, Options& out) {
  const auto eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || value[0] != '/')
    return "--mount wants /PREFIX/=DIR, got '" + value + "'";
  out.mounts.emplace_back(value.substr(0, eq), value.substr(eq + 1));
  return "";
}

std::string parse_number(const std::string& flag, const std::string& value, double min,
                         double max, double& out) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || end == nullptr || *end != '\0' || !(v >= min && v <= max))
    return flag + ": expected a number in [" + std::to_string(min) + ", " +
           std::to_string(max) + "], got '" + value + "'";
  out = v;
  return "";
}

// Applies one setting by name (flag name without "--", or the config file key).
std::string apply(const std::string& name, const std::string& value, Options& out) {
  double num = 0;
  std::string err;
  if (name == "listen") return parse_listen(value, out);
  if (name == "db") { out.db_path = value; return ""; }
  if (name == "mount") return parse_mount(value, out);
  if (name == "write-key") {
    if (value.empty()) return "--write-key must not be empty";
    out.write_keys.push_back(value); return "";
  }
  if (name == "admin-token") {
    if (value.size() < 16) return "--admin-token must be at least 16 characters";
    if (value.find_first_of(" \t\r\n") != std::string::npos)
      return "--admin-token must not contain spaces";
    out.admin_token = value; return "";
  }
  if (name == "token") {
    const auto colon = value.find(':');
    const std::string scope = colon == std::string::npos ? "" : value.substr(0, colon);
    if (scope != "read" && scope != "write" && scope != "agent" && scope != "server")
      return "--token wants SCOPE:TOKEN with SCOPE read, write, agent or server";
    const std::string token = value.substr(colon + 1);
    if (token.size() < 16) return "--token: the token must be at least 16 characters";
    if (token.find_first_of(" \t\r\n") != std::string::npos)
      return "--token: the token must not contain spaces";
    out.tokens.emplace_back(scope, token);
    return "";
  }
  if (name == "allow-origin") { out.allow_origins.push_back(value); return ""; }
  if (name == "context-secret") {
    if (value.size() < session_rating::kMinContextSecret)
      return "--context-secret must be at least " +
             std::to_string(session_rating::kMinContextSecret) + " characters";
    out.context_secrets.push_back(value);
    return "";
  }
  if (name == "public-host") {
    std::string host, port;
    if (!split_host_port(value, host, port) || host.empty())
      return "--public-host wants NAME or NAME:PORT, got '" + value + "'";
    out.public_hosts.push_back(value);
    return "";
  }
  if (name == "auth-failures") {
    err = parse_number("--auth-failures", value, 0, 1e6, num);
    out.auth_failures = static_cast<int>(num);
    return err;
  }
  if (name == "rate-limit") {
    err = parse_number("--rate-limit", value, 0, 1e9, num); out.rate_limit = num; return err;
  }
  if (name == "rate-burst") {
    err = parse_number("--rate-burst", value, 1, 1e9, num); out.rate_burst = num; return err;
  }
  struct IntSetting { const char* name; double min, max; int* target; };
  const IntSetting ints[] = {
      {"io-threads", 1, 64, &out.io_threads},
      {"workers", 1, 1024, &out.workers},
      {"max-connections", 1, 1000000, &out.max_connections},
      {"head-timeout", 1, 3600, &out.head_timeout_s},
      {"request-timeout", 1, 3600, &out.request_timeout_s},
      {"idle-timeout", 1, 3600, &out.idle_timeout_s},
      {"shutdown-timeout", 0, 3600, &out.shutdown_timeout_s},
      {"sse-keepalive", 1, 3600, &out.sse_keepalive_s},
      {"webhook-backoff-ms", 10, 3600000, &out.webhook_backoff_ms},
      {"webhook-timeout", 1, 300, &out.webhook_timeout_s},
  };
  for (const auto& s : ints) {
    if (name != s.name) continue;
    err = parse_number(std::string("--") + s.name, value, s.min, s.max, num);
    if (err.empty() && num != static_cast<double>(static_cast<int>(num)))
      err = std::string("--") + s.name + ": expected a whole number";
    *s.target = static_cast<int>(num);
    return err;
  }
  if (name == "finalise-interval") {
    err = parse_number("--finalise-interval", value, 1, 86400, num);
    out.finalise_interval_s = static_cast<int>(num);
    return err;
  }
  if (name == "clock-offset-ms") {
    char* end = nullptr;
    const long long v = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') return "--clock-offset-ms: expected an integer";
    out.clock_offset_ms = static_cast<int64_t>(v);
    return "";
  }
  if (name == "synchronous") {
    if (value != "full" && value != "normal") return "--synchronous: full or normal";
    out.synchronous = value; return "";
  }
  return "unknown setting '" + name + "'";
}

bool is_switch(const std::string& name) {
  return name == "quiet" || name == "test-clock" || name == "help";
}

std::string load_config_file(const std::string& path, Options& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "--config: cannot read " + path;
  std::stringstream ss;
  ss << in.rdbuf();
  const json doc = parse_json(ss.str());
  if (doc.is_discarded() || !doc.is_object()) return "--config: " + path + " is not a JSON object";
  if (session_rating::Error dup; has_duplicate_key(ss.str(), dup))
    return "--config: " + path + ": " + dup.message + " at " + dup.path;
  // Keys use underscores ("write_key") or the flag spelling ("write-key").
  for (const auto& [key, value] : doc.items()) {
    std::string name = key;
    for (char& c : name) if (c == '_') c = '-';
    if (name == "write-keys") name = "write-key";
    if (name == "allow-origins") name = "allow-origin";
    if (name == "context-secrets") name = "context-secret";
    if (name == "public-hosts") name = "public-host";
    if (name == "tokens") name = "token";
    if (name == "mounts") name = "mount";
    if (name == "quiet" || name == "test-clock" || name == "access-log") {
      if (!value.is_boolean()) return "--config: " + key + " must be true or false";
      const bool on = value.get<bool>();
      if (name == "quiet") out.access_log = !on;
      else if (name == "access-log") out.access_log = on;
      else out.test_clock = on;
      continue;
    }
    std::vector<std::string> values;
    auto add = [&](const json& v) -> bool {
      if (v.is_string()) { values.push_back(v.get<std::string>()); return true; }
      if (v.is_number()) { values.push_back(dump(v)); return true; }
      return false;
    };
    bool ok = true;
    if (value.is_array()) {
      for (const auto& v : value) ok = ok && add(v);
    } else if (value.is_object() && name == "mount") {
      for (const auto& [prefix, dir] : value.items()) {
        if (!dir.is_string()) { ok = false; break; }
        values.push_back(prefix + "=" + dir.get<std::string>());
      }
    } else {
      ok = add(value);
    }
    if (!ok) return "--config: wrong type for " + key;
    for (const auto& v : values) {
      std::string err = apply(name, v, out);
      if (!err.empty()) return "--config " + path + ": " + err;
    }
  }
  return "";
}

}  // namespace

std::string parse_options(int argc, char** argv, Options& out, bool& help) {
  help = false;
  std::vector<std::pair<std::string, std::string>> flags;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) return "unexpected argument '" + arg + "' (see --help)";
    std::string name = arg.substr(2), value;
    const auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (!is_switch(name)) {
      if (i + 1 >= argc) return arg + " needs a value";
      value = argv[++i];
    }
    flags.emplace_back(name, value);
  }
  for (const auto& [name, value] : flags) {
    if (name == "config") {
      std::string err = load_config_file(value, out);
      if (!err.empty()) return err;
    }
  }
  for (const auto& [name, value] : flags) {
    if (name == "config") continue;
    if (name == "help") { help = true; return ""; }
    if (name == "quiet") { out.access_log = false; continue; }
    if (name == "test-clock") { out.test_clock = true; continue; }
    std::string err = apply(name, value, out);
    if (!err.empty()) return err;
  }
  if (out.write_keys.empty()) return "a write key is required (--write-key KEY)";
  if (out.admin_token.empty()) return "an admin token is required (--admin-token TOKEN)";
  for (const auto& o : out.allow_origins) {
    if (o.rfind("http://", 0) != 0 && o.rfind("https://", 0) != 0)
      return "--allow-origin wants a scheme://host[:port] origin, got '" + o + "'";
  }
  return "";
}

}  // namespace collector
