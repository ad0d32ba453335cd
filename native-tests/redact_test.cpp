// Tests for redact() (contract 5): focused unit tests, and the labelled corpus in
// native-tests/redact-corpus/corpus.tsv measured for recall and false-positive rate.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "session_rating/redact.h"

using session_rating::redact;
using session_rating::redact_result_to_json;
using session_rating::RedactResult;

namespace {

std::string text_of(const std::string& in) {
  const RedactResult r = redact(in);
  EXPECT_TRUE(r.ok) << in;
  return r.text;
}

std::map<std::string, int64_t> counts_of(const std::string& in) {
  std::map<std::string, int64_t> out;
  for (const auto& r : redact(in).redactions) out[r.kind] = r.count;
  return out;
}

bool unchanged(const std::string& in) {
  const RedactResult r = redact(in);
  return r.ok && r.text == in && r.redactions.empty();
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Each kind

TEST(Redact, email_is_replaced_and_rest_kept_byte_for_byte) {
  EXPECT_EQ(text_of("Write to john.doe+x@mail.example.com, thanks."), "Write to [email], thanks.");
  EXPECT_EQ(text_of("a_b@example.co.uk"), "[email]");
  EXPECT_EQ(text_of("(bob@example.io)"), "([email])");
}

TEST(Redact, email_needs_a_domain_with_a_top_level_label) {
  EXPECT_TRUE(unchanged("user@localhost and foo@bar.123 and @handle and a@b"));
  EXPECT_TRUE(unchanged("support [at] example [dot] com"));
}

TEST(Redact, email_ending_a_sentence_keeps_the_full_stop) {
  EXPECT_EQ(text_of("Mail max@example.de."), "Mail [email].");
}

TEST(Redact, phone_formats_with_separators_and_country_codes) {
  for (const char* phone :
       {"+1 (555) 123-4567", "555-123-4567", "(555) 987-6543", "555.123.4567", "1-800-555-0199",
        "+44 (0)20 7946 0958", "030/1234567", "0171-1234567", "06 12 34 56 78",
        "+33 6 12 34 56 78", "090-1234-5678", "+81 90-1234-5678", "13812345678",
        "+971 50 123 4567", "+7 (495) 123-45-67", "0043 1 23456789", "+4930123456789"}) {
    EXPECT_EQ(text_of(std::string("call ") + phone + " now"), "call [phone] now") << phone;
  }
}

TEST(Redact, phone_needs_seven_digits) {
  EXPECT_TRUE(unchanged("call 555-123 or 12 34 56"));
  EXPECT_EQ(text_of("call 555 1234"), "call [phone]");  // 7 digits with a separator
}

TEST(Redact, unbroken_digit_runs_are_phones_only_from_eight_to_twelve_digits) {
  EXPECT_TRUE(unchanged("count 1234567"));
  EXPECT_EQ(text_of("call 2125550187"), "call [phone]");
  EXPECT_TRUE(unchanged("id 12345678901234"));
}

TEST(Redact, card_numbers_must_pass_luhn) {
  EXPECT_EQ(text_of("card 4111 1111 1111 1111 ok"), "card [card] ok");
  EXPECT_EQ(text_of("card 4111-1111-1111-1111"), "card [card]");
  EXPECT_EQ(text_of("card 4111111111111111"), "card [card]");
  EXPECT_EQ(text_of("amex 3782 822463 10005"), "amex [card]");
  EXPECT_TRUE(unchanged("ref4597971147104"));  // glued to a word
  EXPECT_EQ(text_of("visa13: 4597971147104"), "visa13: [card]");
  // Same shapes, last digit changed: Luhn fails, and they are too long for phones.
  EXPECT_TRUE(unchanged("order 4111 1111 1111 1112"));
  EXPECT_TRUE(unchanged("order 4111111111111112"));
  EXPECT_TRUE(unchanged("order 2039 0089 5108 0619"));
}

TEST(Redact, luhn_valid_numbers_outside_card_issuer_ranges_are_kept) {
  // Luhn-valid, but card numbers start with 2–6.
  EXPECT_TRUE(unchanged("loyalty 1111 1111 1111 1117"));
  EXPECT_TRUE(unchanged("loyalty 9111 1111 1111 1113"));
}

TEST(Redact, iban_with_and_without_spaces_mod97_only) {
  EXPECT_EQ(text_of("IBAN DE89 3704 0044 0532 0130 00."), "IBAN [iban].");
  EXPECT_EQ(text_of("IBAN DE89370400440532013000"), "IBAN [iban]");
  EXPECT_EQ(text_of("GB82 WEST 1234 5698 7654 32"), "[iban]");
  EXPECT_EQ(text_of("NO9386011117947"), "[iban]");
  // Check digits wrong: kept whole (no part of it becomes a card or phone either).
  EXPECT_TRUE(unchanged("IBAN DE89 3704 0044 0532 0130 01"));
  EXPECT_TRUE(unchanged("DE00123456789012345678"));
  // Wrong length for the country.
  EXPECT_TRUE(unchanged("DE89 3704 0044 0532 0130"));
}

TEST(Redact, ssn_valid_areas_only) {
  EXPECT_EQ(text_of("SSN 123-45-6789."), "SSN [ssn].");
  EXPECT_EQ(text_of("(457-55-5462)"), "([ssn])");
  for (const char* invalid : {"000-12-3456", "666-12-3456", "900-12-3456", "999-99-9999",
                              "123-00-4567", "123-45-0000"})
    EXPECT_TRUE(unchanged(std::string("code ") + invalid)) << invalid;
}

TEST(Redact, ssn_is_not_counted_as_a_phone) {
  EXPECT_EQ(counts_of("123-45-6789"), (std::map<std::string, int64_t>{{"ssn", 1}}));
}

// ---------------------------------------------------------------------------------------
// Look-alikes that must be kept

TEST(Redact, dates_times_and_timestamps_are_kept) {
  for (const char* s : {"2024-05-01", "01/05/2024", "1.5.2024", "12:30", "12:30:45",
                        "2024-05-01T12:30:45Z", "2024-05-01T12:30:45.123+02:00",
                        "2024-05-01 12:30:45", "20240501", "1716900000000", "1716900000",
                        "31.12.2024", "2024/05/01", "05.01.24"})
    EXPECT_TRUE(unchanged(std::string("at ") + s + " ok")) << s;
}

TEST(Redact, prices_and_amounts_are_kept) {
  for (const char* s : {"$1,299.99", "1.299,00 €", "1 299,99 €", "12 345 678,90 €",
                        "1,000,000 users", "1.234.567", "10 000 000", "EUR 1234567,00",
                        "12345678 EUR", "€ 12345678"})
    EXPECT_TRUE(unchanged(std::string("paid ") + s)) << s;
}

TEST(Redact, versions_ids_and_addresses_are_kept) {
  for (const char* s : {"v1.2.3", "10.0.19045.2965", "124.0.6367.91", "192.168.10.20",
                        "550e8400-e29b-41d4-a716-446655440000",
                        "12345678-1234-1234-1234-123456789012", "978-3-16-148410-0",
                        "0x80070005", "IMG_20240501_123045.jpg", "172.16.0.0/12",
                        "https://example.com/orders/2039008951080619"})
    EXPECT_TRUE(unchanged(std::string("see ") + s)) << s;
}

TEST(Redact, labelled_order_and_ticket_numbers_are_not_phones) {
  EXPECT_TRUE(unchanged("Order 12345678"));
  EXPECT_TRUE(unchanged("Ticket #48213957"));
  EXPECT_TRUE(unchanged("Bestell-Nr. 123456789"));
  EXPECT_TRUE(unchanged("注文番号：12345678"));
  // A label does not protect a card, and "no." alone is not a label.
  EXPECT_EQ(text_of("Order 4111 1111 1111 1111"), "Order [card]");
  EXPECT_EQ(text_of("phone no. 0171 1234567"), "phone no. [phone]");
}

// ---------------------------------------------------------------------------------------
// Counts, order, text handling

TEST(Redact, counts_are_per_kind_in_contract_order) {
  const RedactResult r =
      redact("ssn 123-45-6789, DE89370400440532013000, 4111111111111111, 555-123-4567, "
             "a@example.com, b@example.com");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.redactions.size(), 5u);
  const char* kinds[] = {"email", "phone", "card", "iban", "ssn"};
  const int64_t counts[] = {2, 1, 1, 1, 1};
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_EQ(r.redactions[k].kind, kinds[k]);
    EXPECT_EQ(r.redactions[k].count, counts[k]);
  }
  EXPECT_EQ(r.text, "ssn [ssn], [iban], [card], [phone], [email], [email]");
}

