// Internal: a single-pass reader for ordinary rating.v1 records, without a JSON DOM.
// Used by parse_record_fast() (insights.h); everything it does not accept goes to
// record_from_json(), which is the reference and produces the errors.
#pragma once

#include <string_view>

#include "session_rating/record.h"

namespace session_rating::internal {

// Reads a record written as one JSON object with every contract-3 field exactly once, in any
// order, any JSON whitespace. Returns true and fills `out` only for text that
// record_from_json() would also read into the same Record, and that also passes the
// reader-level checks (schema "rating.v1", known scale and sentiment names, valid UTF-8, no
// control characters, ranges of scores, thresholds, times, ids, problem ids, redaction kinds,
// topic length, comment length). Returns false — `out` then partly written — for anything
// else: unknown, missing or duplicate fields, escaped keys, \u escapes, numbers with a
// fraction or exponent or more than 18 digits, wrong types, failed checks, trailing text.
// The caller still runs check_record() on a true result.
bool scan_record(std::string_view text, Record& out);

}  // namespace session_rating::internal
