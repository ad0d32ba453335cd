// redact.cpp — PII redaction (contract 5): a hand-written, single-pass, linear-time scanner.
//
// The rules (and why they are what they are) are documented in docs/redaction.md; the short
// version:
//   * The scanner walks the text once. Only ASCII bytes can start or continue a match, so
//     multi-byte UTF-8 sequences (CJK, Arabic, emoji...) are never split and always kept.
//   * E-mail addresses are found first (at the start of each run of local-part characters).
//   * IBANs are tried at each word start that looks like "CC99".
//   * Everything numeric is parsed as a *cluster*: chunks of digits joined by tight separators
//     (- . / : , and parentheses), chunks joined to each other by single spaces. Chunks that
//     are dates, times, prices, versions, IP addresses, UUID-like or glued to letters are
//     barriers and are always kept. Between barriers: SSN chunks first, then Luhn-valid cards,
//     then what is left may be one phone number.
//   * Replacements never contain digits, '@' or letters adjacent to digits, so redact() is
//     idempotent.
#include "session_rating/redact.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "internal/json.h"
#include "internal/redactions_json.h"

#include "session_rating/utf8.h"

namespace session_rating {
namespace {

// True when `f` holds for one word of `list`: words each ended by '\0', the literal's own NUL
// ends the list. One literal instead of a table of string_views (smaller WebAssembly).
template <class F>
bool each_word(const char* list, F f) {
  for (const char* w = list; *w;) {
    const std::string_view word(w);
    if (f(word)) return true;
    w += word.size() + 1;
  }
  return false;
}

// Indexes of RedactionKind, for the scanner's tables.
enum Kind { kEmail = 0, kPhone, kCard, kIban, kSsn, kKindCount };
static_assert(kKindCount == kRedactionKindCount && static_cast<int>(RedactionKind::Ssn) == kSsn,
              "Kind mirrors RedactionKind");
constexpr const char* kKindName[kKindCount] = {"email", "phone", "card", "iban", "ssn"};
constexpr const char* kPlaceholder[kKindCount] = {"[email]", "[phone]", "[card]", "[iban]",
                                                  "[ssn]"};

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
inline bool is_word(char c) { return is_alnum(c) || c == '_'; }
inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
inline char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
inline int digit_value(char c) { return c - '0'; }
// Characters of an e-mail local part (the common subset; quoted local parts are not handled).
inline bool is_local(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
inline bool is_tight_sep(char c) {
  return c == '-' || c == '.' || c == '/' || c == ':' || c == ',';
}

struct Span {
  std::size_t begin;
  std::size_t end;
  Kind kind;
};

// ---------------------------------------------------------------------------------------
// E-mail

// `at` is the index of an '@'; `local_begin` the start of the local-part run before it.
// Returns the end of the address, or 0 when this is not an address.
std::size_t match_email_domain(std::string_view t, std::size_t at) {
  const std::size_t n = t.size();
  std::size_t p = at + 1;
  std::size_t best_end = 0;
  int labels = 0;
  while (p < n) {
    const std::size_t label_begin = p;
    bool all_alpha = true;
    while (p < n && (is_alnum(t[p]) || t[p] == '-')) {
      if (!is_alpha(t[p])) all_alpha = false;
      ++p;
    }
    const std::size_t len = p - label_begin;
    if (len == 0 || len > 63 || t[label_begin] == '-' || t[p - 1] == '-') break;
    ++labels;
    if (labels >= 2 && all_alpha && len >= 2) best_end = p;  // a plausible top-level domain
    if (p + 1 < n && t[p] == '.' && is_alnum(t[p + 1])) {
      ++p;
      continue;
    }
    break;
  }
  if (best_end == 0) return 0;
  // The address must not run on into more address-like characters.
  if (best_end < n && (t[best_end] == '_' || t[best_end] == '@' || t[best_end] == '-' ||
                       is_alnum(t[best_end])))
    return 0;
  return best_end;
}

// ---------------------------------------------------------------------------------------
// IBAN

struct IbanCountry {
  char code[3];
  unsigned char length;  // 15..34 (one byte: 4 bytes an entry instead of 8)
};
// IBAN lengths per country (SWIFT IBAN registry).
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16},
    {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22},
    {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20},
    {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22},
    {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
    {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21},
    {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33},
    {"SA", 24}, {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
    {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29},
    {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

int iban_length(char a, char b) {
  a = upper(a);
  b = upper(b);
  for (const IbanCountry& c : kIbanCountries)
    if (c.code[0] == a && c.code[1] == b) return c.length;
  return 0;
}

// ISO 13616 check: move the first four characters to the end, letters become 10..35, the
// resulting number mod 97 must be 1.
bool iban_mod97(const char* compact, int length) {
  uint32_t rem = 0;
  for (int k = 0; k < length; ++k) {
    const char c = compact[(k + 4) % length];
    if (is_digit(c)) {
      rem = (rem * 10 + static_cast<uint32_t>(digit_value(c))) % 97;
    } else {
      const uint32_t v = static_cast<uint32_t>(upper(c) - 'A') + 10;
      rem = (rem * 100 + v) % 97;
    }
  }
  return rem == 1;
}

// At a word start: if the text has the shape of an IBAN (country code with its registered
// length, two check digits, alphanumerics, either unbroken or in groups of four separated by
// single spaces), returns its end and sets `valid` to the mod-97 result. Returns 0 otherwise.
std::size_t match_iban(std::string_view t, std::size_t i, bool& valid) {
  const std::size_t n = t.size();
  if (i + 4 > n || !is_alpha(t[i]) || !is_alpha(t[i + 1]) || !is_digit(t[i + 2]) ||
      !is_digit(t[i + 3]))
    return 0;
  const int length = iban_length(t[i], t[i + 1]);
  if (length == 0) return 0;
  char compact[40];
  compact[0] = t[i];
  compact[1] = t[i + 1];
  compact[2] = t[i + 2];
  compact[3] = t[i + 3];
  int count = 4;
  std::size_t p = i + 4;
  const bool spaced = p < n && t[p] == ' ';
  while (count < length) {
    if (spaced && count % 4 == 0) {
      if (p >= n || t[p] != ' ') return 0;
      ++p;
    }
    if (p >= n || !is_alnum(t[p])) return 0;
    compact[count++] = t[p++];
  }
  if (p < n && is_word(t[p])) return 0;
  valid = iban_mod97(compact, length);
  return p;
}

// ---------------------------------------------------------------------------------------
// Numbers: chunks and clusters

struct Chunk {
  std::size_t begin = 0, end = 0;   // byte range in the text
  uint32_t digit_begin = 0;         // offset of its digits in Scanner::digits
  uint32_t group_begin = 0;         // offset of its group lengths in Scanner::groups
  int digits = 0;                   // number of digits
  int groups = 0;                   // number of digit groups
  char sep = 0;                     // the tight separator used (0: none)
  bool mixed_seps = false;          // more than one kind of tight separator
  bool plus = false;                // starts with '+' (or "(+")
  bool paren = false;               // has a parenthesised group
  bool glued = false;               // runs straight into letters (part of a word)
  bool barrier = false;             // never part of any redaction
};

struct Scanner {
  std::string_view t;
  std::vector<Span> spans;
  std::string digits;               // digits of the current cluster, concatenated
  std::vector<int> groups;          // group lengths of the current cluster
  std::vector<Chunk> chunks;        // chunks of the current cluster

  // --- small helpers on the current cluster -----------------------------------------
  const char* dig(const Chunk& c) const { return digits.data() + c.digit_begin; }
  int group_len(const Chunk& c, int g) const { return groups[c.group_begin + static_cast<uint32_t>(g)]; }
  int number(const char* d, int len) const {
    int v = 0;
    // Saturates (callers compare with small bounds: 12, 31, 255, 999): a long digit run
    // would overflow int (UB natively; found by fuzz-redact).
    for (int k = 0; k < len && v < 100000000; ++k) v = v * 10 + digit_value(d[k]);
    return v;
  }

  // Whether the word scan, reaching `i` right after the character `prev`, redacts an e-mail
  // address (at the start of a run of local-part characters) or a valid IBAN (at a word
  // start) there: steps 1 and 2 of run().
  bool redacted_at(std::size_t i, char prev) const {
    const char c = t[i];
    if (is_local(c) && !is_local(prev)) {
      std::size_t local_begin = 0;
      if (email_at(i, local_begin) != 0) return true;
      if (local_begin != 0) return false;  // the run and its '@' are skipped
    }
    bool valid = false;
    return is_alpha(c) && !is_word(prev) && match_iban(t, i, valid) != 0 && valid;
  }

  // At `q`, right after a group of a chunk: whether an e-mail address or an IBAN that the word
  // scan redacts starts right here (after ')') or after one separator ("…/12x@example.de",
  // "555 0100/t@y.ck", "32+GB82 WEST …", "(030)-x@…"). A second pass sees the chunk end
  // before "[email]" / "[iban]", neither continued nor glued to a word, so this one must too.
  bool redacted_follows(std::size_t q) const {
    const std::size_t n = t.size();
    if (q == 0 || q >= n) return false;
    if (t[q - 1] == ')' && redacted_at(q, ')')) return true;
    const char e = t[q];
    return q + 1 < n && (e == '/' || e == ':' || e == ',' || e == '-' || e == '+' || e == '.') &&
           redacted_at(q + 1, e);
  }

  // Parses one chunk starting at `p` (a digit, '+' digit, '(' digit or "(+" digit).
  // Returns false (and leaves no trace) when nothing could be read.
  bool parse_chunk(std::size_t p, bool allow_plus, Chunk& c) {
    const std::size_t n = t.size();
    c = Chunk{};
    c.begin = p;
    c.digit_begin = static_cast<uint32_t>(digits.size());
    c.group_begin = static_cast<uint32_t>(groups.size());
    std::size_t q = p;
    if (allow_plus && q + 1 < n && t[q] == '+' && is_digit(t[q + 1])) {
      c.plus = true;
      ++q;
    }
    bool last_was_paren = false;
    bool before_email = false;  // the chunk stopped before an address or IBAN
    for (;;) {
      if (q < n && t[q] == '(') {
        std::size_t r = q + 1;
        bool plus_here = false;
        if (allow_plus && c.groups == 0 && !c.plus && r < n && t[r] == '+') {
          plus_here = true;
          ++r;
        }
        const std::size_t d0 = r;
        while (r < n && is_digit(t[r]) && r - d0 < 8) ++r;
        if (r == d0 || r >= n || t[r] != ')') break;
        if (plus_here) c.plus = true;
        for (std::size_t k = d0; k < r; ++k) digits.push_back(t[k]);
        groups.push_back(static_cast<int>(r - d0));
        c.digits += static_cast<int>(r - d0);
        ++c.groups;
        c.paren = true;
        q = r + 1;
        last_was_paren = true;
      } else if (q < n && is_digit(t[q])) {
        const std::size_t d0 = q;
        while (q < n && is_digit(t[q])) digits.push_back(t[q++]);
        groups.push_back(static_cast<int>(q - d0));
        c.digits += static_cast<int>(q - d0);
        ++c.groups;
        last_was_paren = false;
      } else {
        break;
      }
      // What joins this item to the next one?
      if (q < n && t[q] == '(') continue;
      // An e-mail address or IBAN follows (redacted_follows): the chunk ends here and is not
      // glued, as a second pass will read it (redaction is idempotent; found by fuzz-redact).
      if (redacted_follows(q)) {
        before_email = true;
        break;
      }
      if (last_was_paren && q < n && is_digit(t[q])) continue;
      if (q + 1 < n && is_tight_sep(t[q]) && (is_digit(t[q + 1]) || t[q + 1] == '(')) {
        if (c.sep == 0) c.sep = t[q];
        else if (c.sep != t[q]) c.mixed_seps = true;
        ++q;
        continue;
      }
      break;
    }
    if (c.groups == 0) {
      digits.resize(c.digit_begin);
      groups.resize(c.group_begin);
      return false;
    }
    c.end = q;
    if (q < n && !before_email) {
      const char e = t[q];
      if (is_word(e) || e == '@') c.glued = true;
      if ((e == '-' || e == '/' || e == '+') && q + 1 < n && is_word(t[q + 1])) c.glued = true;
    }
    return true;
  }

  // Dates: Y-M-D, D.M.Y, M/D/Y... with a 4-digit year (or 2-digit year with '.' or '/').
  bool is_date(const Chunk& c) const {
    if (c.groups != 3 || c.mixed_seps || c.paren || c.plus) return false;
    if (c.sep != '-' && c.sep != '.' && c.sep != '/') return false;
    const char* d = dig(c);
    const int l0 = group_len(c, 0), l1 = group_len(c, 1), l2 = group_len(c, 2);
    const int v0 = number(d, l0), v1 = number(d + l0, l1), v2 = number(d + l0 + l1, l2);
    auto day_month = [](int a, int b) {  // a/b is day/month or month/day
      return a >= 1 && b >= 1 && ((a <= 31 && b <= 12) || (a <= 12 && b <= 31));
    };
    if (l0 == 4 && l1 <= 2 && l2 <= 2) return v1 >= 1 && v1 <= 12 && v2 >= 1 && v2 <= 31;
    if (l0 <= 2 && l1 <= 2 && l2 == 4) return day_month(v0, v1);
    if (l0 <= 2 && l1 <= 2 && l2 == 2 && c.sep != '-') return day_month(v0, v1);
    return false;
  }

  // 8 unbroken digits that read as YYYYMMDD (19xx/20xx).
  static bool is_compact_date(const char* d) {
    const int y = (d[0] - '0') * 10 + (d[1] - '0');
    const int m = (d[4] - '0') * 10 + (d[5] - '0');
    const int day = (d[6] - '0') * 10 + (d[7] - '0');
    return (y == 19 || y == 20) && m >= 1 && m <= 12 && day >= 1 && day <= 31;
  }

  bool is_ipv4(const Chunk& c) const {
    if (c.groups != 4 || c.sep != '.' || c.mixed_seps || c.paren || c.plus) return false;
    const char* d = dig(c);
    for (int g = 0; g < 4; ++g) {
      const int len = group_len(c, g);
      if (len > 3 || number(d, len) > 255) return false;
      d += len;
    }
    return true;
  }

  // ###-##-#### exactly (the SSN shape).
  bool is_ssn_shape(const Chunk& c) const {
    return c.groups == 3 && c.sep == '-' && !c.mixed_seps && !c.paren && !c.plus &&
           group_len(c, 0) == 3 && group_len(c, 1) == 2 && group_len(c, 2) == 4;
  }
  bool is_valid_ssn(const Chunk& c) const {
    const char* d = dig(c);
    const int area = number(d, 3), group = number(d + 3, 2), serial = number(d + 5, 4);
    return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
  }

  // Dot-separated chunks are phones only as groups of 2–4 digits ("555.123.4567",
  // "01.23.45.67.89"); anything else with dots is a version, an amount or an identifier.
  bool is_dot_phone(const Chunk& c) const {
    if (c.groups < 3) return false;
    for (int g = 0; g < c.groups; ++g) {
      const int len = group_len(c, g);
      if (len < 2 || len > 4) return false;
    }
    // 1.234.567 / 123.456.789 are amounts with thousands separators.
    bool thousands = group_len(c, 0) <= 3;
    for (int g = 1; g < c.groups && thousands; ++g) thousands = group_len(c, g) == 3;
    return !thousands;
  }

  void classify(Chunk& c) const {
    if (c.glued) { c.barrier = true; return; }
    if (c.sep == ':' || c.sep == ',' || c.mixed_seps) {
      // Times, amounts, ratios. Mixed separators are allowed only as '-'/'/'/'.' with
      // parentheses (handled below); ':' or ',' anywhere makes the chunk a barrier.
      if (c.sep == ':' || c.sep == ',') { c.barrier = true; return; }
    }
    if (c.mixed_seps) {
      // e.g. "1.299,00" was caught above; here only combinations of - . / remain.
      c.barrier = true;
      return;
    }
    if (c.digits > 19) { c.barrier = true; return; }                // UUID-like, long ids
    if (c.sep != 0 && c.digits <= 4) { c.barrier = true; return; }  // 12/26, 1.5, 3-4
    if (is_date(c) || is_ipv4(c)) { c.barrier = true; return; }
    if (is_ssn_shape(c) && !is_valid_ssn(c)) { c.barrier = true; return; }
    if (c.sep == '.' && !c.plus && !c.paren && !is_dot_phone(c)) { c.barrier = true; return; }
  }

  // --- cards ------------------------------------------------------------------------
  bool luhn(const char* d, int len) const {
    int sum = 0;
    bool dbl = false;
    for (int k = len - 1; k >= 0; --k) {
      int v = digit_value(d[k]);
      if (dbl) {
        v *= 2;
        if (v > 9) v -= 9;
      }
      sum += v;
      dbl = !dbl;
    }
    return sum % 10 == 0;
  }

  // Chunks [a, b] (space-joined) as one card number.
  bool is_card(std::size_t a, std::size_t b) const {
    int total = 0;
    for (std::size_t k = a; k <= b; ++k) total += chunks[k].digits;
    if (total < 13 || total > 19) return false;
    const Chunk& first = chunks[a];
    if (first.plus) return false;
    const char* d = dig(first);
    if (d[0] < '2' || d[0] > '6') return false;  // issuer ranges in use: 2–6
    // Group shape: unbroken, or a first group of four and further groups of 3–6 digits, all
    // split by spaces or all by dashes.
    if (a == b) {
      if (first.paren || (first.sep != 0 && first.sep != '-' && first.sep != '.')) return false;
      if (first.groups > 1) {
        if (group_len(first, 0) != 4) return false;
        for (int g = 1; g < first.groups; ++g) {
          const int len = group_len(first, g);
          if (len < 3 || len > 6) return false;
        }
      }
    } else {
      for (std::size_t k = a; k <= b; ++k) {
        const Chunk& c = chunks[k];
        if (c.groups != 1 || c.paren || c.plus) return false;
        if (k == a ? c.digits != 4 : (c.digits < 3 || c.digits > 6)) return false;
      }
    }
    // Chunks of one cluster have consecutive digits in the buffer.
    return luhn(d, total);
  }

  // --- phones -----------------------------------------------------------------------
  bool is_phone(std::size_t a, std::size_t b) const {
    int total = 0;
    for (std::size_t k = a; k <= b; ++k) total += chunks[k].digits;
    if (total < 7 || total > 15) return false;
    const Chunk& first = chunks[a];
    // One-digit chunks only at the start ("1 800 ...") or right after the international
    // prefix ("+33 6 12 ...", "0043 1 234...").
    const bool intl = first.plus || (first.groups == 1 && first.digits >= 3 &&
                                      first.digits <= 5 && dig(first)[0] == '0' &&
                                      dig(first)[1] == '0');
    for (std::size_t k = a + 1; k <= b; ++k) {
      if (chunks[k].plus) return false;
      if (chunks[k].digits < 2 && !(k == a + 1 && intl)) return false;
    }
    // Inside a chunk, groups after the first have at least two digits ("1-800-555-0199" but
    // not the ISBN "978-3-16-148410-0").
    for (std::size_t k = a; k <= b; ++k)
      for (int g = 1; g < chunks[k].groups; ++g)
        if (group_len(chunks[k], g) < 2) return false;
    if (a == b && first.groups == 1 && !first.plus) {
      // An unbroken run of digits: 8–12 digits, and not a compact date or a unix timestamp
      // in seconds (10 digits starting with 1: US numbers never start with 1).
      if (total < 8 || total > 12) return false;
      const char* d = dig(first);
      if (total == 8 && is_compact_date(d)) return false;
      if (total == 10 && d[0] == '1') return false;
    }
    if (a == b && is_ssn_shape(first)) return false;  // an invalid SSN is not a phone either
    // "10 000 000", "3 500 000": spaced thousands with a 1–2 digit lead are amounts.
    if (b > a && !first.plus) {
      bool plain = true;
      for (std::size_t k = a; k <= b && plain; ++k) plain = chunks[k].groups == 1 && !chunks[k].paren;
      if (plain && first.digits <= 2) {
        bool thousands = true;
        for (std::size_t k = a + 1; k <= b && thousands; ++k) thousands = chunks[k].digits == 3;
        if (thousands) return false;
      }
    }
    if (money_around(chunks[a].begin, chunks[b].end)) return false;
    if (a == 0 && !first.plus && label_before(first.begin)) return false;
    if (b + 1 == chunks.size() && suffix_after(chunks[b].end)) return false;
    return true;
  }

  // "第12345678号": a number followed by 号 or 番 is a numbered item, not a phone.
  bool suffix_after(std::size_t end) const {
    return t.substr(end, 3) == "\xE5\x8F\xB7" || t.substr(end, 3) == "\xE7\x95\xAA";
  }

  // A currency sign or code right before or after the number: an amount, not a phone.
  bool money_around(std::size_t begin, std::size_t end) const {
    // $ € £ ¥ ₹ ￥ 円 元 (words ended by '\0': each_word).
    static constexpr const char kSigns[] =
        "$\0" "\xE2\x82\xAC\0" "\xC2\xA3\0" "\xC2\xA5\0" "\xE2\x82\xB9\0" "\xEF\xBF\xA5\0"
        "\xE5\x86\x86\0" "\xE5\x85\x83\0";
    // Currency codes (each_word).
    static constexpr const char kCodes[] =
        "eur\0" "usd\0" "gbp\0" "chf\0" "jpy\0" "cny\0" "rmb\0" "sek\0" "nok\0" "dkk\0" "pln\0"
        "aed\0" "sar\0" "yen\0" "euro\0" "euros\0" "dollars\0";
    std::size_t p = begin;
    if (p > 0 && t[p - 1] == ' ') --p;
    if (each_word(kSigns, [&](std::string_view s) {
          return p >= s.size() && t.substr(p - s.size(), s.size()) == s;
        }))
      return true;
    std::size_t q = end;
    if (q < t.size() && t[q] == ' ') ++q;
    if (each_word(kSigns, [&](std::string_view s) { return t.substr(q, s.size()) == s; }))
      return true;
    std::size_t w = q;
    while (w < t.size() && is_alpha(t[w]) && w - q < 8) ++w;
    if (w > q && (w >= t.size() || !is_word(t[w]))) {
      if (each_word(kCodes, [&](std::string_view s) {
            if (s.size() != w - q) return false;
            bool same = true;
            for (std::size_t k = 0; k < s.size() && same; ++k) same = lower(t[q + k]) == s[k];
            return same;
          }))
        return true;
    }
    return false;
  }

  // "Order 12345678", "Ticket #4821937", "Bestell-Nr. 123456789", "注文番号：12345678":
  // a number labelled as an order/ticket/reference number is not a phone.
  bool label_before(std::size_t begin) const {
    // Labels, lower case (each_word).
    static constexpr const char kAscii[] =
        "order\0" "orders\0" "invoice\0" "ticket\0" "case\0" "ref\0" "reference\0" "referenz\0"
        "id\0" "tracking\0" "booking\0" "confirmation\0" "transaction\0" "serial\0" "version\0"
        "build\0" "release\0" "customer\0" "account\0" "po\0" "sku\0" "item\0" "article\0"
        "product\0" "issue\0" "bug\0" "error\0" "code\0" "pin\0" "zip\0" "postcode\0"
        "bestellung\0" "bestellnummer\0" "bestell\0" "rechnung\0" "rechnungsnummer\0" "auftrag\0"
        "auftragsnummer\0" "kundennummer\0" "kunden\0" "vorgang\0" "seriennummer\0" "serien\0"
        "isbn\0" "ean\0" "upc\0" "imei\0" "commande\0" "facture\0" "dossier\0" "pedido\0"
        "factura\0" "referencia\0" "ordine\0" "fattura\0" "bestelling\0" "factuur\0";
    // 注文 受付番号 問い合わせ番号 会員番号 管理番号 注文番号 订单 单号 编号 订单号
    // الطلب طلب الفاتورة, 第 (ordinal prefix) (each_word).
    static constexpr const char kUtf8[] =
        "\xE6\xB3\xA8\xE6\x96\x87\0" "\xE5\x8F\x97\xE4\xBB\x98\xE7\x95\xAA\xE5\x8F\xB7\0"
        "\xE5\x95\x8F\xE3\x81\x84\xE5\x90\x88\xE3\x82\x8F\xE3\x81\x9B\xE7\x95\xAA\xE5\x8F\xB7\0"
        "\xE4\xBC\x9A\xE5\x93\xA1\xE7\x95\xAA\xE5\x8F\xB7\0"
        "\xE7\xAE\xA1\xE7\x90\x86\xE7\x95\xAA\xE5\x8F\xB7\0"
        "\xE6\xB3\xA8\xE6\x96\x87\xE7\x95\xAA\xE5\x8F\xB7\0" "\xE8\xAE\xA2\xE5\x8D\x95\0"
        "\xE5\x8D\x95\xE5\x8F\xB7\0" "\xE7\xBC\x96\xE5\x8F\xB7\0"
        "\xE8\xAE\xA2\xE5\x8D\x95\xE5\x8F\xB7\0" "\xD8\xA7\xD9\x84\xD8\xB7\xD9\x84\xD8\xA8\0"
        "\xD8\xB7\xD9\x84\xD8\xA8\0"
        "\xD8\xA7\xD9\x84\xD9\x81\xD8\xA7\xD8\xAA\xD9\x88\xD8\xB1\xD8\xA9\0" "\xE7\xAC\xAC\0";
    std::size_t p = begin;
    for (int word = 0; word < 3; ++word) {
      // Skip separators between the label and the number.
      std::size_t skipped = 0;
      while (p > 0 && skipped < 6) {
        const char c = t[p - 1];
        if (c == '#') return true;
        if (c == ' ' || c == ':' || c == '.' || c == '-' || c == '=') {
          --p;
          ++skipped;
          continue;
        }
        if (p >= 3 && t.substr(p - 3, 3) == "\xEF\xBC\x9A") {  // full-width colon
          p -= 3;
          ++skipped;
          continue;
        }
        if (p >= 3 && t.substr(p - 3, 3) == "\xEF\xBC\x83") return true;  // full-width #
        if (p >= 2 && t.substr(p - 2, 2) == "\xC2\xB0") {  // degree sign of "N°"
          p -= 2;
          ++skipped;
          continue;
        }
        break;
      }
      if (p == 0) return false;
      if (!is_alpha(t[p - 1])) {
        return each_word(kUtf8, [&](std::string_view s) {
          return p >= s.size() && t.substr(p - s.size(), s.size()) == s;
        });
      }
      std::size_t w = p;
      while (w > 0 && is_alpha(t[w - 1]) && p - w < 20) --w;
      if (w > 0 && is_word(t[w - 1])) return false;
      char buf[20];
      const std::size_t len = p - w;
      for (std::size_t k = 0; k < len; ++k) buf[k] = lower(t[w + k]);
      const std::string_view word_text(buf, len);
      if (each_word(kAscii, [&](std::string_view s) { return word_text == s; })) return true;
      // "No.", "Nr.", "number" say nothing by themselves: look one word further back.
      if (each_word("no\0" "nr\0" "number\0" "num\0" "nummer\0" "numero\0" "n\0",
                    [&](std::string_view s) { return word_text == s; })) {
        p = w;
        continue;
      }
      return false;
    }
    return false;
  }

  // --- the cluster ---------------------------------------------------------------------
  // Parses the cluster starting at `p`, records its redactions and returns its end.
  std::size_t scan_cluster(std::size_t p) {
    const std::size_t n = t.size();
    digits.clear();
    groups.clear();
    chunks.clear();
    Chunk c;
    if (!parse_chunk(p, true, c)) return p;
    chunks.push_back(c);
    while (!chunks.back().glued) {
      const std::size_t q = chunks.back().end;
      if (q + 1 >= n || t[q] != ' ') break;
      const char d = t[q + 1];
      if (!(is_digit(d) || (d == '(' && q + 2 < n && is_digit(t[q + 2])))) break;
      // A chunk that starts an e-mail address ("4111 4111----x.y@example.com") ends the
      // cluster: the address is matched where a second pass would match it.
      std::size_t local_begin = 0;
      if (email_at(q + 1, local_begin) != 0) break;
      if (!parse_chunk(q + 1, false, c)) break;
      chunks.push_back(c);
      if (chunks.size() > 4096) break;  // keep pathological input linear and bounded
    }
    for (Chunk& ch : chunks) classify(ch);

    // Runs of non-barrier chunks.
    std::size_t k = 0;
    const std::size_t m = chunks.size();
    while (k < m) {
      if (chunks[k].barrier) { ++k; continue; }
      std::size_t run_end = k;
      while (run_end + 1 < m && !chunks[run_end + 1].barrier) ++run_end;
      scan_run(k, run_end);
      k = run_end + 1;
    }
    // A last chunk glued into a word ("4111 1111 1111jo@example.com") is left to the word
    // scan, where it may start an e-mail address: redacting the output again must change
    // nothing (found by fuzz-redact). A first chunk glued returns p: the word is skipped.
    return chunks.back().glued ? chunks.back().begin : chunks.back().end;
  }

  void scan_run(std::size_t a, std::size_t z) {
    // 1. SSNs are single chunks; they split the run.
    // 2. Luhn-valid cards, leftmost first, longest first.
    // 3. Each remaining stretch is one phone number or nothing.
    std::size_t seg = a;  // start of the stretch not yet claimed
    std::size_t k = a;
    while (k <= z) {
      if (is_ssn_shape(chunks[k]) && is_valid_ssn(chunks[k])) {
        phone_stretch(seg, k);
        add(chunks[k].begin, chunks[k].end, kSsn);
        seg = k = k + 1;
        continue;
      }
      std::size_t card_end = SIZE_MAX;
      int total = 0;
      for (std::size_t b = k; b <= z; ++b) {
        total += chunks[b].digits;
        if (total > 19) break;
        if (total >= 13 && is_card(k, b)) card_end = b;  // keep the longest
      }
      if (card_end != SIZE_MAX) {
        phone_stretch(seg, k);
        add(chunks[k].begin, chunks[card_end].end, kCard);
        seg = k = card_end + 1;
        continue;
      }
      ++k;
    }
    phone_stretch(seg, z + 1);
  }

  // Chunks [a, b) as one phone number, if they are one.
  void phone_stretch(std::size_t a, std::size_t b) {
    if (a >= b) return;
    if (is_phone(a, b - 1)) add(chunks[a].begin, chunks[b - 1].end, kPhone);
  }

  void add(std::size_t begin, std::size_t end, Kind kind) { spans.push_back({begin, end, kind}); }

  // An e-mail address whose local part is the run of local-part characters starting at `i`:
  // its end (and in `local_begin` its start, leading '.' and '-' skipped), or 0. When the run
  // ends in '@' but is no address, returns 0 with `local_begin` = just past the '@' (where
  // the scan goes on); otherwise `local_begin` is left as it was.
  std::size_t email_at(std::size_t i, std::size_t& local_begin) const {
    const std::size_t n = t.size();
    std::size_t j = i;
    while (j < n && is_local(t[j])) ++j;
    if (j >= n || t[j] != '@' || j == i) return 0;
    std::size_t b = i;
    while (b < j && (t[b] == '.' || t[b] == '-')) ++b;
    const std::size_t end = b < j && t[j - 1] != '.' ? match_email_domain(t, j) : 0;
    local_begin = end != 0 ? b : j + 1;
    return end;
  }

  // t[j] as the redacted text shows it: ']' when a redacted span ends there (its placeholder's
  // last character). Every look behind goes through it, so a second pass over the output
  // reads the same boundaries as this one (redaction is idempotent; found by fuzz-redact).
  // Spans are added in text order and the scan never looks back past the last one's end.
  char shown(std::size_t j) const { return !spans.empty() && spans.back().end == j + 1 ? ']' : t[j]; }

  // Whether a cluster may start at `i` (t[i] is a digit, '+' or '('): not in the middle of a
  // word or of a longer number.
  bool cluster_start(std::size_t i) const {
    const std::size_t n = t.size();
    const char c = t[i];
    if (c == '+' && !(i + 1 < n && (is_digit(t[i + 1])))) return false;
    if (c == '(' && !(i + 1 < n && (is_digit(t[i + 1]) ||
                                    (t[i + 1] == '+' && i + 2 < n && is_digit(t[i + 2])))))
      return false;
    if (i == 0) return true;
    const char p = shown(i - 1);
    // After '(' only when the '(' itself could not start a chunk: "(457-55-5462)".
    if (p == '(') return i < 2 || !is_word(shown(i - 2));
    if (is_word(p) || p == '@' || p == '+' || p == '&' || p == '%' ||
        p == '\\' || p == '=' || p == '[')
      return false;
    if (is_tight_sep(p)) {
      if (i < 2) return true;
      const char pp = shown(i - 2);
      if (is_digit(pp)) return false;  // in the middle of a number ("1.5", "T12:30")
      if (p == '-' || p == '/' || p == ',') return pp == ' ' || pp == '\n' || pp == '\t';
      return true;  // "Tel:555...", "Tel.555..."
    }
    return true;
  }

  void run() {
    const std::size_t n = t.size();
    std::size_t i = 0;
    while (i < n) {
      const char c = t[i];
      if (static_cast<unsigned char>(c) >= 0x80) { ++i; continue; }
      // 1. E-mail: at the start of a run of local-part characters that ends in '@' (right
      // after a redacted span too: "a@y.ck.b@y.ck", "0417 1643.doe@example.com").
      if (is_local(c) && (i == 0 || !is_local(shown(i - 1)))) {
        std::size_t local_begin = 0;
        const std::size_t end = email_at(i, local_begin);
        if (end != 0) {
          add(local_begin, end, kEmail);
          i = end;
          continue;
        }
        if (local_begin != 0) {
          // Not an address: skip the whole run and its '@' so no part is read as a number.
          i = local_begin;
          continue;
        }
      }
      // 2. IBAN at a word start.
      if (is_alpha(c) && (i == 0 || !is_word(shown(i - 1)))) {
        bool valid = false;
        const std::size_t end = match_iban(t, i, valid);
        if (end != 0) {
          if (valid) add(i, end, kIban);
          i = end;  // an IBAN-shaped text failing mod-97 is kept whole
          continue;
        }
      }
      // 3. Numbers.
      if ((is_digit(c) || c == '+' || c == '(') && cluster_start(i)) {
        const std::size_t end = scan_cluster(i);
        if (end > i) {
          i = end;
          continue;
        }
      }
      // 4. Anything else: skip a whole word, or one byte.
      if (is_word(c)) {
        while (i < n && is_word(t[i])) ++i;
      } else {
        ++i;
      }
    }
  }
};

}  // namespace

const char* redaction_kind_name(RedactionKind kind) {
  const int k = static_cast<int>(kind);
  return k >= 0 && k < kKindCount ? kKindName[k] : kKindName[kEmail];
}

bool parse_redaction_kind(std::string_view name, RedactionKind& out) {
  for (int k = 0; k < kKindCount; ++k)
    if (name == kKindName[k]) {
      out = static_cast<RedactionKind>(k);
      return true;
    }
  return false;
}

std::vector<Redaction> merge_redactions(const std::vector<Redaction>& a,
                                        const std::vector<Redaction>& b) {
  int64_t counts[kKindCount] = {0, 0, 0, 0, 0};
  for (const std::vector<Redaction>* list : {&a, &b})
    for (const Redaction& x : *list) {
      RedactionKind kind;
      if (parse_redaction_kind(x.kind, kind)) counts[static_cast<int>(kind)] += x.count;
    }
  std::vector<Redaction> merged;
  for (int k = 0; k < kKindCount; ++k)
    if (counts[k] > 0) merged.push_back(Redaction{kKindName[k], counts[k]});
  return merged;
}

namespace {

// The ASCII character a look-alike code point is read as, 0 when it is dropped (zero-width),
// or -1 when it is no look-alike. `p` points at the lead byte of a multi-byte sequence of
// valid UTF-8 with `left` bytes left; `len` receives the sequence's length.
int look_alike(const unsigned char* p, std::size_t left, int& len) {
  len = 1;
  if (p[0] == 0xC2 && left >= 2) {
    len = 2;
    return p[1] == 0xA0 ? ' ' : -1;  // U+00A0 no-break space
  }
  if (left < 3 || (p[0] & 0xF0) != 0xE0) return -1;
  len = 3;
  const unsigned b = p[1], c = p[2];
  if (p[0] == 0xE2 && b == 0x80) {
    if (c >= 0x8B && c <= 0x8D) return 0;  // U+200B–U+200D zero-width (non-)joiner, space
    if (c == 0xAF) return ' ';               // U+202F narrow no-break space
  }
  if (p[0] == 0xE2 && b == 0x81 && c == 0xA0) return 0;  // U+2060 word joiner
  if (p[0] == 0xEF) {
    if (b == 0xBB && c == 0xBF) return 0;                // U+FEFF zero-width no-break space
    if (b == 0xBC && c >= 0x90 && c <= 0x99) return '0' + static_cast<int>(c - 0x90);  // ０–９
    if (b == 0xBC && c == 0xA0) return '@';              // U+FF20 full-width @
    if (b == 0xBC && c == 0x8E) return '.';              // U+FF0E full-width full stop
    if (b == 0xB9 && c == 0x92) return '.';              // U+FE52 small full stop
  }
  return -1;
}

// Redacts valid UTF-8 `text` into `out`, adding one count per match to `counts` (by kind).
void redact_into(std::string_view text, std::string& out, int64_t* counts) {
  // Look-alikes are normalised before matching (docs/redaction.md): `norm` is the text with
  // no-break spaces as spaces, zero-width characters dropped, full-width digits, @ and dots as
  // ASCII. Built only when the text holds a look-alike; matches are mapped back by walking
  // both texts, so every byte outside a match is kept.
  const auto* u = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::string norm;
  bool normalised = false;
  for (std::size_t i = 0; i < n;) {
    int len = 1;
    const int a = u[i] < 0x80 ? -1 : look_alike(u + i, n - i, len);
    if (a >= 0 && !normalised) {
      norm.assign(text.data(), i);
      normalised = true;
    }
    if (normalised) {
      if (a > 0) norm.push_back(static_cast<char>(a));
      else if (a < 0) norm.append(text.data() + i, static_cast<std::size_t>(len));
    }
    i += static_cast<std::size_t>(len);
  }
  Scanner s;
  s.t = normalised ? std::string_view(norm) : text;
  // Every kind needs an '@' (e-mail) or a digit (phone, card, IBAN, SSN) in the normalised
  // text: without either, which is most comments, there is nothing to scan for.
  bool candidate = false;
  for (char c : s.t) {
    if (c == '@' || is_digit(c)) {
      candidate = true;
      break;
    }
  }
  if (!candidate) {
    out.append(text);
    return;
  }
  s.run();

  std::size_t o = 0, j = 0;  // a position in `text` and the matching one in `s.t`
  // Moves to normalised position `target`; at a match's start, past dropped characters too.
  auto walk = [&](std::size_t target, bool begin) {
    if (!normalised) return target;
    for (;;) {
      int len = 1;
      const int a = o < n && u[o] >= 0x80 ? look_alike(u + o, n - o, len) : -1;
      if (j >= target && !(begin && a == 0 && o < n)) return o;
      o += static_cast<std::size_t>(len);
      j += a > 0 ? 1 : a == 0 ? 0 : static_cast<std::size_t>(len);
    }
  };
  out.reserve(text.size());
  std::size_t pos = 0;
  for (const Span& span : s.spans) {  // spans are found left to right and never overlap
    const std::size_t begin = walk(span.begin, true);
    const std::size_t end = walk(span.end, false);
    out.append(text.data() + pos, begin - pos);
    out.append(kPlaceholder[span.kind]);
    ++counts[span.kind];
    pos = end;
  }
  out.append(text.data() + pos, text.size() - pos);
}

}  // namespace

RedactResult redact(std::string_view text) {
  RedactResult result;
  if (!is_valid_utf8(text)) {
    result.ok = false;
    result.error.path = "";
    result.error.code = "invalid_utf8";
    result.error.message = "the text is not valid UTF-8";
    return result;
  }
  int64_t counts[kKindCount] = {0, 0, 0, 0, 0};
  redact_into(text, result.text, counts);
  for (int k = 0; k < kKindCount; ++k)
    if (counts[k] > 0) result.redactions.push_back(Redaction{kKindName[k], counts[k]});
  return result;
}

namespace {

// Redacts `text` in place (when valid UTF-8), cut at `max_code_points`; counts into `counts`.
void redact_field(std::string& text, std::size_t max_code_points, int64_t* counts) {
  if (!is_valid_utf8(text)) return;
  std::string out;
  redact_into(text, out, counts);
  std::size_t cps = 0, i = 0;
  for (; i < out.size(); ++i)
    if ((static_cast<unsigned char>(out[i]) & 0xC0) != 0x80 && cps++ == max_code_points) break;
  text.assign(out.data(), i);
}

// `list` with `counts` added, in kind order (kinds the core does not know are dropped: record
// validation refuses them anyway).
void add_counts(std::vector<Redaction>& list, int64_t* counts) {
  bool any = false;
  for (int k = 0; k < kKindCount; ++k) any |= counts[k] > 0;
  if (!any) return;
  for (const Redaction& x : list)
    for (int k = 0; k < kKindCount; ++k)
      if (x.kind == kKindName[k]) counts[k] += x.count;
  list.clear();
  for (int k = 0; k < kKindCount; ++k)
    if (counts[k] > 0) list.push_back(Redaction{kKindName[k], counts[k]});
}

}  // namespace

void redact_record_text(Record& record) {
  int64_t context_counts[kKindCount] = {0, 0, 0, 0, 0};
  if (record.topic) redact_field(*record.topic, 128, context_counts);
  for (auto& [key, value] : record.properties)
    if (value.kind == PropertyValue::Kind::String) redact_field(value.text, 200, context_counts);
  for (std::size_t i = 0; i < record.answers.size(); ++i) {
    Answer& a = record.answers[i];
    int64_t counts[kKindCount] = {0, 0, 0, 0, 0};
    redact_field(a.comment, 5000, counts);
    if (i == 0)
      for (int k = 0; k < kKindCount; ++k) counts[k] += context_counts[k];
    add_counts(a.redactions, counts);
  }
}

std::string redact_result_to_json(const RedactResult& result) {
  // The shared writer keeps the contract's key order ("text" before "redactions") without
  // instantiating a second nlohmann type (ordered_json) in the WASM build.
  std::string out;
  internal::JsonWriter w(out);
  w.begin_object();
  if (!result.ok) {
    w.key("error");
    w.begin_object();
    w.key("code"); w.string(result.error.code);
    w.key("path"); w.string(result.error.path);
    w.key("message"); w.string(result.error.message);
    w.end_object();
  } else {
    w.key("text"); w.string(result.text);
    w.key("redactions"); internal::write_redactions(w, result.redactions);
  }
  w.end_object();
  return out;
}

}  // namespace session_rating