TEST(Redact, nothing_to_redact_gives_empty_list_and_same_text) {
  const RedactResult r = redact("");
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.text.empty());
  EXPECT_TRUE(r.redactions.empty());
  EXPECT_TRUE(unchanged("Très bien 👍 — 很好 — شكرا"));
}

TEST(Redact, multibyte_text_around_matches_is_kept) {
  EXPECT_EQ(text_of("電話：090-1234-5678、メール：taro@example.co.jpまで"),
            "電話：[phone]、メール：[email]まで");
  EXPECT_EQ(text_of("اتصل بي على +971 50 123 4567 شكرا"), "اتصل بي على [phone] شكرا");
  EXPECT_EQ(text_of("📞+49 171 2345678📞"), "📞[phone]📞");
}

TEST(Redact, invalid_utf8_is_a_structured_error_without_the_text) {
  const std::string bad = std::string("secret 555-123-4567 \xC3\x28", 22);
  const RedactResult r = redact(bad);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "invalid_utf8");
  EXPECT_EQ(r.error.path, "");
  EXPECT_EQ(r.error.message.find("555"), std::string::npos);
  const auto j = nlohmann::json::parse(redact_result_to_json(r), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["error"]["code"], "invalid_utf8");
  EXPECT_EQ(redact_result_to_json(r).find("555"), std::string::npos);
  for (const char* s : {"\xFF", "\xED\xA0\x80", "\xC0\xAF", "\xF4\x90\x80\x80", "abc\xE2\x82"})
    EXPECT_FALSE(redact(s).ok) << s;
}

