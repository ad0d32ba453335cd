#include <future>

#include "clock.h"
#include "event_hub.h"
#include "store.h"

namespace collector {

std::string EventHub::frame(int64_t id, const std::string& type, const std::string& data) {
  std::string out = "id: " + std::to_string(id) + "\nevent: " + type + "\n";
  size_t start = 0;
  for (;;) {
    const size_t nl = data.find('\n', start);
    out += "data: ";
    out.append(data, start, nl == std::string::npos ? std::string::npos : nl - start);
    out += '\n';
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  out += '\n';
  return out;
}

int64_t EventHub::publish(const std::string& session_id, const std::string& type,
                          const std::string& data_json) {
  auto id = std::make_shared<int64_t>(-1);
  auto stored = std::make_shared<std::promise<int64_t>>();
  auto result = stored->get_future();
  const int64_t now = clock_.now_ms();
  writer_.submit_async(
      [id, session_id, type, data_json, now](WriteTx& tx) {
        *id = tx.add_session_event(session_id, type, data_json, now);
      },
      [this, id, session_id, type, data_json, stored](bool ok) {
        // On the writer thread, in commit order: only queued here (the writer must not spend
        // a fan-out to thousands of streams), sent below in the same order.
        if (ok && *id > 0 && !shared_) {
          std::lock_guard<std::mutex> lock(queue_mu_);
          queue_.push_back({session_id, *id, frame(*id, type, data_json)});
        }
        stored->set_value(ok ? *id : -1);
      });
  const int64_t out = result.get();
  drain();
  return out;
}

void EventHub::deliver(const std::string& session_id, const SessionEvent& e) {
  fan_out(session_id, e.id, frame(e.id, e.type, e.data));
}

void EventHub::drain() {
  // One drainer at a time, taking the queue in commit order: streams get events in id order,
  // whichever publisher's thread sends them.
  std::lock_guard<std::mutex> order(drain_mu_);
  for (;;) {
    Pending p;
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (queue_.empty()) return;
      p = std::move(queue_.front());
      queue_.pop_front();
    }
    fan_out(p.session_id, p.id, p.frame);
  }
}

void EventHub::fan_out(const std::string& session_id, int64_t id, const std::string& f) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subs_.find(session_id);
  if (it == subs_.end()) return;
  for (const auto& sub : it->second) {
    if (!sub->live) {
      sub->held.emplace_back(id, f);
    } else if (id > sub->last_id) {
      sub->last_id = id;
      sub->stream->send(f);
    }
  }
}

bool EventHub::subscribe(const std::string& session_id,
                         const std::shared_ptr<http::LiveStream>& stream,
                         std::optional<int64_t> last_id) {
  auto sub = std::make_shared<Sub>();
  sub->stream = stream;
  sub->live = !last_id;
  sub->last_id = last_id.value_or(0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    subs_[session_id].push_back(sub);
    ++count_;
  }
  // Registered first, so nothing published from here on is missed; removed when it ends.
  stream->on_end([this, session_id, raw = sub.get()] { remove(session_id, raw); });
  if (!last_id) return true;

  std::vector<std::pair<int64_t, std::string>> replay;
  bool ok = false;
  {
    std::string error;
    auto conn = reads_.read(error);
    std::vector<SessionEvent> events;
    if (conn && conn->session_events_after(session_id, *last_id, 1000, events)) {
      for (const SessionEvent& e : events) replay.emplace_back(e.id, frame(e.id, e.type, e.data));
      ok = true;
    }
  }
  if (!ok) {
    remove(session_id, sub.get());
    return false;
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto* list : {&replay, &sub->held}) {
    for (const auto& [id, f] : *list) {
      if (id <= sub->last_id) continue;
      sub->last_id = id;
      stream->send(f);
    }
  }
  sub->held.clear();
  sub->live = true;
  return true;
}

void EventHub::remove(const std::string& session_id, const Sub* sub) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subs_.find(session_id);
  if (it == subs_.end()) return;
  auto& list = it->second;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].get() != sub) continue;
    list[i] = std::move(list.back());
    list.pop_back();
    --count_;
    break;
  }
  if (list.empty()) subs_.erase(it);
}

size_t EventHub::open_streams() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

}  // namespace collector
