// options.h — the collector's settings, from command-line flags and/or a JSON config file
// (--config FILE holds the same settings; flags given on the command line win).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace collector {

struct Options {
  std::string host = "127.0.0.1";         // --listen HOST:PORT
  int port = 8787;                        // 0 = any free port (printed at start)
  std::string db_path = "var/collector.sqlite3";  // --db PATH
  std::vector<std::pair<std::string, std::string>> mounts;  // --mount /PREFIX/=DIR (repeatable)
  std::vector<std::string> write_keys;    // --write-key KEY (repeatable; at least one)
  std::string admin_token;                // --admin-token TOKEN (required; holds every scope)
  // --token SCOPE:TOKEN (repeatable): scoped bearer tokens, scope read|write|agent|server,
  // token at least 16 characters (docs/programme.md)
  std::vector<std::pair<std::string, std::string>> tokens;
  std::vector<std::string> allow_origins; // --allow-origin ORIGIN (repeatable)
  // --context-secret SECRET (repeatable, rotation: any may match; at least 32 characters;
  // config key "context_secret", a string or an array): signed context (docs/security.md)
  std::vector<std::string> context_secrets;
  // --public-host NAME[:PORT] (repeatable): the names clients reach the collector by; a
  // request's Host must be one of them, the listen address or a loopback name (DNS rebinding)
  std::vector<std::string> public_hosts;
  int auth_failures = 10;                 // --auth-failures: failed token logins per IP per
                                          // minute before 429; 0 = no limit
  double rate_limit = 100;                // --rate-limit: requests/s per write key; 0 = off
  double rate_burst = 200;                // --rate-burst: bucket size
  int io_threads = 2;                     // --io-threads: event-loop threads owning all connections
  int workers = 8;                        // --workers: threads for blocking handlers (queries, disk)
  int max_connections = 10000;            // --max-connections: the oldest idle ones are shed first
  int head_timeout_s = 10;                // --head-timeout: first byte to end of the request head
  int request_timeout_s = 30;             // --request-timeout: first byte to end of the body
  int idle_timeout_s = 15;                // --idle-timeout: keep-alive connection with no request
  int shutdown_timeout_s = 5;             // --shutdown-timeout: SIGTERM drain bound
  int finalise_interval_s = 10;           // --finalise-interval: periodic finalisation
  int sse_keepalive_s = 15;               // --sse-keepalive: comment on an idle event stream
  int webhook_timeout_s = 10;             // --webhook-timeout: a delivery's whole exchange
  int webhook_backoff_ms = 5000;          // --webhook-backoff-ms: first retry delay
  int64_t clock_offset_ms = 0;            // --clock-offset-ms (tests only)
  bool test_clock = false;                // --test-clock: enables PUT /v1/test/clock (tests only)
  bool access_log = true;                 // --quiet turns it off
  std::string synchronous = "full";       // --synchronous full|normal (SQLite durability)
};

// Parses argv (after argv[0]). Returns an empty string on success, else a message for stderr.
// Sets `help` when --help was asked for.
std::string parse_options(int argc, char** argv, Options& out, bool& help);

// Splits a Host value (or --public-host) into a lower-cased host ("[::1]" keeps its brackets)
// and its port ("" when none). False when it is not NAME, NAME:PORT, [IP] or [IP]:PORT.
bool split_host_port(std::string_view value, std::string& host, std::string& port);

// Usage text for --help.
const char* usage();

}  // namespace collector
