// webhooks.h — delivery of the webhook outbox (docs/programme.md, "Webhooks"). Rows are
// written by the store in the transaction that stores a revision or finalises a rating
// (WriteTx::enqueue*); this worker, on its own thread and event loop, POSTs each due row to
// its endpoint, signed, and records the outcome through the writer. Ingest never waits for it.
//
// - At least once: a row stays `pending` until a 2xx is recorded; a row in flight when the
//   process died is sent again with the same delivery id (Webhook-Id) after the restart.
// - In order per rating and endpoint: a row is due only when no earlier pending row of the
//   same rating and endpoint is left.
// - Retries: exponential backoff from --webhook-backoff-ms (5 s), doubled per attempt, capped
//   at 1 h, with jitter (each delay drawn in [d/2, d]); after 24 h from enqueue the row is
//   `failed` and the rating's next row goes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace collector {

struct App;

class WebhookWorker {
 public:
  explicit WebhookWorker(App& app);
  ~WebhookWorker();
  WebhookWorker(const WebhookWorker&) = delete;
  WebhookWorker& operator=(const WebhookWorker&) = delete;

  // Rows were enqueued: look for due rows now (thread-safe, never blocks).
  void poke();
  // Stops the thread; deliveries in flight are abandoned (their rows stay pending).
  void stop();

  // "v1=" + lower-case hex of HMAC-SHA256(secret, id + "." + timestamp + "." + body) (OpenSSL).
  static std::string signature(const std::string& secret, const std::string& id,
                               int64_t timestamp_s, const std::string& body);
  // The JSON body of a delivery: {"created_at", "data", "id", "type"} (data = the record).
  static std::string body(const std::string& delivery_id, const std::string& type,
                          int64_t created_at, const std::string& record);
  // The delay before attempt `attempts` + 1 (attempts ≥ 1 failed so far), before jitter.
  static int64_t backoff_ms(int64_t attempts, int64_t base_ms);

  static constexpr int64_t kGiveUpMs = 24LL * 3600 * 1000;
  static constexpr int64_t kMaxDelayMs = 3600LL * 1000;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace collector
