// site_config.h — the site's settings document (docs/programme.md, "Config API"):
//   {"enabled", "popup", "config": {widget config}, "requests": {"cooldown_days",
//    "unsupported_channels"}, "webhooks": [{"id", "url", "secret", "events"}]}
// The config part is validated by the core's parse_config on every change; GET
// /v1/widget-config serves it, GET /v1/config the whole document (webhook secrets replaced by
// "secret_set": true), PATCH /v1/config changes it (merge patch, validated as a whole).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "session_rating/error.h"

namespace collector {

// One configured webhook endpoint (the "webhooks" list of the settings document).
struct WebhookEndpoint {
  std::string id;                   // [a-z0-9_-]{1,40}, unique in the list
  std::string url;                  // http:// or https://
  std::string secret;               // HMAC-SHA256 key (16–200 chars); never shown by GET
  std::vector<std::string> events;  // subset of {"rating.revision", "rating.final"}
};

struct SiteSettings {
  // Canonical JSON text of the whole document, secrets included (what the site table holds).
  std::string doc = R"({"config":{},"enabled":false,"popup":false,"requests":{"cooldown_days":7,"unsupported_channels":[]},"webhooks":[]})";
  bool enabled = false;            // off on a fresh database (issue 12)
  int64_t window_seconds = 3600;   // finalise.window_seconds of the config
  bool from_session_end = false;   // finalise.from == "session_end": the window counts from
                                   // the end reported with POST /v1/sessions/{id}/end
  int64_t updated_at = 0;          // ms; 0 = never changed
  int64_t cooldown_days = 7;       // requests.cooldown_days: one rating request per agent per
                                   // session within this many days
  std::vector<std::string> unsupported_channels;  // requests.unsupported_channels
  std::vector<WebhookEndpoint> webhooks;  // with their secrets
  // The problem lists of the config's questions, for refusing unknown problem ids on ingest:
  // only when the site config is known (its "config" object was set, i.e. is not {}).
  bool config_known = false;
  std::vector<std::pair<std::string, std::vector<std::string>>> problems;  // question → ids
  std::vector<std::string> all_problems;  // every configured problem id, any question
};

class SiteConfig {
 public:
  // Loads a stored document ("" = defaults). False (with message) if it no longer validates.
  bool load(const std::string& stored_doc, int64_t updated_at, std::string& error);
  SiteSettings get() const;
  void set(const SiteSettings& settings);
  // The switch alone, without a copy or a lock (read on every POST /v1/ratings).
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // The configured webhook endpoints (secrets included), for the delivery worker.
  std::vector<WebhookEndpoint> webhooks() const;

  // The document as GET /v1/config shows it: secrets replaced by "secret_set": true, plus
  // "updated_at".
  static std::string public_doc(const SiteSettings& settings);

  // Applies a PATCH body to `current`: an RFC 7386 merge patch of the document ("enabled"
  // and "popup" set together; "config" and "requests" merged; "webhooks" replaced, an entry
  // that keeps its id and omits "secret" keeps the stored one). "updated_at" and
  // "secret_set" as GET shows them are accepted and ignored. Every problem is reported at
  // once (paths into the document); `out` is filled only when there is none.
  static session_rating::Errors apply_patch(const SiteSettings& current, std::string_view body,
                                            SiteSettings& out);

 private:
  mutable std::mutex mu_;
  SiteSettings settings_;
  std::atomic<bool> enabled_{false};
};

}  // namespace collector
