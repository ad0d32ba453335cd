#include "http.h"

#include <httplib.h>

#include <cstdio>
#include <exception>
#include <sys/stat.h>

#include "json_util.h"
#include "queries.h"

namespace collector {

namespace {

constexpr size_t kMaxBody = 64 * 1024;
constexpr const char* kJson = "application/json";

// Per request, set by handlers and read by the access log (same thread).
thread_local double t_start_us = 0;
thread_local std::string t_log_note;

std::mutex g_log_mu;

void log_line(const json& line) {
  const std::string text = dump(line);
  std::lock_guard<std::mutex> lock(g_log_mu);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

bool equal_const_time(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff = static_cast<unsigned char>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

std::string bearer(const httplib::Request& req) {
  const std::string h = req.get_header_value("Authorization");
  if (h.size() > 7 && (h.compare(0, 7, "Bearer ") == 0 || h.compare(0, 7, "bearer ") == 0))
    return h.substr(7);
  return "";
}

void send_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message, const std::string& path = "") {
  res.status = status;
  res.set_content(error_body(code, message, path), kJson);
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

// ---- App --------------------------------------------------------------------------------

App::App(Options o) : opts(std::move(o)) {
  clock.set_offset_ms(opts.clock_offset_ms);
  limiter = std::make_unique<RateLimiter>(opts.rate_limit, opts.rate_burst);
}

bool App::open(std::string& error) {
  auto db = Db::open(opts.db_path, opts.synchronous, false, error);
  if (!db) {
    error = "cannot open database " + opts.db_path + ": " + error;
    return false;
  }
  if (!migrate(*db, error)) return false;
  std::string doc;
  int64_t updated_at = 0;
  if (!get_site(*db, doc, updated_at)) {
    error = "cannot read site config: " + db->last_error();
    return false;
  }
  if (!site.load(doc, updated_at, error)) return false;
  writer = std::make_unique<WriteQueue>(std::move(db));
  checkpointer = std::make_unique<Checkpointer>(opts.db_path, 500);
  reads = std::make_unique<ReadPool>(opts.db_path, opts.synchronous);
  ingestor = std::make_unique<Ingestor>(*writer, clock, site);
  started_ms = clock.now_ms();
  return true;
}

int64_t App::finalise_due() {
  int64_t changed = -1;
  const int64_t now = clock.now_ms();
  const bool ok = writer->submit([&](WriteTx& tx) { changed = tx.finalise_due(now); });
  return ok ? changed : -1;
}

void App::close() {
  if (checkpointer) checkpointer->stop();
  if (writer) writer->stop();
  if (reads) reads->close_all();
}

// ---- Finaliser --------------------------------------------------------------------------

Finaliser::Finaliser(App& app, int interval_s) : app_(app), interval_s_(interval_s) {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(interval_s_), [this] { return stopping_; })) {
      lock.unlock();
      const int64_t n = app_.finalise_due();
      if (n != 0) log_line({{"event", "finalise"}, {"finalised", n}});
      lock.lock();
    }
  });
}

Finaliser::~Finaliser() { stop(); }

void Finaliser::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// ---- HttpServer -------------------------------------------------------------------------

HttpServer::HttpServer(App& app) : app_(app), svr_(std::make_unique<httplib::Server>()) {
  const size_t threads = static_cast<size_t>(app_.opts.threads);
  svr_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr_->set_payload_max_length(kMaxBody);
  svr_->set_keep_alive_max_count(1000);
  svr_->set_keep_alive_timeout(2);  // idle keep-alive connections hold a worker thread
  svr_->set_read_timeout(10);
  svr_->set_write_timeout(10);
  svr_->set_tcp_nodelay(true);
  routes();
}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  if (app_.opts.port == 0) return svr_->bind_to_any_port(app_.opts.host);
  return svr_->bind_to_port(app_.opts.host, app_.opts.port) ? app_.opts.port : -1;
}

bool HttpServer::run() { return svr_->listen_after_bind(); }

void HttpServer::stop() { svr_->stop(); }

