// The webhook delivery worker. HTTP client: Boost.Beast on Boost.Asio, already the collector's
// HTTP layer (header-only in libboost1.81-dev): one async exchange per delivery on the
// worker's own event loop, with beast::tcp_stream's deadline covering connect, write and read
// (--webhook-timeout, 10 s). libcurl would add a library for one POST; Beast's strict parser
// bounds the answer (only its status is used). Signatures: OpenSSL's HMAC (SHA-256).
#include "webhooks.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <optional>
#include <map>
#include <random>
#include <type_traits>
#include <set>
#include <thread>
#include <vector>

#include "app.h"

namespace collector {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

std::string WebhookWorker::signature(const std::string& secret, const std::string& id,
                                     int64_t timestamp_s, const std::string& body) {
  const std::string msg = id + "." + std::to_string(timestamp_s) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len))
    return "";
  static const char* hex = "0123456789abcdef";
  std::string out = "v1=";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[mac[i] >> 4]);
    out.push_back(hex[mac[i] & 15]);
  }
  return out;
}

std::string WebhookWorker::body(const std::string& delivery_id, const std::string& type,
                                int64_t created_at, const std::string& record) {
  // Built from the stored row alone, so every retry sends the same bytes.
  return "{\"created_at\":" + std::to_string(created_at) + ",\"data\":" + record +
         ",\"id\":\"" + delivery_id + "\",\"type\":\"" + type + "\"}";
}

int64_t WebhookWorker::backoff_ms(int64_t attempts, int64_t base_ms) {
  int64_t d = base_ms;
  for (int64_t i = 1; i < attempts && d < kMaxDelayMs; ++i) d *= 2;
  return d < kMaxDelayMs ? d : kMaxDelayMs;
}

namespace {

using Row = OutboxRow;

struct Url {
  std::string scheme, host, port, target;
};

// http(s)://host[:port][/path] — false for anything else.
bool parse_url(const std::string& url, Url& out, std::string& error) {
  const auto sep = url.find("://");
  if (sep == std::string::npos) {
    error = "the endpoint URL has no scheme";
    return false;
  }
  out.scheme = url.substr(0, sep);
  if (out.scheme != "http" && out.scheme != "https") {
    error = "unsupported URL scheme";
    return false;
  }
  const std::string rest = url.substr(sep + 3);
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto at = authority.rfind('@');
  if (at != std::string::npos) authority = authority.substr(at + 1);
  if (!authority.empty() && authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) {
      error = "bad IPv6 literal in the endpoint URL";
      return false;
    }
    out.host = authority.substr(1, close - 1);
    out.port = close + 2 <= authority.size() ? authority.substr(close + 2) : "";
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    out.port = colon == std::string::npos ? "" : authority.substr(colon + 1);
  }
  if (out.port.empty()) out.port = out.scheme == "https" ? "443" : "80";
  if (out.host.empty()) {
    error = "the endpoint URL has no host";
    return false;
  }
  return true;
}

// One POST: resolve, connect, (TLS handshake: SNI, peer verified against the system's CA
// store and the URL's host name), write, read the answer's head and (bounded) body.
struct ExchangeBase {
  virtual ~ExchangeBase() = default;
  bhttp::request<bhttp::string_body> req;
  std::chrono::steady_clock::time_point deadline;
  std::function<void(unsigned status, std::string error)> done;
  virtual void run(const Url& url) = 0;
};

