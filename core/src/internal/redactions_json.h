// Internal: the one serialisation of a redaction-count list, [{"kind","count"}, ...], shared
// by records, redact() results and flow snapshots.
#pragma once

#include <vector>

#include "internal/json.h"
#include "session_rating/record.h"

namespace session_rating::internal {

inline void write_redactions(JsonWriter& w, const std::vector<Redaction>& list) {
  w.begin_array();
  for (const Redaction& r : list) {
    w.begin_object();
    w.key("kind"); w.string(r.kind);
    w.key("count"); w.integer(r.count);
    w.end_object();
  }
  w.end_array();
}

}  // namespace session_rating::internal
