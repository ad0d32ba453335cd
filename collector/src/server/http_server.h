// http_server.h — the collector's HTTP layer: Boost.Beast on Boost.Asio, event-driven.
//
// A few io threads own every connection (one strand each); nothing holds a thread while a
// connection is idle or slow. A request goes: wait for the first byte (idle timeout) → read
// the head (head deadline, size and count limits, strict parsing) → route and run the
// endpoint's cheap checks (origin, key, rate, content type) → only then read the body, with
// the body limit enforced while reading (chunked included) → run the handler, inline when it
// is cheap or on the worker pool when it blocks (SQLite) → write the answer back on the
// connection's strand. Handlers never see Beast: they get a Request and fill a Response.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/fields.hpp>

namespace collector::http {

// One request as handlers see it. Header names are matched case-insensitively.
struct Request {
  std::string method;    // "GET", "POST", ... ("GET" also for HEAD, see `head`)
  bool head = false;     // a HEAD request: answered like GET, without the body
  std::string target;    // as sent: path and query
  std::string path;      // percent-decoded path, no query
  std::multimap<std::string, std::string> params;  // decoded query parameters
  boost::beast::http::fields headers;
  std::string body;      // empty until the body has been read
  std::string remote;    // peer address

  bool has_header(std::string_view name) const;
  std::string header(std::string_view name) const;  // "" when absent
  bool has_param(const std::string& name) const { return params.count(name) > 0; }
  std::string param(const std::string& name) const;
};

// A long-lived answer written piece by piece from any thread (Server-Sent Events). A handler
// creates one, sets Response::live and hands it to whoever publishes; the server sends the
// head (chunked transfer encoding, Connection: close), then writes what send() queued, in
// order, everything queued since the last write as one chunk, on the connection's strand.
// While it is open the connection is not idle (neither the idle timeout nor the connection
// cap's shedding touch it); it ends when the client goes away (EOF or reset, noticed at once
// by a pending read), on close(), on shutdown (SIGTERM: the last chunk is written, then the
// connection closes), or when the client stops reading (a write taking longer than the write
// timeout, or more than `max_backlog` bytes waiting).
class LiveStream {
 public:
  // `heartbeat` is written after `heartbeat_s` seconds without any other write (keeps proxies
  // from closing an idle stream); empty or 0 = none.
  LiveStream(std::string heartbeat, int heartbeat_s, size_t max_backlog = 1024 * 1024)
      : heartbeat_(std::move(heartbeat)), heartbeat_s_(heartbeat_s), max_backlog_(max_backlog) {}
  LiveStream(const LiveStream&) = delete;
  LiveStream& operator=(const LiveStream&) = delete;
  // Queues `data` (thread-safe, never blocks on the network). False once the stream ended.
  bool send(std::string_view data);
  // Ends the answer (last chunk) and the connection; thread-safe, idempotent.
  void close();
  bool ended() const;
  // Called once when the stream has ended, on the connection's strand (or at once when it has
  // ended already). Set it before publishing the stream.
  void on_end(std::function<void()> f);

 private:
  friend class Session;
  // Under mu_: the flush to post (once until the server has taken what is pending).
  std::function<void()> wake_locked();
  mutable std::mutex mu_;
  std::string pending_;
  bool ended_ = false, close_requested_ = false, overflow_ = false, wake_posted_ = false;
  std::function<void()> wake_;    // set by the server once the head is out: posts a flush
  std::function<void()> on_end_;
  std::string heartbeat_;
  int heartbeat_s_ = 0;
  size_t max_backlog_;
};

// What a handler answers. Either `body`, or `stream` (chunked transfer encoding: called on
// the worker pool until it returns 0 (done) or -1 (error: the connection is cut)), or `live`.
struct Response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::function<int(std::string& chunk)> stream;
  std::shared_ptr<LiveStream> live;  // a long-lived answer (see LiveStream); status 200 only
  bool close = false;          // close the connection after this answer
  std::string log_results;     // JSON text added to the access-log line as "results"