// Plain http connections are kept alive between deliveries (a pool per host:port, see
// WebhookWorker::Impl::idle); a pooled connection the receiver has closed meanwhile fails on
// write or before the answer's head, and the exchange is then made once more on a new one.
template <bool kTls>
struct Exchange : ExchangeBase, std::enable_shared_from_this<Exchange<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;
  Exchange(net::io_context& ioc, net::ssl::context& ctx) : io(ioc), tls(ctx), resolver(ioc) {
    fresh_stream();
  }
  net::io_context& io;
  net::ssl::context& tls;
  tcp::resolver resolver;
  std::unique_ptr<Stream> stream;
  beast::flat_buffer buf;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  bool finished = false;
  bool reused = false;  // the stream came from the pool
  Url url;
  std::function<void(std::unique_ptr<beast::tcp_stream>)> give_back;  // http only

  void fresh_stream() {
    if constexpr (kTls) stream = std::make_unique<Stream>(io, tls);
    else stream = std::make_unique<Stream>(io);
  }
  void adopt(std::unique_ptr<Stream> s) {
    stream = std::move(s);
    reused = true;
  }

  beast::tcp_stream& low() { return beast::get_lowest_layer(*stream); }

  void close_stream() {
    error_code ec;
    low().socket().shutdown(tcp::socket::shutdown_both, ec);
    low().close();
  }

  void finish(unsigned status, std::string error) {
    if (finished) return;
    finished = true;
    bool kept = false;
    if constexpr (!kTls) {
      if (error.empty() && give_back && parser && parser->is_done() && parser->get().keep_alive()) {
        low().expires_never();
        give_back(std::move(stream));
        kept = true;
      }
    }
    if (!kept) close_stream();
    done(status, std::move(error));
  }

  // A pooled connection failed before an answer: once more on a new connection.
  void retry_fresh() {
    close_stream();
    fresh_stream();
    reused = false;
    buf.consume(buf.size());
    connect();
  }

  void run(const Url& u) override {
    url = u;
    if (reused) return send();
    connect();
  }

  void connect() {
    auto self = this->shared_from_this();
    // Resolving has no deadline of its own: a timer cancels it.
    auto timer = std::make_shared<net::steady_timer>(resolver.get_executor());
    timer->expires_at(deadline);
    timer->async_wait([self](error_code ec) {
      if (!ec) self->resolver.cancel();
    });
    if constexpr (kTls) {
      if (!SSL_set_tlsext_host_name(stream->native_handle(), url.host.c_str()))
        return finish(0, "tls: cannot set the server name");
      stream->set_verify_mode(net::ssl::verify_peer);
      stream->set_verify_callback(net::ssl::host_name_verification(url.host));
    }
    resolver.async_resolve(url.host, url.port, [self, timer](error_code ec, tcp::resolver::results_type r) {
      timer->cancel();
      if (ec) return self->finish(0, "resolve: " + ec.message());
      self->low().expires_at(self->deadline);
      self->low().async_connect(r, [self](error_code ec2, const tcp::endpoint&) {
        if (ec2) return self->finish(0, "connect: " + ec2.message());
        if constexpr (kTls) {
          self->low().expires_at(self->deadline);
          self->stream->async_handshake(net::ssl::stream_base::client, [self](error_code ec3) {
            if (ec3) return self->finish(0, "tls: " + ec3.message());
            self->send();
          });
        } else {
          self->send();
        }
      });
    });
  }

  void send() {
    auto self = this->shared_from_this();
    low().expires_at(deadline);
    bhttp::async_write(*stream, req, [self](error_code ec, size_t) {
      if (ec && self->reused) return self->retry_fresh();
      if (ec) return self->finish(0, "write: " + ec.message());
      self->parser.emplace();
      self->parser->body_limit(64 * 1024);
      self->low().expires_at(self->deadline);
      bhttp::async_read(*self->stream, self->buf, *self->parser, [self](error_code ec2, size_t) {
        // An answer too large to read still has a status; so has one cut after its head
        // (a TLS peer closing without close_notify).
        if (ec2 && !self->parser->is_header_done() && self->reused) return self->retry_fresh();
        if (ec2 && !self->parser->is_header_done()) return self->finish(0, "read: " + ec2.message());
        self->finish(self->parser->get().result_int(), "");
      });
    });
  }
};

}  // namespace

