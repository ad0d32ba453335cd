// http.h — the collector's HTTP surface (cpp-httplib): routes, auth, CORS, rate limiting,
// static files and the access log. All state lives in App; handlers turn every failure into
// a structured JSON error and never let an exception escape.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "clock.h"
#include "ingest.h"
#include "options.h"
#include "rate_limit.h"
#include "site_config.h"
#include "store.h"

namespace httplib {
class Server;
}

namespace collector {

struct App {
  explicit App(Options o);
  Options opts;
  Clock clock;
  SiteConfig site;
  std::unique_ptr<WriteQueue> writer;
  std::unique_ptr<Checkpointer> checkpointer;
  std::unique_ptr<ReadPool> reads;
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<Ingestor> ingestor;
  int64_t started_ms = 0;

  // Opens the database (migrating it) and loads the site config.
  bool open(std::string& error);
  // Finalises every rating whose deadline has passed; -1 on error.
  int64_t finalise_due();
  void close();
};

class HttpServer {
 public:
  explicit HttpServer(App& app);
  ~HttpServer();
  // Binds the listening socket; returns the port (> 0) or -1.
  int bind();
  // Serves until stop(); returns when in-flight requests are done.
  bool run();
  void stop();

 private:
  void routes();
  App& app_;
  std::unique_ptr<httplib::Server> svr_;
};

// Runs finalise_due() every `interval_s` seconds until stop().
class Finaliser {
 public:
  Finaliser(App& app, int interval_s);
  ~Finaliser();
  void stop();

 private:
  App& app_;
  int interval_s_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace collector