  void set_header(const std::string& name, const std::string& value);
  // status + application/json body
  void json(unsigned code, std::string text);
  // status + {"errors":[{"path","code","message"}]}
  void error(unsigned code, const std::string& err_code, const std::string& message,
             const std::string& path = "");
  void redirect(const std::string& location, unsigned code);
};

using Handler = std::function<void(const Request&, Response&)>;
// A handler that answers later: it fills the Response and then calls `done` (once, from any
// thread). It is called on the io thread, so it must not block.
using Done = std::function<void()>;
using AsyncHandler = std::function<void(const Request&, Response&, Done done)>;
// A cheap check run on the head only (no body read yet): false = answer with `res` now.
using Check = std::function<bool(const Request&, Response&)>;

// One method on one path (or every path under a prefix ending in '/').
struct Endpoint {
  std::vector<Check> checks;   // middleware, in order, before the body is read
  Handler handle;              // after the body is read
  bool blocking = false;       // run on the worker pool (SQLite, disk), not on an io thread
  AsyncHandler handle_async;   // instead of `handle`: answers through `done` (started on the
                               // worker pool when `blocking`, on the io thread otherwise)
  size_t inline_below = 0;     // handle_async: bodies smaller than this start on the io thread
                               // even when `blocking` (cheap enough; saves a thread hop)
};

class Router {
 public:
  void add(const std::string& method, const std::string& path, Endpoint e);
  void add_prefix(const std::string& method, const std::string& prefix, Endpoint e);
  // A path with one variable segment written "{}" (e.g. "/v1/sessions/{}/events"): it matches
  // one non-empty segment without '/', and wins over a prefix that also matches.
  void add_pattern(const std::string& method, const std::string& pattern, Endpoint e);
  // The endpoint for method + path; nullptr with `allowed` filled (405) or empty (404).
  const Endpoint* find(const std::string& method, const std::string& path,
                       std::string& allowed) const;

 private:
  struct Entry {
    std::string method, path;
    bool prefix;
    Endpoint e;
    bool pattern = false;
    std::string suffix;  // a pattern's part after "{}" (path holds the part before)
  };
  std::vector<Entry> entries_;
};

struct Limits {
  int io_threads = 2;               // threads running the event loop
  int workers = 8;                  // worker pool for blocking handlers
  size_t max_connections = 10000;   // open connections; the oldest idle ones are shed first
  size_t max_body = 64 * 1024;      // request body after decoding of chunks
  size_t max_header_bytes = 16 * 1024;  // request line + header fields
  size_t max_header_fields = 100;
  int head_timeout_s = 10;          // from the first byte of a request to the end of its head
  int request_timeout_s = 30;       // from the first byte to the end of the body
  int idle_timeout_s = 15;          // keep-alive connection with no request
  int write_timeout_s = 30;         // each write of an answer (a slow reader is cut)
  int shutdown_timeout_s = 5;       // SIGTERM: in-flight requests get this long, then all close
  // Whether a request's Host may be served (called for every request that has one, before
  // routing); false → 421 unknown_host. Empty = every valid Host.
  std::function<bool(std::string_view host)> host_allowed;
};

// What the access log learns of one request (refused ones included, with their own fields).
struct AccessRecord {
  std::string remote;
  std::string method;      // "" when the request line could not be read
  std::string path;        // decoded path, never the query (it may hold the write key)
  unsigned status = 0;
  size_t bytes_in = 0, bytes_out = 0;
  double ms = 0;
  const std::string* results = nullptr;  // Response::log_results
  bool aborted = false;    // the answer could not be written in full
};
using AccessLog = std::function<void(const AccessRecord&)>;

class Server {
 public:
  Server(const Limits& limits, const Router& router, AccessLog log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the port (> 0), or -1 with `error` set.
  int listen(const std::string& host, int port, std::string& error);
  // Runs the event loop on the io threads until stop() has drained; returns then.
  void run();
  // Thread-safe: stops accepting, closes idle and half-read connections, lets requests in
  // flight finish, and closes whatever is left after shutdown_timeout_s.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace collector::http
