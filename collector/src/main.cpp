// session-rating-collector — the reference collector: receives rating records from the widget,
// validates and re-redacts them with the core, stores them in SQLite and serves insights,
// the dashboard and the examples. See docs/collector.md.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

#include <pthread.h>
#include <sys/stat.h>

#include "http.h"
#include "json_util.h"

namespace {

// Creates the parent folder of the database file (e.g. var/) when missing.
void make_parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  const std::string dir = path.substr(0, slash);
  ::mkdir(dir.c_str(), 0755);
}

void log_event(const collector::json& line) {
  const std::string text = collector::dump(line);
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
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

  // SIGTERM / SIGINT are handled by one thread (sigwait), never inside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  make_parent_dir(opts.db_path);
  collector::App app(opts);
  std::string error;
  if (!app.open(error)) {
    std::fprintf(stderr, "session-rating-collector: %s\n", error.c_str());
    return 1;
  }
  collector::HttpServer server(app);
  const int port = server.bind();
  if (port <= 0) {
    std::fprintf(stderr, "session-rating-collector: cannot listen on %s:%d\n", opts.host.c_str(),
                 opts.port);
    app.close();
    return 1;
  }
  log_event({{"event", "listening"},
             {"host", opts.host},
             {"port", port},
             {"url", "http://" + opts.host + ":" + std::to_string(port) + "/"},
             {"db", opts.db_path},
             {"schema_version", collector::kSchemaVersion}});

  std::atomic<bool> exiting{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (exiting.load()) return;  // woken by main for exit
    log_event({{"event", "shutdown"}, {"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    server.stop();
  });

  collector::Finaliser finaliser(app, opts.finalise_interval_s);
  const bool ok = server.run();  // returns after stop(), once in-flight requests are done
  finaliser.stop();
  app.finalise_due();
  app.close();  // drains the write queue, checkpoints and closes the database
  exiting.store(true);
  if (signal_thread.joinable()) {
    pthread_kill(signal_thread.native_handle(), SIGTERM);  // harmless if it already returned
    signal_thread.join();
  }
  log_event({{"event", "stopped"}, {"clean", ok}});
  return 0;
}
