// HMAC-SHA256 through OpenSSL (no hand-written crypto); base64url by hand (a table, no
// padding), since OpenSSL only writes standard base64.
#include "session_rating/context_trust.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "session_rating/sign.h"

namespace session_rating {

std::string context_mac(std::string_view secret, std::string_view payload) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &len) ||
      len != 32)
    return "";
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve(kContextMacLength);
  unsigned int i = 0;
  for (; i + 3 <= len; i += 3) {
    const uint32_t v = (uint32_t{mac[i]} << 16) | (uint32_t{mac[i + 1]} << 8) | mac[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  // 32 = 30 + 2: the last two bytes give three characters.
  const uint32_t v = (uint32_t{mac[i]} << 16) | (uint32_t{mac[i + 1]} << 8);
  out += kAlphabet[(v >> 18) & 63];
  out += kAlphabet[(v >> 12) & 63];
  out += kAlphabet[(v >> 6) & 63];
  return out;
}

std::string sign_context(std::string_view secret, int64_t exp, const Context& context) {
  return make_context_signature(exp, context_mac(secret, context_signing_payload(exp, context)));
}

const char* context_trust_name(ContextTrust trust) {
  switch (trust) {
    case ContextTrust::None: return "none";
    case ContextTrust::Signed: return "signed";
    case ContextTrust::Unsigned: return "unsigned";
    case ContextTrust::Invalid: return "invalid";
    case ContextTrust::Expired: return "expired";
  }
  return "none";
}

bool parse_context_trust(std::string_view name, ContextTrust& out) {
  for (ContextTrust t : {ContextTrust::None, ContextTrust::Signed, ContextTrust::Unsigned,
                         ContextTrust::Invalid, ContextTrust::Expired}) {
    if (name == context_trust_name(t)) {
      out = t;
      return true;
    }
  }
  return false;
}

ContextTrust verify_context(const std::vector<std::string>& secrets, const Record& record,
                            int64_t now_ms) {
  if (secrets.empty()) return ContextTrust::None;
  if (!record.context_signature) return ContextTrust::Unsigned;
  int64_t exp = 0;
  std::string_view mac;
  if (!split_context_signature(*record.context_signature, exp, mac)) return ContextTrust::Invalid;
  const std::string payload = context_signing_payload(exp, record);
  bool valid = false;
  for (const std::string& secret : secrets) {
    const std::string expected = context_mac(secret, payload);
    // Every secret is tried (no early exit), each comparison in constant time.
    if (expected.size() == mac.size() &&
        CRYPTO_memcmp(expected.data(), mac.data(), mac.size()) == 0)
      valid = true;
  }
  if (!valid) return ContextTrust::Invalid;
  return exp > now_ms ? ContextTrust::Signed : ContextTrust::Expired;
}

bool internal_honoured(bool internal, ContextTrust trust) {
  return internal && (trust == ContextTrust::None || trust == ContextTrust::Signed);
}

}  // namespace session_rating
