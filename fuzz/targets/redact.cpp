// Fuzz target "redact": redact() on any bytes. Properties: invalid UTF-8 is refused with
// invalid_utf8 and nothing else; valid text gives valid UTF-8, counts listed once per kind in
// kind order (each >= 1, in total no more than the input's bytes), unchanged text when nothing
// was found, growth bounded by the replacement tokens (at most 7 bytes per item), and a result
// that a second redact() leaves as it is (nothing personal left to find).
#include "fuzz.h"
#include "session_rating/redact.h"
#include "session_rating/utf8.h"

using namespace session_rating;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = sr_fuzz::as_text(data, size);
  const RedactResult r = redact(text);
  if (!is_valid_utf8(text)) {
    SR_FUZZ_CHECK(!r.ok);
    SR_FUZZ_CHECK(r.error.code == "invalid_utf8");
    return 0;
  }
  SR_FUZZ_CHECK(r.ok);
  SR_FUZZ_CHECK(is_valid_utf8(r.text));
  int previous = -1;
  int64_t total = 0;
  for (const Redaction& item : r.redactions) {
    RedactionKind kind;
    SR_FUZZ_CHECK_MSG(parse_redaction_kind(item.kind, kind), item.kind);
    SR_FUZZ_CHECK(static_cast<int>(kind) > previous);
    previous = static_cast<int>(kind);
    SR_FUZZ_CHECK(item.count >= 1);
    total += item.count;
  }
  SR_FUZZ_CHECK(total <= static_cast<int64_t>(text.size()));
  if (total == 0) SR_FUZZ_CHECK(r.text == text);
  SR_FUZZ_CHECK_MSG(static_cast<int64_t>(r.text.size()) <= static_cast<int64_t>(text.size()) + 7 * total,
                    std::to_string(text.size()) + " -> " + std::to_string(r.text.size()));
  const RedactResult twice = redact(r.text);
  SR_FUZZ_CHECK(twice.ok);
  SR_FUZZ_CHECK_MSG(twice.text == r.text && twice.redactions.empty(),
                    "input:  " + std::string(text.substr(0, 2000)) + "\nonce:   " +
                        r.text.substr(0, 2000) + "\ntwice:  " + twice.text.substr(0, 2000));
  return 0;
}

std::string sr_fuzz_describe(std::string_view) { return ""; }
