#include "session_rating/sign.h"

#include "internal/json.h"

namespace session_rating {

std::string context_signing_payload(int64_t exp, std::string_view session_id,
                                    const std::optional<std::string>& rater_id,
                                    const std::optional<std::string>& subject_id,
                                    const std::optional<std::string>& agent_id, bool internal) {
  std::string out;
  internal::JsonWriter w(out);
  auto optional_text = [&w](const std::optional<std::string>& v) {
    if (v) w.string(*v); else w.null();
  };
  w.begin_array();
  w.string(kContextSignaturePrefix);
  w.integer(exp);
  w.string(session_id);
  optional_text(rater_id);
  optional_text(subject_id);
  optional_text(agent_id);
  w.boolean(internal);
  w.end_array();
  return out;
}

std::string context_signing_payload(int64_t exp, const Context& c) {
  return context_signing_payload(exp, c.session_id, c.rater_id, c.subject_id, c.agent_id,
                                 c.internal);
}

std::string context_signing_payload(int64_t exp, const Record& r) {
  return context_signing_payload(exp, r.session_id, r.rater_id, r.subject_id, r.agent_id,
                                 r.internal);
}

bool split_context_signature(std::string_view token, int64_t& exp, std::string_view& mac) {
  const std::size_t p = kContextSignaturePrefix.size();
  if (token.size() < p + 1 || token.substr(0, p) != kContextSignaturePrefix || token[p] != '.')
    return false;
  const std::string_view rest = token.substr(p + 1);
  const std::size_t dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 16) return false;
  const std::string_view digits = rest.substr(0, dot);
  if (digits.size() > 1 && digits[0] == '0') return false;
  int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  const std::string_view m = rest.substr(dot + 1);
  if (m.size() != kContextMacLength) return false;
  for (char c : m) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  exp = value;
  mac = m;
  return true;
}

bool is_context_signature_syntax(std::string_view token) {
  int64_t exp = 0;
  std::string_view mac;
  return split_context_signature(token, exp, mac);
}

std::string make_context_signature(int64_t exp, std::string_view mac) {
  std::string out(kContextSignaturePrefix);
  out += '.';
  out += std::to_string(exp);
  out += '.';
  out.append(mac.data(), mac.size());
  return out;
}

}  // namespace session_rating
