// session_rating/redact.h — PII redaction of free text (contract 5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "session_rating/error.h"
#include "session_rating/record.h"

namespace session_rating {

// What redaction replaces, in the order results list them. The names ("email", "phone",
// "card", "iban", "ssn") are the wire spelling in Redaction::kind (records, snapshots).
enum class RedactionKind { Email, Phone, Card, Iban, Ssn };

// Number of kinds; static_cast<RedactionKind>(i) for i in [0, kRedactionKindCount) is each.
inline constexpr int kRedactionKindCount = 5;

// "email" | "phone" | "card" | "iban" | "ssn".
const char* redaction_kind_name(RedactionKind kind);

// Reads a redaction_kind_name(); false (and `out` unchanged) for any other text.
bool parse_redaction_kind(std::string_view name, RedactionKind& out);

// The counts of `a` and `b` added up per kind, in kind order, kinds with no count left out,
// entries of unknown kinds dropped: merging what a client reported with a second redaction.
std::vector<Redaction> merge_redactions(const std::vector<Redaction>& a,
                                        const std::vector<Redaction>& b);

// Result of redact(): the text with personal data replaced, and counts per kind.
struct RedactResult {
  bool ok = true;                       // false only for invalid UTF-8 input
  Error error;                          // when !ok: code "invalid_utf8", path ""
  std::string text;                     // redacted text; all other bytes kept as they were
  std::vector<Redaction> redactions;    // kinds in order email, phone, card, iban, ssn; count >= 1
};

// Replaces e-mail addresses with "[email]", phone numbers with "[phone]", Luhn-valid card
// numbers with "[card]", mod-97-valid IBANs with "[iban]" and US SSNs with "[ssn]".
RedactResult redact(std::string_view text);

// Redacts every free-text field of a record in place, with redact(): each answer's `comment`
// (its counts merged into that answer's `redactions`), the `topic` and every string value of
// `properties` (their counts merged into the FIRST answer's `redactions`: the record schema has
// no other place for them; docs/contracts.md, contract 3). A text that grows past its limit
// ("[email]" is one character longer than the shortest address) is cut at the limit in code
// points (topic 128, property strings 200, comments 5000). Text that is not valid UTF-8 is
// left as it is (record validation refuses it). Idempotent: redacting a redacted record
// changes nothing. The flow calls it for every record it emits when `redact_pii` is on; the
// collector calls it on every record it stores.
void redact_record_text(Record& record);

// Serialises a result as {"text": "...", "redactions": [{"kind","count"}]}
// (or {"error": {...}} when !ok).
std::string redact_result_to_json(const RedactResult& result);

}  // namespace session_rating
