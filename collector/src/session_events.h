// session_events.h — the seam between the rating-request handlers and the Server-Sent Events
// stream GET /v1/sessions/{id}/events (docs/programme.md). The handlers publish; the SSE
// module (session_events.cpp) implements it, persists each event for Last-Event-ID replay
// and sends it to the session's open streams. App::events may be null: then publishing is a
// no-op (tests and tools without streams).
#pragma once

#include <cstdint>
#include <string>

namespace collector {

struct SessionEvents {
  virtual ~SessionEvents() = default;
  // Publishes one event to the session's open streams and persists it for Last-Event-ID
  // replay. `type` is the SSE event name (e.g. "rating-requested"), `data_json` one JSON
  // object on one line. Returns the event id.
  virtual int64_t publish(const std::string& session_id, const std::string& type,
                          const std::string& data_json) = 0;
};

}  // namespace collector
