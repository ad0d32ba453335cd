#include "app.h"

#include <cstdio>

#include "event_hub.h"
#include "webhooks.h"

namespace collector {

namespace {
std::mutex g_log_mu;
}  // namespace

void log_line(const std::string& text) {
  std::lock_guard<std::mutex> lock(g_log_mu);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void log_event(const json& line) { log_line(dump(line)); }

App::App(Options o) : opts(std::move(o)) {
  clock.set_offset_ms(opts.clock_offset_ms);
  limiter = std::make_unique<RateLimiter>(opts.rate_limit, opts.rate_burst);
  auth_throttle = std::make_unique<AuthThrottle>(opts.auth_failures, 60'000);
}

void App::set_allowed_hosts(int port) {
  allowed_hosts.clear();
  std::string host, p;
  for (const std::string& name : opts.public_hosts)
    if (split_host_port(name, host, p)) allowed_hosts.emplace_back(host, p);
  // The listen address itself (a wildcard address is no name anyone reaches it by).
  std::string listen = opts.host;
  if (listen.find(':') != std::string::npos && listen.front() != '[') listen = "[" + listen + "]";
  if (split_host_port(listen, host, p) && host != "0.0.0.0" && host != "[::]" && !host.empty())
    allowed_hosts.emplace_back(host, std::to_string(port));
}

bool App::host_allowed(std::string_view value) const {
  std::string host, port;
  if (!split_host_port(value, host, port)) return false;
  // Loopback names: a page elsewhere can make its own name resolve to 127.0.0.1, never make
  // the browser send one of these as Host.
  if (host == "localhost" || host == "127.0.0.1" || host == "[::1]") return true;
  for (const auto& [h, p] : allowed_hosts)
    if (h == host && (p.empty() || p == (port.empty() ? "80" : port))) return true;
  return false;
}

bool App::open(std::string& error) {
  store = open_store(opts.db_path, opts.synchronous, error);
  if (!store) return false;
  std::string doc;
  int64_t updated_at = 0;
  if (!store->get_site(doc, updated_at, error)) {
    error = "cannot read site config: " + error;
    return false;
  }
  if (!site.load(doc, updated_at, error)) return false;
  WriteHooks hooks;
  hooks.targets = [this] {
    std::vector<OutboxTarget> out;
    for (const WebhookEndpoint& e : site.webhooks()) {
      OutboxTarget t;
      t.endpoint_id = e.id;
      for (const std::string& ev : e.events) {
        if (ev == "rating.revision") t.revision = true;
        if (ev == "rating.final") t.final = true;
      }
      out.push_back(std::move(t));
    }
    return out;
  };
  hooks.now_ms = [this] { return clock.now_ms(); };
  hooks.outbox_committed = [this] {
    if (WebhookWorker* w = webhook_poke.load()) w->poke();
  };
  store->start(std::move(hooks));
  writer = &store->writer();
  ingestor = std::make_unique<Ingestor>(*writer, clock, site, opts.context_secrets);
  hub = std::make_unique<EventHub>(*writer, *store, clock);
  events = hub.get();
  // Several processes on one database: every stored event reaches every process's streams.
  hub->set_shared(store->listen(
      [hub = hub.get()](const std::string& session_id, const SessionEvent& e) {
        hub->deliver(session_id, e);
      },
      [this] { reload_site(); }));
  webhooks = std::make_unique<WebhookWorker>(*this);
  webhook_poke.store(webhooks.get());
  started_ms = clock.now_ms();
  return true;
}

void App::reload_site() {
  std::string error, doc;
  int64_t updated_at = 0;
  auto conn = store->read(error);
  SiteConfig stored;
  if (!conn || !conn->get_site(doc, updated_at) || !stored.load(doc, updated_at, error)) {
    log_event({{"event", "site_reload_failed"}, {"error", error}});
    return;
  }
  set_site(stored.get());
}

void App::set_site(const SiteSettings& settings) {
  std::lock_guard<std::mutex> lock(site_mu);
  if (settings.updated_at >= site.get().updated_at) site.set(settings);
}

int64_t App::finalise_due() {
  int64_t changed = -1;
  const int64_t now = clock.now_ms();
  const bool ok = writer->submit([&](WriteTx& tx) { changed = tx.finalise_due(now); });
  return ok ? changed : -1;
}

App::~App() { close(); }

void App::close() {
  webhook_poke.store(nullptr);
  if (webhooks) webhooks->stop();
  if (store) store->stop();
}

Finaliser::Finaliser(App& app, int interval_s)
    : periodic_(std::chrono::seconds(interval_s), [&app] {
        const int64_t n = app.finalise_due();
        if (n != 0) log_event({{"event", "finalise"}, {"finalised", n}});
      }) {}

}  // namespace collector
