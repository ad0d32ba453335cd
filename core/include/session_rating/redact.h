// session_rating/redact.h — PII redaction of free text (contract 5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "session_rating/error.h"
#include "session_rating/record.h"

namespace session_rating {

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

// Serialises a result as {"text": "...", "redactions": [{"kind","count"}]}
// (or {"error": {...}} when !ok).
std::string redact_result_to_json(const RedactResult& result);

}  // namespace session_rating
