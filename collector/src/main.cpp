// session-rating-collector — the reference collector: receives rating records from the widget,
// validates and re-redacts them with the core, stores them in SQLite and serves insights and
// static folders given with --mount. See docs/collector.md.
//
// This file is the composition root: options → App (storage, config, limiter) → routes
// (handlers/ with their middleware) → the HTTP server (server/) → signals and shutdown.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "app.h"
#include "handlers/handlers.h"
#include "middleware.h"
#include "server/http_server.h"

namespace {

// Creates the parent folder of the database file (e.g. var/) when missing.
void make_parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  const std::string dir = path.substr(0, slash);
  ::mkdir(dir.c_str(), 0755);
}

// Every connection is a descriptor: raise the soft limit to the hard one. Returns the limit.
rlim_t raise_nofile() {
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
    ::getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

}  // namespace

int main(int argc, char** argv) {
  collector::Options opts;
  bool help = false;
  const std::string err = collector::parse_options(argc - 1, argv + 1, opts, help);
  if (help) {
    std::fputs(collector::usage(), stdout);
    return 0;
  }
  if (!err.empty()) {
    std::fprintf(stderr, "session-rating-collector: %s\n", err.c_str());
    return 2;
  }

  // SIGTERM / SIGINT are handled by one thread (sigwait), never inside a signal handler. The
  // mask is set before any thread starts, so every thread inherits it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // The connection cap stays below the descriptor limit (the database, the log and the
  // listening socket need some too).
  const rlim_t nofile = raise_nofile();
  collector::http::Limits limits;
  limits.io_threads = opts.io_threads;
  limits.workers = opts.workers;
  limits.max_connections = static_cast<size_t>(opts.max_connections);
  if (nofile > 128 && limits.max_connections > nofile - 64)
    limits.max_connections = static_cast<size_t>(nofile - 64);
  limits.head_timeout_s = opts.head_timeout_s;
  limits.request_timeout_s = opts.request_timeout_s;
  limits.idle_timeout_s = opts.idle_timeout_s;
  limits.shutdown_timeout_s = opts.shutdown_timeout_s;

  if (!collector::is_postgres_url(opts.db_path)) make_parent_dir(opts.db_path);
  collector::App app(opts);
  std::string error;
  if (!app.open(error)) {
    std::fprintf(stderr, "session-rating-collector: %s\n", error.c_str());
    return 1;
  }

  collector::http::Router router;
  namespace h = collector::handlers;
  h::add_preflight(router, app);
  h::add_ratings(router, app);
  h::add_reads(router, app);
  h::add_export(router, app);
  h::add_sessions(router, app);
  h::add_events(router, app);
  h::add_config(router, app);
  h::add_health(router, app);
  h::add_static(router, app);

  // DNS rebinding: every request's Host must be a configured name (421 unknown_host).
  limits.host_allowed = [&app](std::string_view host) { return app.host_allowed(host); };
  collector::http::Server server(limits, router,
                                 opts.access_log ? collector::mw::access_log() : nullptr);
  const int port = server.listen(opts.host, opts.port, error);
  if (port <= 0) {
    std::fprintf(stderr, "session-rating-collector: cannot listen on %s:%d: %s\n",
                 opts.host.c_str(), opts.port, error.c_str());
    app.close();
    return 1;
  }
  app.set_allowed_hosts(port);
  collector::log_event({{"event", "listening"},
                        {"host", opts.host},
                        {"port", port},
                        {"url", "http://" + opts.host + ":" + std::to_string(port) + "/"},
                        {"db", collector::loggable_db(opts.db_path)},
                        {"store", app.store->backend()},
                        {"schema_version", collector::kSchemaVersion},
                        {"max_connections", limits.max_connections},
                        {"io_threads", limits.io_threads},
                        {"workers", limits.workers}});

  std::atomic<bool> exiting{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (exiting.load()) return;  // woken by main for exit
    collector::log_event({{"event", "shutdown"}, {"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    server.stop();
  });

  collector::Finaliser finaliser(app, opts.finalise_interval_s);
  server.run();  // returns once every connection is closed (drained within --shutdown-timeout)
  finaliser.stop();
  app.finalise_due();
  app.close();  // drains the write queue, checkpoints and closes the database
  exiting.store(true);
  if (signal_thread.joinable()) {
    pthread_kill(signal_thread.native_handle(), SIGTERM);  // harmless if it already returned
    signal_thread.join();
  }
  collector::log_event({{"event", "stopped"}, {"clean", true}});
  return 0;
}
