// queries.h — the read side: GET /v1/ratings, /v1/insights and /v1/export.jsonl. Filters come
// from the query string and are checked here. The queries are written once for both backends
// (sql.h); each backend's ReadConn runs them on its connection.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "session_rating/error.h"
#include "session_rating/insights.h"

namespace collector {

class SqlConn;

struct Filters {
  std::optional<std::string> session_id;
  std::optional<std::string> rater_id;
  std::optional<std::string> subject_id;
  std::optional<std::string> agent_id;
  // property.KEY=value: (KEY, value) pairs, all must hold; value compared with the stored
  // property_text() of the rating's property KEY.
  std::vector<std::pair<std::string, std::string>> properties;
  std::optional<std::string> sentiment;   // feedback=positive|negative|neutral (any answer)
  std::optional<std::string> topic;
  std::optional<std::string> context_trust;  // context_trust=none|signed|unsigned|invalid|expired
  std::optional<int64_t> from, to;        // first_seen_at in [from, to)
  bool low_only = false;                  // low=true: an answer at or below its low_score_max
  int64_t limit = 50;                     // 1–1000
  std::optional<int64_t> cursor;          // rows with id < cursor (newest first)
  session_rating::InsightsQuery query;    // by=topic|agent|day|property:KEY, question=ID
  bool core_engine = false;               // engine=core: every row through the core's Aggregator
};

// Reads filters from query parameters (unknown parameters are errors: usually typos).
// `allowed` lists which parameters this endpoint takes; "property." in it admits every
// property.KEY parameter.
session_rating::Errors parse_filters(const std::multimap<std::string, std::string>& params,
                                     const std::string& allowed, Filters& out);

// {"ratings": [latest stored record, ...], "next_cursor": "..." | null}, newest first. Each
// row is the stored record with "context_trust" (the ratings row's) appended as its last key.
bool list_ratings(SqlConn& db, const Filters& f, std::string& body, std::string& error);

// The core's aggregate over the latest stored revision of every rating matching the filters
// (from/to/topic; grouping and question filter from f.query), as the core's insights JSON.
bool insights(SqlConn& db, const Filters& f, std::string& body, std::string& error);

// One session for the dashboard's session view: {"session_id", "ended_at": ms|null,
// "ratings": [latest stored record of every rating of the session, first received first,
// each with "context_trust" appended as in list_ratings]}.
bool session_view(SqlConn& db, const std::string& session_id, std::string& body, std::string& error);

// Up to `limit` stored revisions with id > after_id as JSONL lines appended to `out`.
// `last_id` is the last id written; returns the number of lines (-1 on error).
int64_t export_chunk(SqlConn& db, int64_t after_id, int64_t limit, std::string& out, int64_t& last_id);

// How many ratings rows are stored (for /healthz).
int64_t count_ratings(SqlConn& db);

}  // namespace collector
