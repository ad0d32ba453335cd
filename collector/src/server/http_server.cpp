#include "server/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include "clock.h"
#include "json_util.h"

namespace collector::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' means a space in a query. False on a bad escape.
bool decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool parse_target(const std::string& target, Request& req) {
  const auto q = target.find('?');
  if (!decode(std::string_view(target).substr(0, q), false, req.path)) return false;
  if (req.path.empty() || req.path[0] != '/') return false;
  if (req.path.find('\0') != std::string::npos) return false;
  if (q == std::string::npos) return true;
  std::string_view query = std::string_view(target).substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string key, value;
    if (!decode(pair.substr(0, eq), true, key)) return false;
    if (eq != std::string_view::npos && !decode(pair.substr(eq + 1), true, value)) return false;
    req.params.emplace(std::move(key), std::move(value));
  }
  return true;
}

// Field values may hold visible ASCII, obs-text, space and tab only; anything else (NUL, CR,
// other controls, DEL) means the peer and we could read the header differently.
bool clean_value(boost::beast::string_view v) {
  for (const char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// A field value without leading or trailing spaces and tabs.
boost::beast::string_view trim_ows(boost::beast::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// RFC 9112 §3.2 / RFC 3986: a Host value is uri-host [":" port] — a reg-name, an IPv4
// address or a bracketed IP literal; an empty one is invalid for the http URIs served here.
bool valid_host(boost::beast::string_view v) {
  if (v.empty()) return false;
  for (const char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("-._~%!$&'()*+,;=:[]").find(ch) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// What a client sent of its request line before its head timed out (Beast parses nothing until
// the whole head is there): the method once it is followed by a space, the target (without its
// query, which may hold the write key) once it is followed by one too. For the access log only.
void partial_request_line(std::string_view in, std::string& method, std::string& path) {
  in = in.substr(0, in.find("\r\n"));
  const auto sp = in.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp > 32) return;
  for (const char ch : in.substr(0, sp))
    if (!(ch >= 'A' && ch <= 'Z') && ch != '-' && ch != '_') return;
  method = std::string(in.substr(0, sp));
  const std::string_view rest = in.substr(sp + 1);
  const auto sp2 = rest.find(' ');
  if (sp2 == std::string_view::npos) return;
  const std::string_view target = rest.substr(0, sp2);
  const std::string_view p = target.substr(0, target.find('?'));
  if (!p.empty() && p[0] == '/' && clean_value(boost::beast::string_view(p.data(), p.size())))
    path = std::string(p);
}

const char* reason_code(unsigned status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 431: return "header_too_large";
    case 501: return "not_implemented";
    case 503: return "unavailable";
    default: return "error";
  }
}

}  // namespace

// ---- the server -------------------------------------------------------------------------

class Session;

struct Server::Impl {
  Impl(const Limits& l, const Router& r, AccessLog lg)
      : limits(l), router(r), log(std::move(lg)), acceptor(net::make_strand(ioc)),
        drain_timer(acceptor.get_executor()),
        workers(static_cast<size_t>(l.workers > 0 ? l.workers : 1)) {}

  Limits limits;
  const Router& router;
  AccessLog log;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer drain_timer;
  net::thread_pool workers;
  std::atomic<bool> stopping{false};
  Clock::time_point drain_deadline;

  // Every open connection, and the idle ones in the order they became idle (oldest first).
  std::mutex mu;
  std::list<std::weak_ptr<Session>> all, idle;
  size_t open = 0;
  std::atomic<uint64_t> shed{0}, refused{0};

  void accept();
  void on_accept(error_code ec, tcp::socket sock);
  void refuse_overloaded(tcp::socket sock);
  void begin_stop();
  void drain_tick();
  template <class F>
  void for_each_session(F f);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& srv, tcp::socket sock)
      : srv_(srv), sock_(std::move(sock)), timer_(sock_.get_executor()) {
    // Beast bounds the head (header_limit) and the body (body_limit) but not a chunk header
    // (its extensions) or a trailer field: without a bound on the buffer, a line that never
    // ends would be buffered in full. Body bytes never stay in it (the parser moves them into
    // the body), so a head's worth plus one read of 64 KiB is room enough.
    buf_.max_size(srv_.limits.max_header_bytes + 64 * 1024);
    error_code ec;
    const auto ep = sock_.remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    sock_.set_option(tcp::no_delay(true), ec);
  }

  ~Session() {
    end_live();
    std::lock_guard<std::mutex> lock(srv_.mu);
    srv_.all.erase(all_it_);
    if (in_idle_) srv_.idle.erase(idle_it_);
    --srv_.open;
  }

  // Called once, right after construction (registry mutex not held).
  void start() {
    {
      std::lock_guard<std::mutex> lock(srv_.mu);
      all_it_ = srv_.all.insert(srv_.all.end(), weak_from_this());
    }
    net::dispatch(sock_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
  }

  // Posted by the server on stop(): idle or half-read connections close now, a request in
  // flight finishes and then closes.
  void on_stop() {
    if (state_ == State::Idle || state_ == State::Head) return close();
    if (state_ == State::Streaming) return res_.live->close();  // last chunk, then close
    keep_alive_ = false;
  }

  // Posted when the connection cap sheds this idle connection, or the drain deadline passed.
  // True when it closed the connection. An "idle" connection whose next bytes have arrived but
  // whose read has not completed yet is not shed: its request is on its way (the acceptor
  // picked it from the idle list before this strand read them).
  bool shed() {
    if (srv_.stopping.load()) {
      close();
      return true;
    }
    if (state_ != State::Idle) return false;
    error_code ec;
    if (sock_.available(ec) > 0 && !ec) return false;
    close();
    return true;
  }

  net::any_io_executor get_executor_for_shed() { return sock_.get_executor(); }

  void close() {
    if (state_ == State::Closed) return;
    const bool streaming = state_ == State::Streaming;
    state_ = State::Closed;
    unmark_idle();
    error_code ec;
    timer_.cancel();
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
    if (streaming) log_access(error_code());
    end_live();
  }

 private:
  enum class State { Idle, Head, Body, Handling, Writing, Streaming, Lingering, Closed };

  // ---- deadlines: one timer per connection, re-armed per phase
  void arm(Clock::time_point deadline) {
    timer_.expires_at(deadline);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (ec) return;  // re-armed or cancelled
      if (self->timer_.expiry() <= Clock::now()) self->on_deadline();
    });
  }
  // Not just cancel(): a deadline that expired while the phase's last read was completing has
  // its handler queued already (cancel cannot stop it) and would find the old, passed expiry
  // and cut a request that arrived in time. A far expiry makes that handler a no-op.
  void disarm() { timer_.expires_at(Clock::time_point::max()); }
  // A request whose head or body misses its deadline is answered 408 (Connection: close) and
  // the connection closed after it: the pending read is cancelled first, its completion then
  // sees the new state and does nothing. In any other phase (no byte of a request yet, a
  // handler, a write, the linger) a missed deadline closes the connection without an answer:
  // an idle one has no request to answer (and a 408 could cross a request the client is just
  // sending), and a peer that does not read its answer would not read a 408 either.
  void on_deadline() {
    if (state_ == State::Streaming) {
      // A live stream: a write still pending at its deadline means a client that does not
      // read; otherwise nothing was written for heartbeat_s seconds: write the heartbeat.
      if (live_writing_) return close();
      {
        std::lock_guard<std::mutex> lock(res_.live->mu_);
        res_.live->pending_ += res_.live->heartbeat_;
      }
      return flush_live();
    }
    if ((state_ == State::Head || state_ == State::Body) && !writing_continue_) {
      if (state_ == State::Head && req_.method.empty()) {
        // Beast parses the request line as soon as it is complete; before that it is still in
        // the buffer.
        const auto& partial = parser_->get();
        if (!partial.method_string().empty()) {
          req_.method = std::string(partial.method_string());
          const std::string target(partial.target());
          req_.path = target.substr(0, target.find('?'));
        } else {
          const auto data = buf_.cdata();
          partial_request_line(std::string_view(static_cast<const char*>(data.data()), data.size()),
                               req_.method, req_.path);
        }
      }
      error_code ec;
      sock_.cancel(ec);
      return refuse(408, state_ == State::Head ? "the request head was not received in time"
                                               : "the request body was not received in time");
    }
    close();
  }

  // ---- idle: no bytes of a next request yet
  void wait_for_request() {
    if (state_ == State::Closed) return;
    if (srv_.stopping.load() || !keep_alive_) return close();
    if (buf_.size() > 0) return read_head();  // pipelined: the next request is already here
    state_ = State::Idle;
    buf_.shrink_to_fit();  // an idle connection keeps only a small buffer
    mark_idle();
    // A fresh connection gets the head timeout to start; a kept-alive one the idle timeout.
    arm(Clock::now() + std::chrono::seconds(requests_ == 0 ? srv_.limits.head_timeout_s
                                                            : srv_.limits.idle_timeout_s));
    // A real read, not async_wait(wait_read): Asio starts a wait without trying it first, so
    // with edge-triggered epoll a request that arrived just before the wait was queued would
    // not wake it until the idle timeout.
    sock_.async_read_some(buf_.prepare(kIdleRead), [self = shared_from_this()](error_code ec, size_t n) {
      self->unmark_idle();
      if (ec || self->state_ == State::Closed) return self->close();
      self->buf_.commit(n);
      self->read_head();
    });
  }
  static constexpr size_t kIdleRead = 512;

  void mark_idle() {
    std::lock_guard<std::mutex> lock(srv_.mu);
    if (in_idle_) return;
    idle_it_ = srv_.idle.insert(srv_.idle.end(), weak_from_this());
    in_idle_ = true;
  }
  void unmark_idle() {
    std::lock_guard<std::mutex> lock(srv_.mu);
    if (!in_idle_) return;
    srv_.idle.erase(idle_it_);
    in_idle_ = false;
  }

  // ---- head
  void read_head() {
    state_ = State::Head;
    start_ = Clock::now();
    start_us_ = steady_us();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(srv_.limits.max_header_bytes));
    parser_->body_limit(boost::none);  // checked after the cheap checks, see on_head
    req_ = Request{};
    req_.remote = remote_;
    res_ = Response{};
    live_ended_ = false;
    arm(start_ + std::chrono::seconds(srv_.limits.head_timeout_s));
    bhttp::async_read_header(sock_, buf_, *parser_,
                             [self = shared_from_this()](error_code ec, size_t) {
                               self->on_head(ec);
                             });
  }

  void on_head(error_code ec) {
    if (state_ != State::Head) return;  // closed, or answered 408 at the head deadline
    ++requests_;
    {
      // What the peer sent of its request line, for the access log even when refused.
      const auto& partial = parser_->get();
      req_.method = std::string(partial.method_string());
      req_.target = std::string(partial.target());
      req_.path = req_.target.substr(0, req_.target.find('?'));
    }
    if (ec) {
      if (ec == bhttp::error::header_limit) return refuse(431, "the request head is too large");
      if (ec == bhttp::error::end_of_stream || ec == net::error::eof ||
          ec == net::error::operation_aborted || ec == net::error::connection_reset ||
          ec == net::error::bad_descriptor)
        return close();
      return refuse(400, "the request could not be parsed");
    }
    const auto& h = parser_->get();
    const bool target_ok = parse_target(req_.target, req_);
    keep_alive_ = keep_alive_ && h.keep_alive();
    // Strict checks the parser leaves to us.
    size_t count = 0;
    for (const auto& f : h) {
      ++count;
      if (!clean_value(f.value()) || !clean_value(f.name_string()))
        return refuse(400, "a header field holds a control character");
    }
    if (count > srv_.limits.max_header_fields) return refuse(431, "too many header fields");
    if (h.version() != 11 && h.version() != 10) return refuse(400, "unsupported HTTP version");
    const bool has_te = h.find(bhttp::field::transfer_encoding) != h.end();
    const bool has_cl = h.find(bhttp::field::content_length) != h.end();
    if (has_te && has_cl) return refuse(400, "both Transfer-Encoding and Content-Length");
    // Beast only asks that chunked be the last coding ("gzip, chunked" passes): anything but a
    // single field holding exactly "chunked" would leave a coded body read as plain.
    if (has_te && (h.count(bhttp::field::transfer_encoding) != 1 ||
                   !boost::beast::iequals(trim_ows(h[bhttp::field::transfer_encoding]), "chunked")))
      return refuse(400, "Transfer-Encoding other than chunked");
    if (h.count(bhttp::field::host) > 1) return refuse(400, "more than one Host");
    // RFC 9112 §3.2: an HTTP/1.1 request without Host, or any request with an invalid one (an
    // empty value included: the http URIs served here always have a host), is a 400.
    const auto host = h.find(bhttp::field::host);
    if (host == h.end() && h.version() == 11) return refuse(400, "an HTTP/1.1 request needs a Host");
    if (host != h.end() && !valid_host(host->value())) return refuse(400, "the Host is invalid");
    if (host != h.end() && srv_.limits.host_allowed &&
        !srv_.limits.host_allowed(std::string_view(host->value().data(), host->value().size()))) {
      res_.set_header("X-Content-Type-Options", "nosniff");
      res_.error(421, "unknown_host",
                 "this collector does not answer for that Host (see --public-host)");
      res_.close = true;
      return answer_now();
    }
    if (!target_ok) return refuse(400, "the request target is invalid");
    req_.headers = h.base();  // copies the fields
    req_.head = h.method() == bhttp::verb::head;
    const std::string method = req_.head ? "GET" : req_.method;
    req_.method = method;
    res_.set_header("X-Content-Type-Options", "nosniff");

    std::string allowed;
    endpoint_ = srv_.router.find(method, req_.path, allowed);
    if (!endpoint_) {
      if (!allowed.empty()) {
        res_.set_header("Allow", allowed);
        res_.error(405, "method_not_allowed", "method not allowed here");
      } else {
        res_.error(404, "not_found", "no such resource");
      }
      return answer_now();
    }
    // A body we cannot decode is refused before it is read, on every endpoint.
    const auto ce = h.find(bhttp::field::content_encoding);
    if (ce != h.end() && !boost::beast::iequals(ce->value(), "identity")) {
      res_.error(415, "unsupported_content_encoding",
                 "request bodies are accepted without Content-Encoding only");
      return answer_now();
    }
    // The endpoint's cheap checks (origin, key, rate, content type) on the head alone.
    for (const auto& check : endpoint_->checks) {
      bool pass = false;
      try {
        pass = check(req_, res_);
      } catch (...) {
        res_.error(500, "internal_error", "the request could not be handled");
      }
      if (!pass) return answer_now();
    }
    if (parser_->is_done()) return handle();
    // Now the body, with the limit enforced while reading (chunked included).
    const auto cl = parser_->content_length();
    if (cl && *cl > srv_.limits.max_body) return refuse_too_large();
    parser_->body_limit(srv_.limits.max_body);
    state_ = State::Body;
    arm(start_ + std::chrono::seconds(srv_.limits.request_timeout_s));
    if (boost::beast::iequals(h[bhttp::field::expect], "100-continue")) {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      writing_continue_ = true;
      net::async_write(sock_, net::buffer(kContinue, sizeof kContinue - 1),
                       [self = shared_from_this()](error_code wec, size_t) {
                         self->writing_continue_ = false;
                         if (self->state_ != State::Body) return;
                         if (wec) return self->close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(sock_, buf_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
      if (self->state_ != State::Body) return;  // closed, or answered 408 at the deadline
      if (ec == bhttp::error::body_limit || ec == bhttp::error::buffer_overflow)
        return self->refuse_too_large();
      if (ec == bhttp::error::bad_chunk || ec == bhttp::error::bad_chunk_extension)
        return self->refuse(400, "the chunked body could not be parsed");
      if (ec) return self->close();
      self->handle();
    });
  }

  void refuse_too_large() {
    res_.error(413, "payload_too_large",
               "the body is larger than " + std::to_string(srv_.limits.max_body / 1024) + " KiB");
    res_.close = true;
    answer_now();
  }

  // An answer from the HTTP layer itself (the request could not be read as one).
  void refuse(unsigned status, const std::string& message) {
    res_.set_header("X-Content-Type-Options", "nosniff");
    res_.error(status, reason_code(status), message);
    res_.close = true;
    answer_now();
  }

  // Answers without reading the body: a connection with an unread body is closed after.
  void answer_now() {
    if (!parser_ || !parser_->is_header_done() || !parser_->is_done()) res_.close = true;
    send();
  }

  // ---- handler
  void handle() {
    state_ = State::Handling;
    // The request is all in: its deadline no longer applies. A handler (a long query, an
    // export) is bounded by its own work, and the answer's writes get their own deadline.
    disarm();
    req_.body = std::move(parser_->release().body());
    bytes_in_ = req_.body.size();
    const Endpoint* ep = endpoint_;
    if (ep->handle_async) {
      // The handler hands its work on (e.g. to the SQLite writer) and calls `done` when the
      // answer is ready; the work guard keeps the event loop alive until then.
      auto guard = net::make_work_guard(sock_.get_executor());
      auto once = std::make_shared<std::atomic<bool>>(false);
      Done done = [self = shared_from_this(), guard, once]() mutable {
        if (once->exchange(true)) return;
        net::post(guard.get_executor(), [self] { self->send(); });
      };
      auto start = [self = shared_from_this(), ep, done, once, guard]() mutable {
        try {
          ep->handle_async(self->req_, self->res_, done);
        } catch (...) {
          if (!once->exchange(true)) {
            self->res_.stream = nullptr;
            self->res_.error(500, "internal_error", "the request could not be handled");
            net::post(guard.get_executor(), [self] { self->send(); });
          }
        }
      };
      // CPU-heavy first part (parsing, validation) on the worker pool, so one large body
      // never stalls the other connections of an io thread.
      if (ep->blocking && req_.body.size() >= ep->inline_below) net::post(srv_.workers, std::move(start));
      else start();
      return;
    }
    if (!ep->blocking) {
      run_handler(*ep, req_, res_);
      return send();
    }
    // The handler may wait (SQLite commit, queries, disk): run it on the worker pool and
    // post the answer back to this connection's strand. The work guard keeps the event
    // loop alive until it has come back.
    auto guard = net::make_work_guard(sock_.get_executor());
    net::post(srv_.workers, [self = shared_from_this(), ep, guard]() mutable {
      self->run_handler(*ep, self->req_, self->res_);
      net::post(guard.get_executor(), [self] { self->send(); });
      guard.reset();
    });
  }

  static void run_handler(const Endpoint& ep, const Request& req, Response& res) {
    try {
      ep.handle(req, res);
    } catch (...) {
      res.stream = nullptr;
      res.error(500, "internal_error", "the request could not be handled");
    }
  }

  // ---- answer
  void send() {
    if (state_ == State::Closed) return;
    state_ = State::Writing;
    if (res_.close || srv_.stopping.load()) keep_alive_ = false;
    if (res_.live) {
      if (res_.status == 200 && !req_.head && !srv_.stopping.load()) return send_live_head();
      end_live();  // answered otherwise (HEAD, an error): whoever holds the stream learns it
    }
    if (res_.stream && !req_.head) return send_stream_head();
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    fill(*msg);
    if (req_.head) {
      // Same head as GET, no body.
      const bool chunked = static_cast<bool>(res_.stream);
      const size_t n = res_.body.size();
      bytes_out_ = 0;
      auto empty = std::make_shared<bhttp::response<bhttp::empty_body>>();
      empty->result(msg->result());
      empty->version(msg->version());
      for (const auto& f : *msg) empty->set(f.name_string(), f.value());
      if (chunked) empty->set(bhttp::field::transfer_encoding, "chunked");
      else if (res_.status != 304 && res_.status != 204) empty->content_length(n);
      empty->keep_alive(keep_alive_);
      arm(Clock::now() + std::chrono::seconds(srv_.limits.write_timeout_s));
      bhttp::async_write(sock_, *empty, [self = shared_from_this(), empty](error_code ec, size_t) {
        self->on_written(ec);
      });
      return;
    }
    msg->body() = std::move(res_.body);
    bytes_out_ = msg->body().size();
    if (res_.status == 304 || res_.status == 204) {
      msg->body().clear();
      bytes_out_ = 0;
    } else {
      msg->prepare_payload();
    }
    msg->keep_alive(keep_alive_);
    arm(Clock::now() + std::chrono::seconds(srv_.limits.write_timeout_s));
    bhttp::async_write(sock_, *msg, [self = shared_from_this(), msg](error_code ec, size_t) {
      self->on_written(ec);
    });
  }

  template <class Msg>
  void fill(Msg& msg) {
    msg.version(11);
    msg.result(res_.status);
    for (const auto& [n, v] : res_.headers) msg.set(n, v);
  }

  void send_stream_head() {
    auto msg = std::make_shared<bhttp::response<bhttp::empty_body>>();
    fill(*msg);
    msg->chunked(true);
    msg->keep_alive(keep_alive_);
    auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*msg);
    arm(Clock::now() + std::chrono::seconds(srv_.limits.write_timeout_s));
    bhttp::async_write_header(sock_, *sr, [self = shared_from_this(), msg, sr](error_code ec, size_t) {
      if (ec) return self->on_written(ec);
      self->next_chunk();
    });
  }

  // ---- a live stream (LiveStream): head, then chunks as they are sent, until it ends
  void send_live_head() {
    auto msg = std::make_shared<bhttp::response<bhttp::empty_body>>();
    fill(*msg);
    msg->chunked(true);
    keep_alive_ = false;  // the connection ends with the stream
    msg->keep_alive(false);
    auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*msg);
    arm(Clock::now() + std::chrono::seconds(srv_.limits.write_timeout_s));
    bhttp::async_write_header(sock_, *sr, [self = shared_from_this(), msg, sr](error_code ec, size_t) {
      if (self->state_ == State::Closed) return;
      if (ec) {
        self->log_access(ec);
        return self->close();
      }
      self->start_live();
    });
  }

  void start_live() {
    state_ = State::Streaming;
    LiveStream& live = *res_.live;
    {
      std::lock_guard<std::mutex> lock(live.mu_);
      std::weak_ptr<Session> weak = weak_from_this();
      auto ex = sock_.get_executor();
      live.wake_ = [weak, ex] {
        net::post(ex, [weak] {
          if (auto self = weak.lock()) self->flush_live();
        });
      };
      live.wake_posted_ = true;  // flushed just below
    }
    watch_peer();
    flush_live();
  }

  // A client sends nothing on a stream; a pending read notices at once when it goes away
  // (EOF, reset). Whatever it does send is dropped.
  void watch_peer() {
    sock_.async_read_some(buf_.prepare(512), [self = shared_from_this()](error_code ec, size_t) {
      if (self->state_ != State::Streaming) return;
      if (ec) return self->close();
      self->buf_.clear();
      self->watch_peer();
    });
  }

  // Writes everything sent since the last write as one chunk; one write at a time.
  void flush_live() {
    if (state_ != State::Streaming || live_writing_) return;
    LiveStream& live = *res_.live;
    bool close_requested = false, overflow = false;
    live_out_.clear();
    {
      std::lock_guard<std::mutex> lock(live.mu_);
      live.wake_posted_ = false;
      live_out_.swap(live.pending_);
      close_requested = live.close_requested_;
      overflow = live.overflow_;
    }
    if (overflow) return close();
    if (live_out_.empty()) {
      if (close_requested) {
        live_writing_ = true;
        arm(Clock::now() + std::chrono::seconds(srv_.limits.write_timeout_s));
        net::async_write(sock_, bhttp::make_chunk_last(),
                         [self = shared_from_this()](error_code, size_t) {
                           self->live_writing_ = false;
                           self->close();
                         });
        return;
      }
      if (live.heartbeat_s_ > 0 && !live.heartbeat_.empty())
        arm(Clock::now() + std::chrono::seconds(live.heartbeat_s_));
      else
        disarm();
      return;
    }
    live_writing_ = true;
    bytes_out_ += live_out_.size();
    arm(Clock::now() + std::chrono::seconds(srv_.limits.write_timeout_s));
    net::async_write(sock_, bhttp::make_chunk(net::buffer(live_out_)),
                     [self = shared_from_this()](error_code ec, size_t) {
                       self->live_writing_ = false;
                       if (ec) return self->close();
                       self->flush_live();
                     });
  }

  // Marks the live stream ended (once) and tells whoever holds it (LiveStream::on_end).
  void end_live() {
    if (!res_.live || live_ended_) return;
    live_ended_ = true;
    std::function<void()> f;
    {
      std::lock_guard<std::mutex> lock(res_.live->mu_);
      res_.live->ended_ = true;
      res_.live->wake_ = nullptr;
      res_.live->pending_.clear();
      f = std::move(res_.live->on_end_);
      res_.live->on_end_ = nullptr;
    }
    if (f) {
      try {
        f();
      } catch (...) {
      }
    }
  }

  // Produces the next chunk on the worker pool; writes it on the strand.
  void next_chunk() {
    disarm();
    auto guard = net::make_work_guard(sock_.get_executor());
    net::post(srv_.workers, [self = shared_from_this(), guard]() mutable {
      int more = -1;
      self->chunk_.clear();
      try {
        more = self->res_.stream(self->chunk_);
      } catch (...) {
        more = -1;
      }
      net::post(guard.get_executor(), [self, more] { self->write_chunk(more); });
      guard.reset();
    });
  }

  void write_chunk(int more) {
    if (state_ == State::Closed) return;
    if (more < 0) {
      keep_alive_ = false;  // the body is incomplete: the peer sees no last chunk
      return on_written(net::error::operation_aborted);
    }
    arm(Clock::now() + std::chrono::seconds(srv_.limits.write_timeout_s));
    auto done = [self = shared_from_this(), more](error_code ec, size_t) {
      if (ec) return self->on_written(ec);
      if (more == 0) {
        self->res_.stream = nullptr;
        return self->on_written(ec);
      }
      self->next_chunk();
    };
    bytes_out_ += chunk_.size();
    if (more == 0) {
      if (chunk_.empty()) {
        net::async_write(sock_, bhttp::make_chunk_last(), std::move(done));
      } else {
        net::async_write(sock_, bhttp::make_chunk(net::buffer(chunk_)),
                         [self = shared_from_this(), done](error_code ec, size_t n) mutable {
                           if (ec) return done(ec, n);
                           net::async_write(self->sock_, bhttp::make_chunk_last(), done);
                         });
      }
    } else if (chunk_.empty()) {
      next_chunk();
    } else {
      net::async_write(sock_, bhttp::make_chunk(net::buffer(chunk_)), std::move(done));
    }
  }

  void on_written(error_code ec) {
    log_access(ec);
    if (ec) return close();
    res_.stream = nullptr;
    req_ = Request{};
    parser_.reset();
    if (!keep_alive_) return linger();
    wait_for_request();
  }

  // Closing with unread request bytes would reset the connection and could destroy the answer
  // before the peer reads it: send FIN, then discard what still arrives until the peer closes,
  // for at most 2 s and 32 MiB (a peer still sending after that is not reading us anyway).
  void linger() {
    state_ = State::Lingering;
    error_code ec;
    sock_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    buf_.clear();
    linger_left_ = 32 * 1024 * 1024;
    arm(Clock::now() + std::chrono::seconds(2));
    discard();
  }
  void discard() {
    buf_.clear();
    sock_.async_read_some(buf_.prepare(64 * 1024), [self = shared_from_this()](error_code ec, size_t n) {
      if (ec || n >= self->linger_left_ || self->state_ == State::Closed) return self->close();
      self->linger_left_ -= n;
      self->discard();
    });
  }

  void log_access(error_code ec) {
    if (srv_.log) {
      AccessRecord r;
      r.remote = remote_;
      r.method = req_.head ? std::string("HEAD") : req_.method;
      r.path = req_.path;
      r.status = res_.status;
      r.bytes_in = bytes_in_;
      r.bytes_out = bytes_out_;
      r.ms = (steady_us() - start_us_) / 1000.0;
      r.results = &res_.log_results;
      r.aborted = static_cast<bool>(ec);
      srv_.log(r);
    }
    bytes_in_ = bytes_out_ = 0;
  }

  Server::Impl& srv_;
  tcp::socket sock_;
  net::steady_timer timer_;
  boost::beast::flat_buffer buf_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Request req_;
  Response res_;
  const Endpoint* endpoint_ = nullptr;
  std::string chunk_;
  std::string live_out_;        // a live stream's chunk being written
  bool live_writing_ = false;
  bool live_ended_ = false;
  std::string remote_;
  State state_ = State::Idle;
  bool keep_alive_ = true;
  bool writing_continue_ = false;  // "100 Continue" being written: a deadline then just closes
  uint64_t requests_ = 0;
  size_t bytes_in_ = 0, bytes_out_ = 0;
  size_t linger_left_ = 0;
  Clock::time_point start_;
  double start_us_ = 0;

 public:
  // Guarded by srv_.mu.
  std::list<std::weak_ptr<Session>>::iterator all_it_, idle_it_;
  bool in_idle_ = false;
};

