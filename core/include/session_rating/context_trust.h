// session_rating/context_trust.h — the MAC of signed context and the trust a collector gives
// a record's context fields (issue 13, "Trusted context"). Native only: the library
// session_rating_sign (HMAC-SHA256 from OpenSSL) is built when not compiling to WASM and is
// used by the CLI (`session-rating sign`) and the collector; the widget never signs or
// verifies, it passes the token through. Payload and token syntax: sign.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "session_rating/config.h"
#include "session_rating/record.h"

namespace session_rating {

// Shortest secret accepted for signing and verifying, in bytes.
inline constexpr std::size_t kMinContextSecret = 32;

// base64url without padding of HMAC-SHA256(secret, payload): 43 characters. Empty when
// OpenSSL fails (it does not for these inputs).
std::string context_mac(std::string_view secret, std::string_view payload);

// The token "sr1.<exp>.<mac>" for `context` expiring at `exp` (ms since 1970) under `secret`.
std::string sign_context(std::string_view secret, int64_t exp, const Context& context);

// What a collector makes of a record's context fields (session_id, rater_id, subject_id,
// agent_id, internal), decided on receipt.
enum class ContextTrust {
  None,      // no secret configured: fields taken as sent
  Signed,    // the signature verifies under one of the secrets and exp > now
  Unsigned,  // a secret is configured and the record carries no signature
  Invalid,   // the signature does not verify (wrong mac, or a signed field changed)
  Expired,   // the mac verifies but exp <= now
};

// "none" | "signed" | "unsigned" | "invalid" | "expired".
const char* context_trust_name(ContextTrust trust);

// Reads a context_trust_name(); false (and `out` unchanged) for any other text.
bool parse_context_trust(std::string_view name, ContextTrust& out);

// The trust of `record` at collector time `now_ms` with these secrets (any may match:
// rotation). MACs are compared in constant time.
ContextTrust verify_context(const std::vector<std::string>& secrets, const Record& record,
                            int64_t now_ms);

// The one rule for "internal": a rating's internal flag is honoured (the rating is left out
// of insights) when it says internal and its trust is None (no secret configured) or Signed.
bool internal_honoured(bool internal, ContextTrust trust);

}  // namespace session_rating