struct WebhookWorker::Impl : std::enable_shared_from_this<WebhookWorker::Impl> {
  explicit Impl(App& a) : app(a), timer(ioc), tls(net::ssl::context::tls_client), rng(std::random_device{}()) {
    error_code ec;
    tls.set_default_verify_paths(ec);  // the system's CA store (SSL_CERT_FILE / SSL_CERT_DIR honoured)
  }
  App& app;
  net::io_context ioc;
  net::steady_timer timer;
  net::ssl::context tls;
  std::unique_ptr<ReadConn> db;  // which rows are due (a leased read connection)
  std::set<int64_t> in_flight;  // row ids sent or being recorded
  std::atomic<bool> poke_posted{false};
  std::atomic<bool> stopped{false};
  std::mt19937_64 rng;
  std::thread thread;
  static constexpr size_t kParallel = 16;
  // Kept-alive http connections per "host:port", at most kParallel each (io thread only).
  std::map<std::string, std::vector<std::unique_ptr<beast::tcp_stream>>> idle;

  void schedule(std::chrono::milliseconds after) {
    timer.expires_after(after);
    timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->poll();
    });
  }

  void poll() {
    if (stopped.load()) return;
    std::chrono::milliseconds next(1000);
    if (!db) {
      std::string error;
      db = app.store->read(error);
    }
    if (db && in_flight.size() < kParallel) {
      const int64_t now = app.clock.now_ms();
      std::vector<Row> due, rows;
      const size_t free = kParallel - in_flight.size();
      // Claimed rows are leased (PostgreSQL, several processes): for lease_ms(), no other
      // process sends them; a process that dies holding a lease loses it when it passes.
      const int64_t limit = static_cast<int64_t>(db->outbox_claims() ? free : free + in_flight.size());
      // On an error (the database restarted or unreachable): none now, and the connection
      // goes back to the pool, so the next poll leases one that works (the pool reopens it).
      if (!db->outbox_due(now, now + lease_ms(), limit, due)) db.reset();
      for (Row& r : due) {
        if (in_flight.size() + rows.size() >= kParallel) break;
        if (in_flight.count(r.id)) continue;
        rows.push_back(std::move(r));
      }
      for (Row& r : rows) deliver(std::move(r));
      // The next row that falls due (retries), if sooner than a second from now.
      const std::optional<int64_t> soon = db ? db->outbox_next_due(now) : std::nullopt;
      if (soon) {
        const int64_t wait = *soon - now;
        if (wait < next.count()) next = std::chrono::milliseconds(wait < 1 ? 1 : wait);
      }
    }
    schedule(next);
  }

  // How long a claimed row stays leased to this process: three times --webhook-timeout
  // (which bounds one delivery from connect to answer), leaving the rest to record the result.
  int64_t lease_ms() const { return 3 * static_cast<int64_t>(app.opts.webhook_timeout_s) * 1000; }

  void deliver(Row row) {
    in_flight.insert(row.id);
    WebhookEndpoint endpoint;
    bool found = false;
    for (const WebhookEndpoint& e : app.site.webhooks()) {
      if (e.id == row.endpoint_id) {
        endpoint = e;
        found = true;
      }
    }
    // Another process may have added the endpoint and enqueued the row before this one heard
    // of the change (sr_site): the stored document decides before the row is given up.
    if (!found && db) {
      std::string doc, error;
      int64_t updated_at = 0;
      SiteConfig stored;
      if (db->get_site(doc, updated_at) && stored.load(doc, updated_at, error)) {
        for (const WebhookEndpoint& e : stored.webhooks()) {
          if (e.id == row.endpoint_id) {
            endpoint = e;
            found = true;
          }
        }
      }
    }
    if (!found) return record(row, 0, "the endpoint is no longer configured", true);
    Url url;
    std::string error;
    if (!parse_url(endpoint.url, url, error)) return record(row, 0, error, false);
    std::shared_ptr<ExchangeBase> ex;
    const bool https = url.scheme == "https";
    if (https) {
      ex = std::make_shared<Exchange<true>>(ioc, tls);
    } else {
      auto plain = std::make_shared<Exchange<false>>(ioc, tls);
      const std::string key = url.host + ":" + url.port;
      auto& pool = idle[key];
      if (!pool.empty()) {
        plain->adopt(std::move(pool.back()));
        pool.pop_back();
      }
      plain->give_back = [self = shared_from_this(), key](std::unique_ptr<beast::tcp_stream> s) {
        auto& p = self->idle[key];
        if (p.size() < kParallel && !self->stopped.load()) p.push_back(std::move(s));
      };
      ex = plain;
    }
    const int64_t ts = app.clock.now_ms() / 1000;
    auto& req = ex->req;
    req.method(bhttp::verb::post);
    req.target(url.target);
    req.version(11);
    req.set(bhttp::field::host, url.port == "80" ? url.host : url.host + ":" + url.port);
    req.set(bhttp::field::user_agent, "session-rating-collector");
    req.set(bhttp::field::content_type, "application/json");
    if (https) req.set(bhttp::field::connection, "close");  // http: kept alive (pooled)
    req.set("Webhook-Id", row.delivery_id);
    req.set("Webhook-Timestamp", std::to_string(ts));
    req.body() = body(row.delivery_id, row.type, row.created_at, row.data);
    req.set("Webhook-Signature", signature(endpoint.secret, row.delivery_id, ts, req.body()));
    req.prepare_payload();
    ex->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(app.opts.webhook_timeout_s);
    ex->done = [self = shared_from_this(), row](unsigned status, std::string err) {
      if (status >= 200 && status < 300) return self->record(row, status, "", false);
      if (err.empty()) err = "answered " + std::to_string(status);
      self->record(row, status, err, false);
    };
    ex->run(url);
  }

  // Records an attempt's outcome through the writer; the row leaves in_flight once stored.
  void record(const Row& row, unsigned status, const std::string& error, bool give_up) {
    const int64_t now = app.clock.now_ms();
    const bool ok = error.empty();
    std::string state = "pending";
    int64_t next_at = 0, done_at = 0;
    const int64_t attempts = row.attempts + 1;
    if (ok) {
      state = "delivered";
      done_at = now;
    } else if (give_up || now >= row.created_at + kGiveUpMs) {
      state = "failed";
      done_at = now;
    } else {
      const int64_t d = backoff_ms(attempts, app.opts.webhook_backoff_ms);
      std::uniform_int_distribution<int64_t> jitter(d / 2, d);
      next_at = std::min(now + jitter(rng), row.created_at + kGiveUpMs);
    }
    std::string line;
    if (app.opts.access_log) {
      json j = {{"event", "webhook"}, {"delivery_id", row.delivery_id},
                {"endpoint", row.endpoint_id}, {"type", row.type},
                {"rating_id", row.rating_id}, {"revision", row.revision},
                {"status", state}, {"attempts", attempts}};
      if (status) j["http_status"] = status;
      if (!ok) j["error"] = error;
      line = dump(j);
    }
    const int64_t id = row.id;
    app.writer->submit_async(
        [=](WriteTx& tx) { tx.outbox_result(id, state, attempts, next_at, error, done_at); },
        [self = shared_from_this(), id, line](bool stored) {
          // Logged once the outcome is stored (a line never runs ahead of the table).
          if (stored && !line.empty()) log_line(line);
          // Stored or not (then it is still pending and is sent again): free the row and look
          // for the next one (the rating's next row may be due now).
          net::post(self->ioc, [self, id] {
            self->in_flight.erase(id);
            self->poll_soon();
          });
        });
  }

  void poll_soon() {
    if (poke_posted.exchange(true)) return;
    net::post(ioc, [self = shared_from_this()] {
      self->poke_posted.store(false);
      self->timer.cancel();
      self->poll();
    });
  }
};

WebhookWorker::WebhookWorker(App& app) : impl_(std::make_shared<Impl>(app)) {
  auto impl = impl_;
  impl->schedule(std::chrono::milliseconds(0));
  impl->thread = std::thread([impl] {
    auto guard = net::make_work_guard(impl->ioc);
    for (;;) {
      try {
        impl->ioc.run();
        return;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "session-rating-collector: webhooks: %s\n", e.what());
      }
    }
  });
}

WebhookWorker::~WebhookWorker() { stop(); }

void WebhookWorker::poke() {
  if (impl_ && !impl_->stopped.load()) impl_->poll_soon();
}

void WebhookWorker::stop() {
  if (!impl_ || impl_->stopped.exchange(true)) return;
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->db.reset();
}

}  // namespace collector