TEST(Redact, json_has_text_then_redactions) {
  const std::string json = redact_result_to_json(redact("mail a@example.com \"q\""));
  EXPECT_EQ(json,
            "{\"text\":\"mail [email] \\\"q\\\"\",\"redactions\":[{\"kind\":\"email\",\"count\":1}]}");
  EXPECT_EQ(redact_result_to_json(redact("x")), "{\"text\":\"x\",\"redactions\":[]}");
}

TEST(Redact, placeholders_never_match_again) {
  const std::string once = text_of("[email] [phone] [card] [iban] [ssn] a@example.com 555-123-4567");
  EXPECT_EQ(once, "[email] [phone] [card] [iban] [ssn] [email] [phone]");
  EXPECT_TRUE(unchanged(once));
}

TEST(Redact, digit_group_starting_an_address_ends_its_number) {
  // The last group of a number starts an e-mail address ("…/12x@example.de"): the address is
  // redacted and the number is read as it stands before "[email]", so redacting the output
  // again changes nothing (fuzz findings; fuzz/corpus/redact/regression-number-glued-to-a-later-
  // address, regression-number-before-slash-and-an-address, regression-number-before-plus-and-
  // an-iban; an IBAN after the number is read the same way). Each case: the text, the first pass, and the second pass finds nothing.
  const std::pair<std::string, std::string> cases[] = {
      {"1724567840/12840/12x@example.de", "[phone]/[email]"},
      {"call 1724567840/12840/12@example.de", "call [phone]/[email]"},
      {"555 1234/12x@example.de", "[phone]/[email]"},
      {"(03012345)12x@example.de", "[phone][email]"},
      {"(03012345)-12x@example.de", "[phone]-[email]"},
      {"0301234567:12x@example.de", "[phone]:[email]"},
      {"2024-01-15/12x@example.de", "2024-01-15/[email]"},  // a date stays a date
      {"4111 1111 1111 1111/12x@example.de", "[card]/[email]"},
      {"12/34x@example.de", "12/[email]"},  // too short for a phone, before and after
      // The address starts with a letter ("555 0100/t@y.ck", the second finding).
      {"555 0100/t@y.ck", "[phone]/[email]"},
      {"555 0100/_t@y.ck", "[phone]/[email]"},
      {"(03012345)t@y.ck", "[phone][email]"},
      {"(03012345)-x@y.ck", "[phone]-[email]"},
      // An IBAN after '+', '-' or '/' (the third finding) or right after ')'.
      {"97654 32+GB82 WEST 1234 5698 7654 32", "[phone]+[iban]"},
      {"97654 32-GB82WEST12345698765432", "[phone]-[iban]"},
      {"(97654032)GB82WEST12345698765432", "[phone][iban]"},
  };
  for (const auto& [in, want] : cases) {
    const RedactResult once = redact(in);
    ASSERT_TRUE(once.ok) << in;
    EXPECT_EQ(once.text, want) << in;
    EXPECT_TRUE(unchanged(once.text)) << in << " -> " << once.text << " -> "
                                      << redact(once.text).text;
  }
  // Not an address after the group: the number is glued into the word and kept, as before.
  EXPECT_TRUE(unchanged("1724567840/12840/12x@example"));
  EXPECT_TRUE(unchanged("555 0100/t@y"));
  EXPECT_TRUE(unchanged("97654 32+GB82 WEST 1234 5698 7654 33"));  // mod-97 fails: kept whole
}

