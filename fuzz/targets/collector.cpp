// Fuzz target "collector": one HTTP request (or several, pipelined) in bytes → the collector's
// HTTP layer (Boost.Beast parser, strict checks), router, middleware and handlers → SQLite.
//
// The collector runs in this process as main.cpp composes it (App, every route but static
// mounts, Server), on 127.0.0.1 with a port of its own and a database in a fresh temporary
// folder. Each input is written on a new loopback connection, the write side is then shut
// (the server sees the end of the input), and the answer is read until the server closes.
// The HTTP layer has no entry point for raw bytes without a socket, and a real socket is what
// production sees; it stays deterministic per input (one connection at a time, nothing timed
// in the answer that matters here), though the database keeps what earlier inputs stored.
//
// Credentials the inputs may use (the seed corpus does): write key "fuzz-write-key", read token
// "fuzz-read-token-0123456789", server token "fuzz-server-token-0123456789", agent token
// "fuzz-agent-token-0123456789", allowed origin "https://site.example". The admin token is
// not given out, so no input can change the site config (no webhooks to elsewhere).
//
// Properties: the server answers every input within 10 s (and then closes, as the input
// ended); what it writes is an HTTP/1.1 answer; no answer is a 500 (internal_error /
// storage_error: a handler failed).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "app.h"
#include "fuzz.h"
#include "handlers/handlers.h"
#include "server/http_server.h"

namespace {

constexpr int kAnswerTimeoutMs = 10000;
const char* const kAdminToken = "fuzz-admin-token-not-in-any-seed-7c3e9a";

struct Harness {
  std::string dir;
  std::unique_ptr<collector::App> app;
  collector::http::Router router;
  std::unique_ptr<collector::http::Server> server;
  std::thread thread;
  int port = 0;
};

Harness* g = nullptr;

// Sends `bytes` on a new connection, shuts the write side, reads until the server closes.
// `timed_out` is set when it had not closed after kAnswerTimeoutMs.
std::string exchange(const std::string& bytes, bool& timed_out) {
  timed_out = false;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  SR_FUZZ_CHECK(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(g->port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  SR_FUZZ_CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kAnswerTimeoutMs);
  std::string answer;
  char buf[65536];
  std::size_t sent = 0;
  bool write_open = true;
  // Write and read at once: a server that answers before reading everything (413, 401) must
  // not block the writer.
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (write_open ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;  // closed (or reset: the server stopped reading a refused request)
      answer.append(buf, static_cast<std::size_t>(n));
    }
    if (write_open && (p.revents & POLLOUT)) {
      if (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n < 0) write_open = false;  // the server closed its reading side: fine
        else sent += static_cast<std::size_t>(n);
      }
      if (write_open && sent == bytes.size()) {
        ::shutdown(fd, SHUT_WR);
        write_open = false;
      }
    }
  }
  ::close(fd);
  return answer;
}

void stop() {
  if (!g) return;
  g->server->stop();
  if (g->thread.joinable()) g->thread.join();
  g->app->close();
  std::error_code ec;
  std::filesystem::remove_all(g->dir, ec);
}

void start() {
  std::signal(SIGPIPE, SIG_IGN);
  g = new Harness;
  char tmpl[] = "/tmp/sr-fuzz-collector-XXXXXX";
  SR_FUZZ_CHECK(::mkdtemp(tmpl) != nullptr);
  g->dir = tmpl;
  collector::Options o;
  o.port = 0;
  o.db_path = g->dir + "/collector.sqlite3";
  o.write_keys = {"fuzz-write-key"};
  o.admin_token = kAdminToken;
  o.tokens = {{"read", "fuzz-read-token-0123456789"},
              {"server", "fuzz-server-token-0123456789"},
              {"agent", "fuzz-agent-token-0123456789"}};
  o.allow_origins = {"https://site.example"};
  o.rate_limit = 0;
  o.io_threads = 1;
  o.workers = 2;
  o.head_timeout_s = 2;
  o.request_timeout_s = 3;
  o.idle_timeout_s = 2;
  o.shutdown_timeout_s = 1;
  o.access_log = false;
  o.synchronous = "normal";
  g->app = std::make_unique<collector::App>(o);
  std::string error;
  SR_FUZZ_CHECK_MSG(g->app->open(error), error);
  namespace h = collector::handlers;
  h::add_preflight(g->router, *g->app);
  h::add_ratings(g->router, *g->app);
  h::add_reads(g->router, *g->app);
  h::add_export(g->router, *g->app);
  h::add_sessions(g->router, *g->app);
  h::add_events(g->router, *g->app);
  h::add_config(g->router, *g->app);
  h::add_health(g->router, *g->app);
  collector::http::Limits limits;
  limits.io_threads = o.io_threads;
  limits.workers = o.workers;
  limits.head_timeout_s = o.head_timeout_s;
  limits.request_timeout_s = o.request_timeout_s;
  limits.idle_timeout_s = o.idle_timeout_s;
  limits.shutdown_timeout_s = o.shutdown_timeout_s;
  g->server = std::make_unique<collector::http::Server>(limits, g->router, nullptr);
  g->port = g->server->listen("127.0.0.1", 0, error);
  SR_FUZZ_CHECK_MSG(g->port > 0, error);
  g->thread = std::thread([] { g->server->run(); });
  // Ratings on (a fresh database starts with them off).
  const std::string body = R"({"enabled":true})";
  bool timed_out = false;
  const std::string answer = exchange(
      "PATCH /v1/config HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
          std::string(kAdminToken) + "\r\nContent-Type: application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body,
      timed_out);
  SR_FUZZ_CHECK_MSG(answer.rfind("HTTP/1.1 200 ", 0) == 0, answer);
  std::atexit(stop);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (!g) start();
  bool timed_out = false;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string answer = exchange(input, timed_out);
  SR_FUZZ_CHECK_MSG(!timed_out, "no end of answer within 10 s; got: " + answer.substr(0, 2000));
  if (std::getenv("SR_FUZZ_VERBOSE")) {  // the status line of each answer, for a look by hand
    const auto eol = answer.find("\r\n");
    std::fprintf(stderr, "%zu bytes in -> %s\n", size,
                 answer.empty() ? "(closed without an answer)" : answer.substr(0, eol).c_str());
  }
  if (answer.empty()) return 0;
  SR_FUZZ_CHECK_MSG(answer.rfind("HTTP/1.1 ", 0) == 0, answer.substr(0, 2000));
  SR_FUZZ_CHECK_MSG(answer.compare(9, 4, "500 ") != 0, answer.substr(0, 4000));
  return 0;
}

std::string sr_fuzz_describe(std::string_view) { return ""; }