template <class F>
void Server::Impl::for_each_session(F f) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mu);
    live.reserve(all.size());
    for (auto& w : all)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) f(s);
}

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](error_code ec, tcp::socket sock) {
    on_accept(ec, std::move(sock));
  });
}

void Server::Impl::on_accept(error_code ec, tcp::socket sock) {
  if (stopping.load() || !acceptor.is_open()) return;
  if (ec) {
    // Out of descriptors (or a transient error): shed an idle connection and retry shortly
    // rather than spinning.
    if (ec == net::error::no_descriptors) {
      std::shared_ptr<Session> victim;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!idle.empty()) victim = idle.front().lock();
      }
      if (victim) net::post(victim->get_executor_for_shed(), [victim] { victim->shed(); });
    }
    auto t = std::make_shared<net::steady_timer>(acceptor.get_executor(), std::chrono::milliseconds(20));
    t->async_wait([this, t](error_code) { accept(); });
    return;
  }
  std::shared_ptr<Session> victim;
  bool refuse = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (open >= limits.max_connections) {
      // At the cap: the connection idle the longest makes room; with none idle, the new one
      // is refused.
      while (!idle.empty() && !victim) {
        victim = idle.front().lock();
        if (victim) {
          idle.pop_front();
          victim->in_idle_ = false;
        } else {
          break;
        }
      }
      if (!victim) refuse = true;
    }
    if (!refuse) ++open;
  }
  if (victim) {
    // The new connection waits for the victim's strand: only a victim that really closed makes
    // room. One that became busy meanwhile (its request's bytes were already on their way)
    // keeps its place, and the new connection gets the 503 that "nothing idle" gets; it was
    // counted open above, so it gives that back.
    auto pending = std::make_shared<tcp::socket>(std::move(sock));
    net::post(victim->get_executor_for_shed(), [this, victim, pending] {
      if (victim->shed()) {
        shed.fetch_add(1);
        std::make_shared<Session>(*this, std::move(*pending))->start();
        return;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        --open;
      }
      refused.fetch_add(1);
      refuse_overloaded(std::move(*pending));
    });
  } else if (refuse) {
    refused.fetch_add(1);
    refuse_overloaded(std::move(sock));
  } else {
    std::make_shared<Session>(*this, std::move(sock))->start();
  }
  accept();
}