TEST(Redact, random_text_never_crashes_and_is_idempotent) {
  // Random strings over an alphabet rich in digits and separators, plus multi-byte pieces.
  const std::vector<std::string> pieces = {
      "0", "1", "4", "5", "9", " ", "-", ".", "/", ":", ",", "(", ")", "+", "@", "#", "a",
      "e", "D", "E", "x", "_", "\xC3\xA9", "\xE9\x9B\xBB", "\xF0\x9F\x93\x9E", "€", "$",
      "com", "8", "3", "\n", "[", "]", "T", "Z", "GB", "89"};
  std::mt19937 rng(12345);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    std::string s;
    const int len = static_cast<int>(rng() % 80);
    for (int k = 0; k < len; ++k) s += pieces[rng() % pieces.size()];
    const RedactResult once = redact(s);
    ASSERT_TRUE(once.ok);
    const RedactResult twice = redact(once.text);
    ASSERT_TRUE(twice.ok);
    EXPECT_TRUE(twice.redactions.empty()) << "input: " << s << "\nonce: " << once.text
                                         << "\ntwice: " << twice.text;
    EXPECT_EQ(twice.text, once.text);
  }
}

TEST(Redact, long_input_is_handled) {
  std::string big;
  for (int k = 0; k < 20000; ++k) big += "1 ";
  big += "call 555-123-4567";
  std::string digits(100000, '7');
  const RedactResult r = redact(big + " " + digits);
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.redactions.size(), 1u);
  EXPECT_EQ(r.redactions[0].kind, "phone");
}

// ---------------------------------------------------------------------------------------
// The labelled corpus

