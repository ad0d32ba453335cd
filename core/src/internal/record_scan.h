// Internal: a single-pass reader for ordinary rating.v2 and rating.v1 records, without a JSON DOM.
// Used by parse_record_fast() (insights.h); everything it does not accept goes to
// record_from_json(), which is the reference and produces the errors.
#pragma once

#include <string_view>

#include "session_rating/record.h"

namespace session_rating::internal {

// Reads a record written as one JSON object — rating.v2, or rating.v1 (converted exactly as
// record_from_json() converts it: one answer, question "overall", the scale's fixed_range(),
// no rater/subject, no properties) — with every field of its schema exactly once, in any
// order, any JSON whitespace. Returns true and fills `out` only when record_from_json() would
// read the text into the same Record *before* its check_record() step: JSON well-formed, no
// unknown, missing or duplicate fields (answers and properties included), every type right,
// known schema, scale and sentiment names, valid UTF-8, 1–5 answers, at most 20 problems and
// 5 redaction entries per answer, at most 20 properties. The caller must still run
// check_record() (ranges, ids, consistency) on a true result. Returns false — `out` then
// partly written — for anything else, and for what it leaves to the DOM reader on purpose:
// escaped keys and enum values, integers with a fraction or exponent or more than 18 digits,
// scores/thresholds/ranges beyond ±1000, an omitted nullable field, a byte-order mark.
// Tokens are read with the same lexer as parse_json() (internal/json.h), so strings decode to
// the same bytes and property numbers to the same doubles.
bool scan_record(std::string_view text, Record& out);

}  // namespace session_rating::internal
