#include "programme_store.h"

#include <algorithm>
#include <random>
#include <vector>

#include "json_util.h"
#include "session_rating/record.h"

namespace collector {

std::optional<int64_t> last_request_at(SqlConn& db, const std::string& session_id,
                                       const std::string& agent_id, bool& ok) {
  auto s_query =
      db.prepare("SELECT max(requested_at) FROM rating_requests WHERE session_id = ?1 AND agent_id = ?2");
  SqlQuery& s = *s_query;
  s.reset().bind(1, session_id).bind(2, agent_id);
  ok = s.ok();
  std::optional<int64_t> at;
  if (s.step() && !s.is_null(0)) at = s.int_col(0);
  if (s.failed()) ok = false;
  return at;
}

bool insert_request(SqlConn& db, const RatingRequest& r) {
  auto s_query =
      db.prepare("INSERT INTO rating_requests (request_id, session_id, agent_id, channel, requested_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5)");
  SqlQuery& s = *s_query;
  s.reset().bind(1, r.request_id).bind(2, r.session_id).bind(3, r.agent_id).bind(4, r.channel)
      .bind(5, r.requested_at);
  s.step();
  return s.ok() && s.done();
}

std::string new_request_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* const kHex = "0123456789abcdef";
  std::string id = "rr-";
  for (int i = 0; i < 20; ++i) id += kHex[rng() & 15];
  return id;
}

namespace {

struct TimelineEvent {
  int64_t at = 0;
  json value;
};

json answers_of(const session_rating::Record& r) {
  json list = json::array();
  for (const session_rating::Answer& a : r.answers)
    list.push_back({{"question", a.question},
                    {"scale", session_rating::scale_name(a.scale)},
                    {"score", a.score},
                    {"sentiment", session_rating::sentiment_name(a.sentiment)}});
  return list;
}

json opt(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

}  // namespace

bool session_timeline(SqlConn& db, const std::string& session_id, int64_t now, std::string& body,
                      std::string& error) {
  std::vector<TimelineEvent> events;
  auto req_query =
      db.prepare("SELECT request_id, agent_id, channel, requested_at FROM rating_requests "
                 "WHERE session_id = ?1 ORDER BY id");
  SqlQuery& req = *req_query;
  req.reset().bind(1, session_id);
  while (req.step()) {
    const int64_t at = req.int_col(3);
    events.push_back({at, json{{"type", "rating_requested"},
                               {"at", at},
                               {"agent_id", req.text_col(1)},
                               {"channel", req.text_col(2)},
                               {"request_id", req.text_col(0)}}});
  }
  if (req.failed()) {
    error = db.last_error();
    return false;
  }
  auto rev_query =
      db.prepare("SELECT v.rating_id, v.revision, v.received_at, v.record FROM revisions v "
                 "JOIN ratings r ON r.rating_id = v.rating_id WHERE r.session_id = ?1 ORDER BY v.id");
  SqlQuery& rev = *rev_query;
  rev.reset().bind(1, session_id);
  while (rev.step()) {
    session_rating::Record record;
    if (!session_rating::record_from_json(rev.text_col(3), record).empty()) {
      error = "a stored revision of " + rev.text_col(0) + " is not a valid record";
      return false;
    }
    const int64_t at = rev.int_col(2);
    json e = {{"type", record.revision <= 1 ? "rating_received" : "rating_changed"},
              {"at", at},
              {"rating_id", record.rating_id},
              {"rater_id", opt(record.rater_id)},
              {"subject_id", opt(record.subject_id)},
              {"agent_id", opt(record.agent_id)},
              {"revision", record.revision},
              {"sentiment", record.answers.empty()
                                ? "neutral"
                                : session_rating::sentiment_name(record.answers[0].sentiment)},
              {"answers", answers_of(record)}};
    events.push_back({at, std::move(e)});
  }
  if (rev.failed()) {
    error = db.last_error();
    return false;
  }
  // When a final rating was finalised: its deadline once that has passed (the window
  // closed); a rating made final before its deadline (final: true from the client, or a
  // window of 0) at its last revision's time.
  auto fin_query =
      db.prepare("SELECT rating_id, revision, deadline_at, submitted_at FROM ratings "
                 "WHERE session_id = ?1 AND final = 1 ORDER BY id");
  SqlQuery& fin = *fin_query;
  fin.reset().bind(1, session_id);
  while (fin.step()) {
    const int64_t deadline = fin.int_col(2), submitted = fin.int_col(3);
    const int64_t at = deadline <= now ? std::max(deadline, submitted) : submitted;
    events.push_back({at, json{{"type", "rating_finalised"},
                               {"at", at},
                               {"rating_id", fin.text_col(0)},
                               {"revision", fin.int_col(1)}}});
  }
  if (fin.failed()) {
    error = db.last_error();
    return false;
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.at < b.at; });
  json list = json::array();
  for (TimelineEvent& e : events) list.push_back(std::move(e.value));
  body = dump(json{{"session_id", session_id}, {"events", std::move(list)}});
  return true;
}

}  // namespace collector