namespace {

struct CorpusCase {
  int line = 0;
  std::map<std::string, int64_t> expect;
  std::string text;
};

std::vector<CorpusCase> load_corpus(const std::string& path) {
  std::vector<CorpusCase> cases;
  std::ifstream in(path);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos) {
      ADD_FAILURE() << path << ":" << number << ": no TAB";
      continue;
    }
    CorpusCase c;
    c.line = number;
    c.text = line.substr(tab + 1);
    const std::string expect = line.substr(0, tab);
    if (expect != "-") {
      std::stringstream parts(expect);
      std::string part;
      while (std::getline(parts, part, ',')) {
        const auto eq = part.find('=');
        if (eq == std::string::npos) {
          ADD_FAILURE() << path << ":" << number << ": bad expectation " << part;
          continue;
        }
        c.expect[part.substr(0, eq)] = std::stoll(part.substr(eq + 1));
      }
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace

TEST(Redact, corpus_recall_and_false_positive_rate) {
  const std::string path = std::string(SR_TESTS_DIR) + "/redact-corpus/corpus.tsv";
  const std::vector<CorpusCase> cases = load_corpus(path);
  ASSERT_GE(cases.size(), 300u) << path;

  int64_t expected_items = 0, found_items = 0, spurious_items = 0;
  int negative_lines = 0, flagged_negative_lines = 0, lines_with_spurious = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> per_kind;  // kind -> (found, expected)
  for (const CorpusCase& c : cases) {
    const RedactResult r = redact(c.text);
    ASSERT_TRUE(r.ok) << "line " << c.line;
    std::map<std::string, int64_t> got;
    for (const auto& red : r.redactions) got[red.kind] = red.count;
    bool spurious = false;
    for (const auto& [kind, want] : c.expect) {
      const int64_t have = got.count(kind) ? got[kind] : 0;
      expected_items += want;
      found_items += std::min(want, have);
      per_kind[kind].first += std::min(want, have);
      per_kind[kind].second += want;
    }
    for (const auto& [kind, have] : got) {
      const int64_t want = c.expect.count(kind) ? c.expect.at(kind) : 0;
      if (have > want) {
        spurious_items += have - want;
        spurious = true;
      }
    }
    if (c.expect.empty()) {
      ++negative_lines;
      if (!r.redactions.empty()) ++flagged_negative_lines;
    }
    if (spurious) ++lines_with_spurious;
    if (got != c.expect) {
      std::cout << "  corpus mismatch, line " << c.line << ": " << c.text << "\n    -> "
                << r.text << "\n";
    }
    // Every redacted result is stable.
    EXPECT_TRUE(redact(r.text).redactions.empty()) << "line " << c.line;
  }

  const double recall =
      expected_items ? 100.0 * static_cast<double>(found_items) / static_cast<double>(expected_items)
                     : 0.0;
  const double fp_rate =
      100.0 * static_cast<double>(lines_with_spurious) / static_cast<double>(cases.size());
  const double fp_negative =
      negative_lines ? 100.0 * flagged_negative_lines / static_cast<double>(negative_lines) : 0.0;
  std::cout << "redact corpus: " << cases.size() << " lines (" << negative_lines
            << " look-alike negatives), " << expected_items << " PII items\n";
  for (const auto& [kind, fe] : per_kind)
    std::cout << "  " << kind << ": " << fe.first << "/" << fe.second << "\n";
  std::cout << "  recall " << recall << " % (" << found_items << "/" << expected_items << ")\n"
            << "  false positives: " << fp_rate << " % of lines (" << lines_with_spurious << "/"
            << cases.size() << ", " << spurious_items << " spurious items); " << fp_negative
            << " % of negative lines (" << flagged_negative_lines << "/" << negative_lines
            << ")\n";
  EXPECT_GE(recall, 99.0);
  EXPECT_LE(fp_rate, 1.0);
  EXPECT_LE(fp_negative, 1.0);
}

TEST(Redact, kind_names_round_trip_in_result_order) {
  using session_rating::parse_redaction_kind;
  using session_rating::redaction_kind_name;
  using session_rating::RedactionKind;
  const char* const expected[] = {"email", "phone", "card", "iban", "ssn"};
  ASSERT_EQ(session_rating::kRedactionKindCount, 5);
  for (int k = 0; k < session_rating::kRedactionKindCount; ++k) {
    const auto kind = static_cast<RedactionKind>(k);
    EXPECT_STREQ(redaction_kind_name(kind), expected[k]);
    RedactionKind back = RedactionKind::Ssn;
    ASSERT_TRUE(parse_redaction_kind(expected[k], back));
    EXPECT_EQ(back, kind);
  }
  RedactionKind unchanged = RedactionKind::Phone;
  EXPECT_FALSE(parse_redaction_kind("Email", unchanged));
  EXPECT_FALSE(parse_redaction_kind("", unchanged));
  EXPECT_EQ(unchanged, RedactionKind::Phone);
}

TEST(Redact, results_use_the_kind_names_in_kind_order) {
  RedactResult r = redact("ssn 123-45-6789, mail a@b.example, call +49 30 1234 5678");
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.redactions.size(), 3u);
  EXPECT_EQ(r.redactions[0].kind, "email");
  EXPECT_EQ(r.redactions[1].kind, "phone");
  EXPECT_EQ(r.redactions[2].kind, "ssn");
}

TEST(Redact, merge_redactions_adds_counts_per_kind_in_kind_order) {
  using session_rating::merge_redactions;
  using session_rating::Redaction;
  const std::vector<Redaction> client = {{"ssn", 1}, {"email", 2}, {"bogus", 5}};
  const std::vector<Redaction> server = {{"email", 1}, {"phone", 3}};
  const std::vector<Redaction> merged = merge_redactions(client, server);
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0].kind, "email");
  EXPECT_EQ(merged[0].count, 3);
  EXPECT_EQ(merged[1].kind, "phone");
  EXPECT_EQ(merged[1].count, 3);
  EXPECT_EQ(merged[2].kind, "ssn");
  EXPECT_EQ(merged[2].count, 1);
  EXPECT_TRUE(merge_redactions({}, {}).empty());
}
