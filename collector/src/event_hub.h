// event_hub.h — the Server-Sent Events side of the rating programme (docs/programme.md):
// EventHub implements SessionEvents. publish() stores the event (session_events table,
// through the writer, so a reconnecting EventSource can replay it after a restart too) and,
// once committed, queues its frame on every open stream of that session at once. Streams are
// http::LiveStream answers of GET /v1/sessions/{id}/events (handlers/events.cpp).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "session_events.h"
#include "server/http_server.h"
#include "store.h"

namespace collector {

class Clock;
class Store;
class Writer;

class EventHub : public SessionEvents {
 public:
  EventHub(Writer& writer, Store& reads, const Clock& clock)
      : writer_(writer), reads_(reads), clock_(clock) {}

  // Stores the event, then sends it to the session's open streams (in id order: the writer
  // queues committed events in commit order, publishers drain that queue one at a time, on
  // their own threads). Blocks until stored and sent; -1 on a storage error (nothing sent).
  int64_t publish(const std::string& session_id, const std::string& type,
                  const std::string& data_json) override;

  // Adds an open stream of `session_id`. With `last_id` (the Last-Event-ID header) the
  // session's stored events with a higher id are sent first (read from the store), then live
  // ones; events published meanwhile are held and sent after them, none twice. False when the
  // replay could not be read (the stream is left unregistered).
  bool subscribe(const std::string& session_id, const std::shared_ptr<http::LiveStream>& stream,
                 std::optional<int64_t> last_id);

  size_t open_streams() const;

  // Events reach the streams through the store's listener (Store::listen_events: every process
  // on one PostgreSQL database) instead of from publish(): set once, before serving.
  void set_shared(bool shared) { shared_ = shared; }
  // An event stored by any process (the listener thread, commit order): sent to this process's
  // streams of the session.
  void deliver(const std::string& session_id, const SessionEvent& e);
  // One SSE frame: "id: N\nevent: TYPE\ndata: LINE\n…\n\n" (a data line per line of `data`).
  static std::string frame(int64_t id, const std::string& type, const std::string& data);

 private:
  struct Sub {
    std::shared_ptr<http::LiveStream> stream;
    int64_t last_id = 0;  // the highest id sent
    bool live = true;     // false while its replay is being read
    std::vector<std::pair<int64_t, std::string>> held;  // published during the replay
  };
  void fan_out(const std::string& session_id, int64_t id, const std::string& frame);
  void drain();  // sends what the writer queued, in commit order
  struct Pending {
    std::string session_id;
    int64_t id = 0;
    std::string frame;
  };
  std::mutex queue_mu_, drain_mu_;
  std::deque<Pending> queue_;
  void remove(const std::string& session_id, const Sub* sub);

  Writer& writer_;
  Store& reads_;
  const Clock& clock_;
  bool shared_ = false;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Sub>>> subs_;
  size_t count_ = 0;
};

}  // namespace collector
