// ingest.h — POST /v1/ratings without the HTTP: parse one record or a batch, validate each
// with the core, re-redact the comment, then decide and store every record in one write job
// (so concurrent writers of one rating_id are serialised), with deadlines from the
// collector's own clock and the site config.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "session_rating/error.h"
#include "session_rating/record.h"
#include "store.h"

namespace collector {

class Clock;
class SiteConfig;
class Writer;

constexpr size_t kMaxBatch = 100;

// The store's row for a validated record as it will be stored (the record JSON with server
// times), with the client's own submit time and the content hash duplicates are judged by.
RatingRow make_row(const session_rating::Record& r, int64_t client_submitted_at,
                   int64_t content_hash);

struct Outcome {
  std::string rating_id;        // "" when the record had none readable
  int64_t revision = 0;         // 0 when the record had none readable
  // accepted | duplicate | stale | finalised | conflict | identity_mismatch |
  // revision_out_of_range (the refusals answer 409) | invalid (400)
  std::string status;
  session_rating::Errors errors;  // for invalid (the core's errors) and every refusal
};

// The answer to a store that cannot be reached (PostgreSQL down): 503 db_unavailable with
// this message and Retry-After in seconds, on every route (handlers::db_unavailable).
inline constexpr unsigned kDbUnavailableRetryS = 5;
inline constexpr const char* kDbUnavailableMessage = "the database cannot be reached; retry later";

struct IngestResult {
  int http_status = 200;
  std::string body;             // {"results": [...]} or {"errors": [...]}
  std::vector<Outcome> results;
};

class Ingestor {
 public:
  // `context_secrets`: --context-secret values (signed context; empty = trust "none").
  Ingestor(Writer& queue, const Clock& clock, const SiteConfig& site,
           std::vector<std::string> context_secrets = {})
      : queue_(queue), clock_(clock), site_(site),
        context_secrets_(std::make_shared<const std::vector<std::string>>(std::move(context_secrets))) {}
  IngestResult ingest(std::string_view body);
  // The same without blocking: `done` gets the result — on the caller's thread when nothing
  // is to be stored (invalid body or records), else on the writer thread after the commit
  // (it must be quick there: hand the answer on).
  void ingest_async(std::string_view body, std::function<void(IngestResult)> done);

 private:
  Writer& queue_;
  const Clock& clock_;
  const SiteConfig& site_;
  // Shared with queued write jobs, which may outlive this object at shutdown.
  const std::shared_ptr<const std::vector<std::string>> context_secrets_;
};

}  // namespace collector