// At the cap with nothing idle to shed: one non-blocking write of a fixed 503 (it fits any
// socket buffer; a short write just cuts it), FIN, then whatever the client has already sent
// is dropped unread (closing with it unread would send a reset that can destroy the answer
// before the client reads it) and the socket is closed. The request is never parsed and
// nothing waits: this runs on the acceptor's strand, or on the strand of an idle connection
// that could not be shed after all (on_accept).
void Server::Impl::refuse_overloaded(tcp::socket sock) {
  static const std::string answer = [] {
    const std::string body = error_body(
        "overloaded", "the server is at its connection limit; retry after 1 s", "");
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Retry-After: 1\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n"
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  const double start_us = steady_us();
  error_code ec;
  AccessRecord r;
  const auto ep = sock.remote_endpoint(ec);
  if (!ec) r.remote = ep.address().to_string();
  sock.non_blocking(true, ec);
  size_t written = 0;
  if (!ec) written = sock.write_some(net::buffer(answer), ec);
  r.aborted = written < answer.size();
  sock.shutdown(tcp::socket::shutdown_send, ec);
  char sink[4096];
  for (int i = 0; i < 16; ++i) {  // at most 64 KiB, only what is already there
    error_code rec;
    if (sock.available(rec) == 0 || rec) break;
    sock.read_some(net::buffer(sink), rec);
    if (rec) break;
  }
  sock.close(ec);
  if (log) {
    r.status = 503;
    r.bytes_out = written;
    r.ms = (steady_us() - start_us) / 1000.0;
    log(r);
  }
}

void Server::Impl::begin_stop() {
  if (stopping.exchange(true)) return;
  error_code ec;
  acceptor.close(ec);
  for_each_session([](const std::shared_ptr<Session>& s) {
    net::post(s->get_executor_for_shed(), [s] { s->on_stop(); });
  });
  drain_deadline = Clock::now() + std::chrono::seconds(limits.shutdown_timeout_s);
  drain_tick();
}

void Server::Impl::drain_tick() {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (open == 0) return;
  }
  if (Clock::now() >= drain_deadline) {
    for_each_session([](const std::shared_ptr<Session>& s) {
      net::post(s->get_executor_for_shed(), [s] { s->close(); });
    });
    return;
  }
  drain_timer.expires_after(std::chrono::milliseconds(20));
  drain_timer.async_wait([this](error_code ec) {
    if (!ec) drain_tick();
  });
}

Server::Server(const Limits& limits, const Router& router, AccessLog log)
    : impl_(std::make_unique<Impl>(limits, router, std::move(log))) {}

Server::~Server() {
  impl_->workers.join();
}

int Server::listen(const std::string& host, int port, std::string& error) {
  error_code ec;
  const auto addr = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    error = "invalid listen address " + host;
    return -1;
  }
  const tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error = ec.message();
    return -1;
  }
  return a.local_endpoint().port();
}

namespace {

// An exception escaping a completion handler (only std::bad_alloc is expected) must not end
// the process: the loop goes on with the remaining work.
void run_loop(net::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "session-rating-collector: event loop: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "session-rating-collector: event loop: unknown exception\n");
    }
  }
}

}  // namespace

void Server::run() {
  net::dispatch(impl_->acceptor.get_executor(), [this] { impl_->accept(); });
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->limits.io_threads; ++i)
    threads.emplace_back([this] { run_loop(impl_->ioc); });
  run_loop(impl_->ioc);
  for (auto& t : threads) t.join();
  impl_->workers.join();
}

void Server::stop() {
  net::post(impl_->acceptor.get_executor(), [this] { impl_->begin_stop(); });
}

}  // namespace collector::http
