// site_config.h — the site's widget settings: {"enabled": bool, "config": {widget config}}.
// The config part is validated by the core's parse_config on every change; GET
// /v1/widget-config serves the document, PATCH /v1/config changes it (merge patch).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
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
  std::string doc = R"({"config":{},"enabled":true})";  // canonical JSON text
  bool enabled = true;
  int64_t window_seconds = 3600;   // finalise.window_seconds of the config
  bool from_session_end = false;   // finalise.from == "session_end": the window counts from
                                   // the end reported with POST /v1/sessions/{id}/end
  int64_t updated_at = 0;          // ms; 0 = never changed
  std::vector<WebhookEndpoint> webhooks;  // with their secrets
};

class SiteConfig {
 public:
  // Loads a stored document ("" = defaults). False (with message) if it no longer validates.
  bool load(const std::string& stored_doc, int64_t updated_at, std::string& error);
  SiteSettings get() const;
  void set(const SiteSettings& settings);
  // The configured webhook endpoints (secrets included), for the delivery worker.
  std::vector<WebhookEndpoint> webhooks() const;

  // Applies a PATCH body to `current`: {"enabled"?: bool, "config"?: object}; "config" is an
  // RFC 7386 merge patch onto the stored config (null removes a field, back to its default).
  // Every problem is reported at once (config errors with paths under "/config");
  // `out` is filled only when there is none.
  static session_rating::Errors apply_patch(const SiteSettings& current, std::string_view body,
                                            SiteSettings& out);

 private:
  mutable std::mutex mu_;
  SiteSettings settings_;
};

}  // namespace collector
