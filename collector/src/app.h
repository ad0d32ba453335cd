// app.h — the collector's state shared by every handler: options, clock, site config, the
// store (its writer and read connections), the rate limiter and the ingestor; plus the
// periodic finaliser and the JSON-lines log on stdout.
#pragma once

#include <atomic>
#include <mutex>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "clock.h"
#include "ingest.h"
#include "json_util.h"
#include "options.h"
#include "periodic.h"
#include "rate_limit.h"
#include "session_events.h"
#include "site_config.h"
#include "store.h"

namespace collector {

class EventHub;
class WebhookWorker;

struct App {
  explicit App(Options o);
  Options opts;
  Clock clock;
  SiteConfig site;
  std::unique_ptr<Store> store;  // the backend --db chose (store.h)
  Writer* writer = nullptr;       // store->writer(), once open
  std::unique_ptr<RateLimiter> limiter;
  std::unique_ptr<AuthThrottle> auth_throttle;  // failed token logins per client IP
  // The Host values requests may carry (set once the port is known, before serving):
  // lower-cased host and port ("" = any port). Loopback names are always allowed.
  std::vector<std::pair<std::string, std::string>> allowed_hosts;
  // Whether a Host value is one of the above (DNS rebinding: a page of another name that
  // resolves to this server sends its own name as Host).
  bool host_allowed(std::string_view host) const;
  // Fills allowed_hosts from --public-host, the listen address and `port`.
  void set_allowed_hosts(int port);
  std::unique_ptr<Ingestor> ingestor;
  // Publishes rating requests to the SSE streams; null = no streams (publishing is a no-op).
  SessionEvents* events = nullptr;
  std::unique_ptr<EventHub> hub;           // the SSE streams (events points at it)
  std::unique_ptr<WebhookWorker> webhooks; // delivers the webhook outbox
  std::atomic<WebhookWorker*> webhook_poke{nullptr};  // for the writer, once it runs
  ~App();
  int64_t started_ms = 0;
  std::mutex site_mu;  // set_site(): compare and set as one step

  // Opens the database (migrating it) and loads the site config.
  bool open(std::string& error);
  // Reads the site document again (another process changed it: Store::listen).
  void reload_site();
  // Sets the in-memory site settings unless they already hold a newer document (a higher
  // updated_at: PATCH /v1/config makes it increase with every change). Commits reported out
  // of order (several write connections, the listener's reloads) never move memory back.
  void set_site(const SiteSettings& settings);
  // Finalises every rating whose deadline has passed; -1 on error.
  int64_t finalise_due();
  void close();
};

// Runs finalise_due() every `interval_s` seconds until stop().
class Finaliser {
 public:
  Finaliser(App& app, int interval_s);
  void stop() { periodic_.stop(); }

 private:
  Periodic periodic_;
};

// One JSON object per line on stdout (events and the access log), whole lines only.
void log_line(const std::string& text);
void log_event(const json& line);

}  // namespace collector