void HttpServer::routes() {
  App& app = app_;
  httplib::Server& svr = *svr_;

  // Origin policy: requests without Origin (servers, curl) and same-origin pages pass; a
  // browser page elsewhere must be listed with --allow-origin.
  auto origin_allowed = [&app](const httplib::Request& req) {
    if (!req.has_header("Origin")) return true;
    const std::string origin = req.get_header_value("Origin");
    const std::string host = req.get_header_value("Host");
    if (!host.empty() && origin == "http://" + host) return true;
    for (const auto& o : app.opts.allow_origins)
      if (o == origin) return true;
    return false;
  };
  auto cors = [origin_allowed](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Vary", "Origin");
    if (req.has_header("Origin") && origin_allowed(req)) {
      res.set_header("Access-Control-Allow-Origin", req.get_header_value("Origin"));
      // The widget's outbox reads Retry-After on a 429 to back off.
      res.set_header("Access-Control-Expose-Headers", "Retry-After");
    }
  };
  auto admin = [&app](const httplib::Request& req, httplib::Response& res) {
    if (equal_const_time(bearer(req), app.opts.admin_token)) return true;
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "unauthorized", "admin calls need Authorization: Bearer ADMIN_TOKEN");
    return false;
  };
  // Wraps a handler: no exception escapes, every failure is a JSON error.
  using H = std::function<void(const httplib::Request&, httplib::Response&)>;
  auto guard = [](H h) {
    return [h](const httplib::Request& req, httplib::Response& res) {
      try {
        h(req, res);
      } catch (const std::exception&) {
        send_error(res, 500, "internal_error", "the request could not be handled");
      } catch (...) {
        send_error(res, 500, "internal_error", "the request could not be handled");
      }
    };
  };

  svr.set_pre_routing_handler([](const httplib::Request&, httplib::Response& res) {
    t_start_us = steady_us();
    t_log_note.clear();
    res.set_header("X-Content-Type-Options", "nosniff");
    return httplib::Server::HandlerResponse::Unhandled;
  });

  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    send_error(res, 500, "internal_error", "the request could not be handled");
  });

  // Errors raised by httplib itself (404, 413, 400 ...) get a JSON body too.
  svr.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404: send_error(res, 404, "not_found", "no such resource"); break;
      case 413:
        send_error(res, 413, "payload_too_large",
                   "the body is larger than " + std::to_string(kMaxBody / 1024) + " KiB");
        break;
      case 405: send_error(res, 405, "method_not_allowed", "method not allowed here"); break;
      default: send_error(res, res.status, "bad_request", "the request could not be read"); break;
    }
  });

  if (app.opts.access_log) {
    svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      json line = {{"t", Clock().now_ms()},
                   {"remote", req.remote_addr},
                   {"method", req.method},
                   {"path", req.path},  // never the query string: it may hold the write key
                   {"status", res.status},
                   {"bytes_in", req.body.size()},
                   {"bytes_out", res.body.size()}};
      if (t_start_us > 0) line["ms"] = (steady_us() - t_start_us) / 1000.0;
      if (!t_log_note.empty()) line["results"] = parse_json(t_log_note);
      t_start_us = 0;
      log_line(line);
    });
  }

  // ---- CORS preflight
  svr.Options(R"(/v1/.*)", guard([origin_allowed](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Vary", "Origin");
    if (!origin_allowed(req)) {
      send_error(res, 403, "origin_not_allowed", "this origin may not call the collector");
      return;
    }
    if (req.has_header("Origin"))
      res.set_header("Access-Control-Allow-Origin", req.get_header_value("Origin"));
    res.set_header("Access-Control-Allow-Methods", "GET, POST, PATCH, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
    res.set_header("Access-Control-Max-Age", "600");
    res.status = 204;
  }));

  // ---- POST /v1/ratings
  svr.Post("/v1/ratings", guard([&app, origin_allowed, cors](const httplib::Request& req,
                                                             httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    if (!origin_allowed(req)) {
      send_error(res, 403, "origin_not_allowed", "this origin may not post ratings");
      return;
    }
    cors(req, res);
    std::string key = bearer(req);
    if (key.empty() && req.has_param("key")) key = req.get_param_value("key");
    bool key_ok = false;
    for (const auto& k : app.opts.write_keys) key_ok = key_ok || equal_const_time(key, k);
    if (!key_ok) {
      send_error(res, 401, "unauthorized",
                 "a valid write key is needed (Authorization: Bearer KEY or ?key=KEY)");
      return;
    }
    int64_t retry_after = 0;
    if (!app.limiter->take(key, steady_ms(), retry_after)) {
      res.set_header("Retry-After", std::to_string(retry_after));
      send_error(res, 429, "rate_limited", "too many requests for this write key; retry later");
      return;
    }
    const std::string type = req.get_header_value("Content-Type");
    if (!type.empty() && type.rfind("text/plain", 0) != 0 &&
        type.rfind("application/json", 0) != 0) {
      send_error(res, 415, "unsupported_media_type",
                 "send records as text/plain or application/json");
      return;
    }
    IngestResult r = app.ingestor->ingest(req.body);
    res.status = r.http_status;
    res.set_content(r.body, kJson);
    if (!r.results.empty()) {
      json counts = json::object();
      for (const auto& o : r.results) counts[o.status] = counts.value(o.status, 0) + 1;
      t_log_note = dump(counts);
    }
  }));

  // ---- admin reads
  auto read_endpoint = [&app, admin](const std::string& allowed,
                                     std::function<bool(Db&, const Filters&, std::string&,
                                                        std::string&)> run) {
    return [&app, admin, allowed, run](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      if (!admin(req, res)) return;
      Filters f;
      session_rating::Errors errors = parse_filters(req.params, allowed, f);
      if (!errors.empty()) {
        res.status = 400;
        res.set_content(errors_body(errors), kJson);
        return;
      }
      if (app.finalise_due() < 0) {
        send_error(res, 500, "storage_error", "finalisation failed");
        return;
      }
      std::string error;
      auto lease = app.reads->acquire(error);
      if (!lease) {
        send_error(res, 500, "storage_error", "cannot open the database");
        return;
      }
      std::string body;
      if (!run(*lease->get(), f, body, error)) {
        send_error(res, 500, "storage_error", "the query failed");
        return;
      }
      res.status = 200;
      res.set_content(body, kJson);
    };
  };
  svr.Get("/v1/ratings",
          guard(read_endpoint("session_id,feedback,topic,from,to,limit,cursor,low", list_ratings)));
  svr.Get("/v1/insights", guard(read_endpoint("from,to,by,topic,engine", insights)));

  // ---- export: every stored revision as JSONL, streamed in chunks.
  svr.Get("/v1/export.jsonl", guard([&app, admin](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    if (!admin(req, res)) return;
    if (app.finalise_due() < 0) {
      send_error(res, 500, "storage_error", "finalisation failed");
      return;
    }
    std::string error;
    auto lease = std::shared_ptr<ReadPool::Lease>(app.reads->acquire(error).release());
    if (!lease) {
      send_error(res, 500, "storage_error", "cannot open the database");
      return;
    }
    auto last = std::make_shared<int64_t>(0);
    res.set_header("Content-Disposition", "attachment; filename=\"ratings.jsonl\"");
    res.set_chunked_content_provider(
        "application/x-ndjson", [lease, last](size_t, httplib::DataSink& sink) {
          std::string chunk;
          const int64_t n = export_chunk(*lease->get(), *last, 2000, chunk, *last);
          if (n < 0) return false;
          if (n > 0 && !sink.write(chunk.data(), chunk.size())) return false;
          if (n < 2000) sink.done();
          return true;
        });
  }));

  // ---- site config
  // Public: the bare widget config, what the widget's config-url attribute loads. While the
  // dashboard's "enable ratings" switch is off it answers 404 ratings_disabled, so widgets
  // that load their config from here show nothing.
  svr.Get("/v1/widget-config", guard([&app, cors](const httplib::Request& req, httplib::Response& res) {
    cors(req, res);
    const SiteSettings s = app.site.get();
    res.set_header("Cache-Control", "public, max-age=60");
    if (!s.enabled) {
      send_error(res, 404, "ratings_disabled", "ratings are switched off for this site");
      return;
    }
    const json doc = parse_json(s.doc);
    const std::string body = dump(doc.is_object() && doc.contains("config") ? doc["config"] : json::object());
    const std::string etag = "\"" + std::to_string(static_cast<uint64_t>(content_hash(body))) + "\"";
    res.set_header("ETag", etag);
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    res.status = 200;
    res.set_content(body, kJson);
  }));

  // Admin: the whole settings document, {"config", "enabled", "updated_at"}.
  svr.Get("/v1/config", guard([&app, admin](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    if (!admin(req, res)) return;
    const SiteSettings s = app.site.get();
    json doc = parse_json(s.doc);
    doc["updated_at"] = s.updated_at;
    res.status = 200;
    res.set_content(dump(doc), kJson);
  }));

  svr.Patch("/v1/config", guard([&app, admin](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    if (!admin(req, res)) return;
    session_rating::Errors errors;
    SiteSettings next;
    const int64_t now = app.clock.now_ms();
    // Validate and store inside one write job so concurrent PATCHes apply in order.
    const bool ok = app.writer->submit([&](WriteTx& tx) {
      errors = SiteConfig::apply_patch(app.site.get(), req.body, next);
      if (!errors.empty()) return;
      next.updated_at = now;
      tx.put_site(next.doc, now);
    });
    if (!ok) {
      send_error(res, 500, "storage_error", "the config could not be stored");
      return;
    }
    if (!errors.empty()) {
      res.status = 400;
      res.set_content(errors_body(errors), kJson);
      return;
    }
    app.site.set(next);
    json doc = parse_json(next.doc);
    doc["updated_at"] = next.updated_at;
    res.status = 200;
    res.set_content(dump(doc), kJson);
  }));

  // ---- health
  svr.Get("/healthz", guard([&app](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    std::string error;
    auto lease = app.reads->acquire(error);
    const bool db_ok = lease && lease->get()->exec("SELECT 1");
    res.status = db_ok ? 200 : 503;
    res.set_content(dump(json{{"status", db_ok ? "ok" : "db_unavailable"},
                              {"schema_version", kSchemaVersion},
                              {"now", app.clock.now_ms()},
                              {"uptime_ms", app.clock.now_ms() - app.started_ms},
                              {"writes", {{"jobs", app.writer->jobs()},
                                          {"commits", app.writer->commits()}}}}),
                    kJson);
  }));

  // ---- test clock (tests only; off unless --test-clock)
  if (app.opts.test_clock) {
    svr.Put("/v1/test/clock", guard([&app, admin](const httplib::Request& req, httplib::Response& res) {
      if (!admin(req, res)) return;
      const json body = parse_json(req.body);
      if (body.is_discarded() || !body.is_object() || !body.contains("offset_ms") ||
          !body["offset_ms"].is_number_integer()) {
        send_error(res, 400, "invalid_value", "expected {\"offset_ms\": integer}", "/offset_ms");
        return;
      }
      app.clock.set_offset_ms(body["offset_ms"].get<int64_t>());
      res.status = 200;
      res.set_content(dump(json{{"offset_ms", app.clock.offset_ms()}, {"now", app.clock.now_ms()}}),
                      kJson);
    }));
  }

  // ---- static files
  const httplib::Headers static_headers = {{"Cache-Control", "no-cache"},
                                           {"X-Content-Type-Options", "nosniff"},
                                           {"Referrer-Policy", "no-referrer"}};
  const httplib::Headers dashboard_headers = {
      {"Cache-Control", "no-cache"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}};
  auto mount = [&](const std::string& prefix, const std::string& dir, const httplib::Headers& h) {
    if (!is_dir(dir)) {
      log_line({{"event", "mount_skipped"}, {"prefix", prefix}, {"dir", dir},
                {"reason", "not a directory"}});
      return;
    }
    svr.set_mount_point(prefix, dir, h);
    const std::string bare = prefix.size() > 1 && prefix.back() == '/' ? prefix.substr(0, prefix.size() - 1) : "";
    if (!bare.empty()) {
      svr.Get(bare, [prefix](const httplib::Request&, httplib::Response& res) {
        res.set_redirect(prefix, 301);
      });
    }
  };
  if (!app.opts.static_root.empty()) {
    const std::string root = app.opts.static_root;
    mount("/dist/", root + "/dist", static_headers);
    mount("/examples/script-tag/", root + "/examples/script-tag", static_headers);
    mount("/examples/call-end-screen/", root + "/examples/call-end-screen", static_headers);
    mount("/dashboard/", root + "/collector/dashboard", dashboard_headers);
    svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/dashboard/", 302);
    });
  }
  for (const auto& [prefix, dir] : app.opts.mounts) {
    mount(prefix, dir, prefix.rfind("/dashboard", 0) == 0 ? dashboard_headers : static_headers);
  }
  svr.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
  svr.set_file_extension_and_mimetype_mapping("wasm", "application/wasm");
  svr.set_file_extension_and_mimetype_mapping("jsonl", "application/x-ndjson");
}

}  // namespace collector
