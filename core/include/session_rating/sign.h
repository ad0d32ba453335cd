// session_rating/sign.h — signed context (issue 13, "Trusted context"): the canonical text a
// host's backend signs, and the syntax of the token it hands to the widget. The MAC itself
// (HMAC-SHA256, OpenSSL) lives in the native-only session_rating_sign library
// (context_trust.h); this header is pure text and is in the core (native and WASM alike).
// Contract: docs/contracts.md (contract 2) and docs/security.md ("Signed context").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "session_rating/config.h"
#include "session_rating/record.h"

namespace session_rating {

// The token's version label, its first dot-separated part: "sr1.<exp>.<mac>".
inline constexpr std::string_view kContextSignaturePrefix = "sr1";

// Length of the token's mac part: 32 bytes of HMAC-SHA256 in base64url without padding.
inline constexpr std::size_t kContextMacLength = 43;

// Largest expiry the token syntax allows: 16 decimal digits.
inline constexpr int64_t kMaxContextSignatureExpiry = INT64_C(9999999999999999);

// The signed text: the core's JSON writer output of the array
// ["sr1",exp,session_id,rater_id|null,subject_id|null,agent_id|null,internal], no spaces,
// e.g. ["sr1",1767225600000,"s-1","u-7",null,"agent-4",true].
std::string context_signing_payload(int64_t exp, std::string_view session_id,
                                    const std::optional<std::string>& rater_id,
                                    const std::optional<std::string>& subject_id,
                                    const std::optional<std::string>& agent_id, bool internal);

// The same payload for the fields of a context ...
std::string context_signing_payload(int64_t exp, const Context& context);

// ... and for the same fields of a record (what the collector verifies).
std::string context_signing_payload(int64_t exp, const Record& record);

// True when `token` is "sr1.<exp>.<mac>": exp 1–16 decimal digits without a leading zero
// (a lone "0" is allowed), mac exactly 43 characters of the base64url alphabet [A-Za-z0-9_-].
bool is_context_signature_syntax(std::string_view token);

// Splits a token of valid syntax into its expiry (ms since 1970) and mac text; false (outputs
// unchanged) when the syntax is not valid.
bool split_context_signature(std::string_view token, int64_t& exp, std::string_view& mac);

// "sr1." + exp + "." + mac (the caller computed mac over context_signing_payload(exp, ...)).
std::string make_context_signature(int64_t exp, std::string_view mac);

}  // namespace session_rating
