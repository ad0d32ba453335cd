// pg_insights.h — GET /v1/insights on PostgreSQL as SQL aggregates (issue 15): the database
// counts, C++ only assembles a few hundred aggregate rows into the core's Insights and writes
// them with the core's insights_to_json. No row-by-row scan of ratings or answers in C++.
//
// Same answer as the Tally path of queries.cpp (and so as the core's `session-rating
// insights` over the export): collector/tests/insights-sql.test.mjs compares field by field.
// The counting rules are the core's, not copies (pg_insights.cpp says how):
//   - which ratings count: the ratings table holds each rating_id's winning record;
//     the honoured internal flag comes from session_rating::internal_honoured;
//   - what one answer adds (CSAT scales, mean scales, distribution, thumbs, NPS buckets,
//     sentiment, problems): a core Tally of that one answer, multiplied by how many answers
//     share its (scale, score, positive, sentiment, problems);
//   - the day key: session_rating::utc_day_string; the missing-key group: kNoGroupKey.
#pragma once

#include <string>

#include "queries.h"

namespace collector {

class PgConn;

// The core's insights JSON over the latest stored revision of every rating matching
// f.from / f.to / f.topic, grouped and filtered by f.query (by, question). The SQL is
// PostgreSQL's (hashed GROUPING SETS, FILTER). False with `error` on a database error.
bool pg_insights(PgConn& db, const Filters& f, std::string& body, std::string& error);

}  // namespace collector
