#include "ingest.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

#include "clock.h"
#include "json_util.h"
#include "session_rating/context_trust.h"
#include "session_rating/insights.h"
#include "session_rating/record.h"
#include "session_rating/redact.h"
#include "site_config.h"
#include "store.h"

namespace collector {

using session_rating::Error;
using session_rating::Errors;
using session_rating::Record;

namespace {

// A record ready for the write job.
struct Prepared {
  bool valid = false;
  Record record;                 // re-redacted, as the client sent it otherwise
  int64_t client_submitted_at = 0;
  int64_t hash = 0;              // of the client's record with final = false
};

void note_ids(const json& value, Outcome& out) {
  if (!value.is_object()) return;
  auto id = value.find("rating_id");
  if (id != value.end() && id->is_string()) out.rating_id = id->get<std::string>();
  auto rev = value.find("revision");
  if (rev != value.end() && rev->is_number_integer()) out.revision = rev->get<int64_t>();
}

// Re-redacts every free text of a record (a client may be old, modified or not redact at
// all) with the core's rule: each answer's comment, the `topic` and every string property
// value, look-alikes normalised before matching, counts merged into the record's redactions
// (redact.h). Invalid UTF-8 never gets here: record validation refused it.
void re_redact(Record& r) { session_rating::redact_record_text(r); }

// Problem ids outside the site's configured list (when the site config is known): each
// answer's problems must be ids of its question's problems, or — for a question the config
// does not have — of any configured question.
Errors unknown_problems(const Record& r, const SiteSettings& site) {
  Errors errors;
  if (!site.config_known) return errors;
  for (size_t i = 0; i < r.answers.size(); ++i) {
    const session_rating::Answer& a = r.answers[i];
    if (a.problems.empty()) continue;
    const std::vector<std::string>* allowed = &site.all_problems;
    for (const auto& [question, ids] : site.problems)
      if (question == a.question) allowed = &ids;
    for (size_t k = 0; k < a.problems.size(); ++k) {
      if (std::find(allowed->begin(), allowed->end(), a.problems[k]) != allowed->end()) continue;
      errors.push_back(Error{"/answers/" + std::to_string(i) + "/problems/" + std::to_string(k),
                             "unknown_problem",
                             "problem id '" + a.problems[k] +
                                 "' is not in the site's configured list for question '" +
                                 a.question + "'"});
    }
  }
  return errors;
}

void prepare(Prepared& p, Outcome& out, const SiteSettings& site) {
  Record& r = p.record;
  out.rating_id = r.rating_id;
  out.revision = r.revision;
  Errors errors = unknown_problems(r, site);
  if (errors.empty()) re_redact(r);
  if (!errors.empty()) {
    out.status = "invalid";
    out.errors = std::move(errors);
    return;
  }
  p.client_submitted_at = r.submitted_at;
  p.hash = record_content_hash(r);
  p.valid = true;
}


// The deadline policy of the site config at the time of the write.
struct Window {
  int64_t ms = 0;             // finalise.window_seconds in ms
  bool from_session_end = false;
};

// How far one revision may jump ahead of the stored one (and how high a rating's first
// stored revision may be): a record claiming revision 2^63-1 must not make the real
// client's next revision stale. The widget adds one per submit, so 100 is far more than a
// visitor's edits between two deliveries.
constexpr int64_t kMaxRevisionStep = 100;

// The first field where `r` leaves the identity fixed by the stored revision `stored`:
// session_id, subject_id, rater_id, and each stored answer's question with its scale and
// range (a stored question may not disappear; a new revision may add an answer to a question
// not answered before — optional questions answered later). "" when the identity holds.
std::string identity_mismatch(const Record& stored, const Record& r, std::string& message) {
  if (r.session_id != stored.session_id) {
    message = "session_id is fixed by the rating's first stored revision";
    return "/session_id";
  }
  if (r.subject_id != stored.subject_id) {
    message = "subject_id is fixed by the rating's first stored revision";
    return "/subject_id";
  }
  if (r.rater_id != stored.rater_id) {
    message = "rater_id is fixed by the rating's first stored revision";
    return "/rater_id";
  }
  for (const session_rating::Answer& old : stored.answers) {
    size_t i = 0;
    while (i < r.answers.size() && r.answers[i].question != old.question) ++i;
    if (i == r.answers.size()) {
      message = "question '" + old.question + "' was answered in a stored revision and cannot be dropped";
      return "/answers";
    }
    const session_rating::Answer& a = r.answers[i];
    if (a.scale != old.scale || a.min != old.min || a.max != old.max) {
      message = "the scale of question '" + old.question +
                "' is fixed by the rating's first stored revision";
      return "/answers/" + std::to_string(i) + "/scale";
    }
  }
  return "";
}

void refuse(Outcome& out, const char* code, std::string path, std::string message) {
  out.status = code;
  out.errors.push_back(Error{std::move(path), code, std::move(message)});
}

// Decides one record against the store (inside the write job) and writes it. Finality is the
// server's: the client's `final` flag is never trusted (a rating is final once the
// collector's clock passes its deadline, or at once with window 0).
void decide(WriteTx& tx, Prepared& p, Outcome& out, int64_t now, const Window& window,
            const std::vector<std::string>& context_secrets) {
  Record& r = p.record;
  r.final = false;  // the client's flag decides nothing
  std::optional<Head> head = tx.head(r.rating_id);
  if (tx.failed()) return;
  if (head && !head->final && head->deadline_at <= now) {
    if (!tx.mark_final(head->id)) return;  // finalise on read
    head->final = true;
  }
  if (!head) {
    if (r.revision > kMaxRevisionStep) {
      refuse(out, "revision_out_of_range", "/revision",
             "a rating's first stored revision is 1 to " + std::to_string(kMaxRevisionStep));
      return;
    }
    // First sight: the server's clock starts the window, whatever the client's clock says.
    // From the session's end: end + window once the end was reported (a rating first seen
    // after that is stored final), else open until it is (POST /v1/sessions/{id}/end).
    r.first_submitted_at = now;
    r.submitted_at = now;
    if (window.from_session_end) {
      const std::optional<int64_t> end = tx.session_end(r.session_id);
      if (tx.failed()) return;
      if (end) {
        const int64_t deadline = std::min(kOpenDeadline, std::max(*end + window.ms, now));
        r.edit_deadline = deadline;
        r.final = deadline <= now;
      } else {
        r.edit_deadline.reset();  // null: not known until the end is reported
      }
    } else {
      r.edit_deadline = std::min(kOpenDeadline, now + window.ms);
      r.final = window.ms == 0;
    }
    // Signed context: the trust of the rating's context fields, decided now, on the
    // collector's clock, by its first stored revision (nothing is refused for it).
    RatingRow row = make_row(r, p.client_submitted_at, p.hash);
    row.context_trust = session_rating::context_trust_name(
        session_rating::verify_context(context_secrets, r, now));
    if (tx.insert(row)) out.status = "accepted";
    return;
  }
  // The identity is fixed by what is stored, whatever the revision says (a stale or
  // duplicate claim to another session is refused too, so nobody learns less than a 409).
  {
    const std::optional<std::string> stored_json = tx.record(head->id);
    if (tx.failed()) return;
    Record stored;
    if (stored_json && session_rating::parse_record_fast(*stored_json, stored).empty()) {
      std::string message;
      std::string path = identity_mismatch(stored, r, message);
      // A rating first stored with a valid signature keeps its signed agent_id and internal
      // (later revisions' signatures are not checked again).
      if (path.empty() && head->context_trust == "signed") {
        if (r.agent_id != stored.agent_id) {
          path = "/agent_id";
          message = "agent_id is fixed by the rating's signed first revision";
        } else if (r.internal != stored.internal) {
          path = "/internal";
          message = "internal is fixed by the rating's signed first revision";
        }
      }
      if (!path.empty()) {
        refuse(out, "identity_mismatch", std::move(path), std::move(message));
        return;
      }
    }
  }
  if (r.revision < head->revision) {
    out.status = "stale";
    return;
  }
  if (r.revision == head->revision) {
    if (p.hash == head->content_hash) {
      out.status = "duplicate";  // a final: true claim changes nothing (server's clock)
      return;
    }
    out.status = head->final ? "finalised" : "conflict";
    out.errors.push_back(Error{"/revision", out.status,
                               head->final ? "this rating is final; it can no longer change"
                                           : "revision " + std::to_string(r.revision) +
                                                 " is already stored with different content"});
    return;
  }
  if (head->final) {
    out.status = "finalised";
    out.errors.push_back(
        Error{"/revision", "finalised", "this rating is final; it can no longer change"});
    return;
  }
  if (r.revision - head->revision > kMaxRevisionStep) {
    refuse(out, "revision_out_of_range", "/revision",
           "a new revision is the stored one (" + std::to_string(head->revision) + ") + 1 to + " +
               std::to_string(kMaxRevisionStep));
    return;
  }
  r.first_submitted_at = head->first_seen_at;
  r.submitted_at = now < head->first_seen_at ? head->first_seen_at : now;
  if (head->deadline_at == kOpenDeadline) r.edit_deadline.reset();
  else r.edit_deadline = head->deadline_at;
  RatingRow row = make_row(r, p.client_submitted_at, p.hash);
  if (tx.update(head->id, row)) out.status = "accepted";
}

bool is_refusal(const std::string& status) {
  return status == "finalised" || status == "conflict" || status == "identity_mismatch" ||
         status == "revision_out_of_range";
}

std::string results_body(const std::vector<Outcome>& results) {
  json arr = json::array();
  for (const Outcome& o : results) {
    json item = {{"rating_id", o.rating_id.empty() ? json(nullptr) : json(o.rating_id)},
                 {"revision", o.revision > 0 ? json(o.revision) : json(nullptr)},
                 {"status", o.status}};
    if (!o.errors.empty()) item["errors"] = errors_to_value(o.errors);
    arr.push_back(std::move(item));
  }
  return dump(json{{"results", std::move(arr)}});
}

}  // namespace

RatingRow make_row(const session_rating::Record& r, int64_t client_submitted_at,
                   int64_t content_hash) {
  RatingRow row;
  row.rating_id = r.rating_id;
  row.session_id = r.session_id;
  row.rater_id = r.rater_id;
  row.subject_id = r.subject_id;
  row.revision = r.revision;
  row.final = r.final;
  row.internal = r.internal;
  row.topic = r.topic;
  row.agent_id = r.agent_id;
  row.first_seen_at = r.first_submitted_at;
  row.submitted_at = r.submitted_at;
  row.deadline_at = r.edit_deadline.value_or(kOpenDeadline);
  row.content_hash = content_hash;
  row.client_submitted_at = client_submitted_at;
  row.record = session_rating::record_to_json(r);
  row.answers = answer_rows(r);
  row.properties = property_rows(r);
  return row;
}

namespace {

// The answer's status and body from the outcomes.
void finish(IngestResult& result) {
  const std::vector<Outcome>& outcomes = result.results;
  size_t invalid = 0, refused = 0;
  for (const Outcome& o : outcomes) {
    if (o.status == "invalid") ++invalid;
    else if (is_refusal(o.status)) ++refused;
  }
  if (invalid == outcomes.size()) result.http_status = 400;
  else if (refused == outcomes.size()) result.http_status = 409;
  else result.http_status = 200;  // all stored, or a batch with mixed outcomes
  result.body = results_body(outcomes);
}

}  // namespace

IngestResult Ingestor::ingest(std::string_view body) {
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  IngestResult out;
  ingest_async(body, [&](IngestResult r) {
    std::lock_guard<std::mutex> lock(mu);
    out = std::move(r);
    ready = true;
    cv.notify_one();
  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return ready; });
  return out;
}

void Ingestor::ingest_async(std::string_view body, std::function<void(IngestResult)> done) {
  IngestResult result;
  const SiteSettings settings = site_.get();
  size_t first = body.find_first_not_of(" \t\r\n");
  const bool batch = first != std::string_view::npos && body[first] == '[';
  std::vector<Prepared> prepared;
  std::vector<Outcome>& outcomes = result.results;

  if (batch) {
    const json value = parse_json(body);
    if (value.is_discarded()) {
      result.http_status = 400;
      result.body = error_body("invalid_json", "the body is not valid JSON");
      return done(std::move(result));
    }
    if (value.empty() || value.size() > kMaxBatch) {
      result.http_status = 400;
      result.body = error_body("out_of_range", "a batch holds 1 to " +
                                                   std::to_string(kMaxBatch) + " records");
      return done(std::move(result));
    }
    prepared.resize(value.size());
    outcomes.resize(value.size());
    // nlohmann keeps the last of two equal keys; the core refuses them (duplicate_key at the
    // pointer of the second one, "/3/topic"): that record is invalid, its path made relative.
    std::vector<Errors> refused(value.size());
    for (Error& e : session_rating::check_json_text(body)) {
      size_t i = 0, k = 1;
      while (k < e.path.size() && e.path[k] >= '0' && e.path[k] <= '9' && i < value.size())
        i = i * 10 + static_cast<size_t>(e.path[k++] - '0');
      if (k == 1 || i >= value.size()) {  // not inside a record: the body as a whole
        result.http_status = 400;
        result.body = errors_body({e});
        return done(std::move(result));
      }
      e.path.erase(0, k);
      refused[i].push_back(std::move(e));
    }
    for (size_t i = 0; i < value.size(); ++i) {
      Errors errors = std::move(refused[i]);
      if (errors.empty())
        errors = session_rating::parse_record_fast(dump(value[i]), prepared[i].record);
      if (!errors.empty()) {
        note_ids(value[i], outcomes[i]);
        outcomes[i].status = "invalid";
        outcomes[i].errors = std::move(errors);
        continue;
      }
      prepare(prepared[i], outcomes[i], settings);
    }
  } else {
    prepared.resize(1);
    outcomes.resize(1);
    Errors errors = session_rating::parse_record_fast(body, prepared[0].record);
    if (!errors.empty()) {
      const json value = parse_json(body);
      if (value.is_discarded() || !value.is_object()) {
        result.http_status = 400;
        result.body = errors_body(errors);
        return done(std::move(result));
      }
      note_ids(value, outcomes[0]);
      outcomes[0].status = "invalid";
      outcomes[0].errors = std::move(errors);
    } else {
      prepare(prepared[0], outcomes[0], settings);
    }
  }

  bool any_valid = false;
  for (const Prepared& p : prepared) any_valid = any_valid || p.valid;
  if (!any_valid) {
    finish(result);
    return done(std::move(result));
  }
  // Decided and stored in one write job; answered once its transaction has committed.
  struct State {
    std::vector<Prepared> prepared;
    IngestResult result;
    std::vector<Outcome> decided;
    std::function<void(IngestResult)> done;
  };
  auto st = std::make_shared<State>();
  st->prepared = std::move(prepared);
  st->result = std::move(result);
  st->done = std::move(done);
  const Window window{settings.window_seconds * 1000, settings.from_session_end};
  const Clock& clock = clock_;
  queue_.submit_async(
      [st, &clock, secrets = context_secrets_, window](WriteTx& tx) {
        const int64_t now = clock.now_ms();  // inside the write lock: monotonic per rating
        st->decided = st->result.results;
        for (size_t i = 0; i < st->prepared.size() && !tx.failed(); ++i) {
          if (st->prepared[i].valid)
            decide(tx, st->prepared[i], st->decided[i], now, window, *secrets);
        }
      },
      [st, &queue = queue_](bool ok) {
        IngestResult r = std::move(st->result);
        if (!ok) {
          // Nothing acknowledged either way: the sender keeps the ratings and retries. A
          // database that cannot be reached (PostgreSQL down) is 503, any other failure
          // (disk full, I/O error) 500 (docs/collector.md, POST /v1/ratings).
          if (queue.health().unreachable) {
            r.http_status = 503;
            r.body = error_body("db_unavailable", kDbUnavailableMessage);
          } else {
            r.http_status = 500;
            r.body = error_body("storage_error", "the ratings could not be stored; retry later");
          }
          r.results.clear();
        } else {
          r.results = std::move(st->decided);
          finish(r);
        }
        st->done(std::move(r));
      });
}

}  // namespace collector
