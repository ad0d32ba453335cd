// programme_store.h — the store side of the rating programme (docs/programme.md): rating
// requests (table rating_requests, schema 5) and the per-session timeline, written once for
// both backends (sql.h) and called by their WriteTx and ReadConn. Statements are prepared per call: these
// are agent actions, a few per conversation, not the ingest path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sql.h"
#include "store.h"

namespace collector {

// The time of the agent's latest request in the session, if any. `ok` false on a database
// error.
std::optional<int64_t> last_request_at(SqlConn& db, const std::string& session_id,
                                       const std::string& agent_id, bool& ok);
// Stores one request (inside the write job that checked the cooldown).
bool insert_request(SqlConn& db, const RatingRequest& request);
// A new request id: "rr-" and 20 random hex digits.
std::string new_request_id();

// The session's timeline as JSON text {"session_id", "events": [...]}: rating requests,
// every stored revision (rating_received for revision 1, rating_changed after) with its
// answers' scores and sentiments read by the core, and finalisations, in time order (ties:
// the order stored). `now` decides when a final rating was finalised (see the .cpp).
bool session_timeline(SqlConn& db, const std::string& session_id, int64_t now, std::string& body,
                      std::string& error);

}  // namespace collector
