// The generated seeds (generated_seeds.h): payloads × templates.
//
// A template holds "@@" where a JSON payload goes, or "%%" where a raw text payload goes;
// "##LEN##" (collector) becomes the byte length of what follows the first blank line, so the
// HTTP request stays well-formed around a huge body.
#include "generated_seeds.h"

#include <cstddef>

namespace sr_fuzz {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;
constexpr int kDepth = 10000;

std::string repeat(std::string_view unit, std::size_t bytes) {
  std::string out;
  out.reserve(bytes + unit.size());
  while (out.size() < bytes) out.append(unit);
  return out;
}

std::string repeat_n(std::string_view unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.append(unit);
  return out;
}

using Seeds = std::vector<std::pair<std::string, std::string>>;

// JSON values (and almost-values) that stress a reader.
Seeds json_payloads() {
  Seeds p;
  p.emplace_back("deep_array", repeat_n("[", kDepth) + repeat_n("]", kDepth));
  p.emplace_back("deep_object", repeat_n("{\"a\":", kDepth) + "1" + repeat_n("}", kDepth));
  p.emplace_back("deep_unclosed", repeat_n("[{\"a\":", kDepth));
  p.emplace_back("string_1mib", "\"" + repeat("x", kMiB) + "\"");
  p.emplace_back("string_1mib_utf8", "\"" + repeat("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", kMiB) + "\"");
  p.emplace_back("string_1mib_escapes", "\"" + repeat("\\u00e9\\n\\ud83d\\ude00", kMiB) + "\"");
  p.emplace_back("string_1mib_lone_surrogates", "\"" + repeat("\\ud800", kMiB) + "\"");
  p.emplace_back("string_1mib_pii", "\"" + repeat("4111 1111 1111 1111 jo@example.com ", kMiB) + "\"");
  p.emplace_back("number_400_digits", "1" + std::string(400, '0'));
  p.emplace_back("number_1e400_fraction", "0." + std::string(400, '0') + "1e400");
  p.emplace_back("array_100k", "[" + repeat("1,", 200000) + "1]");
  p.emplace_back("object_20k_keys", [] {
    std::string s = "{";
    for (int i = 0; i < 20000; ++i) s += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
    return s + "}";
  }());
  p.emplace_back("object_10k_duplicate_keys", "{" + repeat_n("\"a\":1,", 10000) + "\"a\":2}");
  return p;
}

// Raw text (redaction, HTTP bodies): big, hostile to a scanner.
Seeds raw_payloads() {
  Seeds p;
  p.emplace_back("raw_1mib_ascii", repeat("x", kMiB));
  p.emplace_back("raw_1mib_cards", repeat("4111 1111 1111 1111 ", kMiB));
  p.emplace_back("raw_1mib_cards_nbsp", repeat("4111\xC2\xA0" "1111\xC2\xA0" "1111\xC2\xA0" "1111 ", kMiB));
  p.emplace_back("raw_1mib_emails", repeat("john.doe@example.com ", kMiB));
  p.emplace_back("raw_1mib_at_signs", repeat("a@", kMiB));
  p.emplace_back("raw_1mib_digits", repeat("1", kMiB));
  p.emplace_back("raw_1mib_digit_spaces", repeat("1 ", kMiB));
  p.emplace_back("raw_1mib_phone_like", repeat("+1 (555) 010-0000 ", kMiB));
  p.emplace_back("raw_1mib_iban_like", repeat("GB82 WEST 1234 5698 7654 32 ", kMiB));
  p.emplace_back("raw_1mib_zero_width", repeat("4\xE2\x80\x8B", kMiB));
  p.emplace_back("raw_1mib_invalid_utf8", repeat("\xFF\xC0\x80\xED\xA0\x80", kMiB));
  p.emplace_back("raw_1mib_nul", std::string(kMiB, '\0'));
  return p;
}

struct Template {
  const char* name;
  const char* text;
};

std::string fill(std::string_view tmpl, std::string_view payload) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (i + 1 < tmpl.size() && ((tmpl[i] == '@' && tmpl[i + 1] == '@') ||
                                (tmpl[i] == '%' && tmpl[i + 1] == '%'))) {
      out.append(payload);
      ++i;
    } else {
      out.push_back(tmpl[i]);
    }
  }
  // The mark is in the head, so the body's length does not depend on what replaces it.
  const std::string len_mark = "##LEN##";
  const auto at = out.find(len_mark);
  const auto blank = out.find("\r\n\r\n");
  if (at != std::string::npos && blank != std::string::npos && at < blank)
    out.replace(at, len_mark.size(), std::to_string(out.size() - (blank + 4)));
  return out;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> generated_seeds(std::string_view target) {
  static const char* const kRecord =
      R"({"schema":"rating.v2","rating_id":"r-1","session_id":"s-1","rater_id":null,"subject_id":null,"revision":1,"final":false,"answers":[{"question":"overall","scale":"stars","range":[1,5],"score":2,"positive":false,"sentiment":"negative","problems":["audio"],"comment":@@,"redactions":[],"low_score_max":3,"positive_min":4}],"submitted_at":1000,"first_submitted_at":1000,"edit_deadline":3601000,"internal":false,"topic":null,"agent_id":null,"properties":{}})";
  std::vector<Template> json_t, raw_t;
  // push_back, not a braced list: GCC 12 warns (-Wnonnull, a false positive) on assigning one.
  auto Json = [&json_t](const char* name, const char* text) { json_t.push_back(Template{name, text}); };
  auto Raw = [&raw_t](const char* name, const char* text) { raw_t.push_back(Template{name, text}); };
  if (target == "config") {
    Json("whole", "@@");
    Json("question", R"({"question":@@})");
    Json("strings", R"({"strings":{"title":@@}})");
    Json("problems", R"({"problems":@@})");
    Json("questions", R"({"questions":@@})");
  } else if (target == "context") {
    Json("whole", "@@");
    Json("session_id", R"({"session_id":@@})");
    Json("topic", R"({"session_id":"s-1","topic":@@})");
    Json("properties", R"({"session_id":"s-1","properties":@@})");
    Json("property_value", R"({"session_id":"s-1","properties":{"plan":@@}})");
  } else if (target == "events") {
    Json("config_line", "@@\n{\"type\":\"score\",\"at\":1,\"value\":1}");
    Json("event", "0\n@@");
    Json("comment", "0\n{\"type\":\"score\",\"at\":1,\"value\":2}\n{\"type\":\"comment\",\"at\":2,\"text\":@@}\n#snapshot\n{\"type\":\"submit\",\"at\":3}");
    Json("comment_no_redaction", "1\n{\"type\":\"score\",\"at\":1,\"value\":0}\n{\"type\":\"comment\",\"at\":2,\"text\":@@}\n#snapshot\n{\"type\":\"submit\",\"at\":3}");
    Json("at", "2\n{\"type\":\"score\",\"question\":\"nps\",\"at\":@@,\"value\":3}");
  } else if (target == "records") {
    Json("whole", "@@");
    Json("comment", kRecord);
  } else if (target == "snapshot") {
    Json("whole", "@@");
    Json("comment", R"({"config":"4aabc3aae088bb4e","context":{"agent_id":null,"internal":false,"properties":{},"rater_id":null,"rating_id":"s","session_ended_at":null,"session_id":"s","subject_id":null,"topic":null},"draft":[{"comment":@@,"problems":[],"redactions":[],"score":2}],"final_emitted":false,"first_submitted_at":0,"last_at":1,"open":true,"revision":0,"snapshot":"flow.v3","step":"details","submitted":[{"comment":"","problems":[],"redactions":[],"score":null}],"submitted_at":0})");
    Json("draft", R"({"config":"4aabc3aae088bb4e","context":{"agent_id":null,"internal":false,"properties":{},"rater_id":null,"rating_id":"s","session_ended_at":null,"session_id":"s","subject_id":null,"topic":null},"draft":@@,"final_emitted":false,"first_submitted_at":0,"last_at":1,"open":true,"revision":0,"snapshot":"flow.v3","step":"details","submitted":[{"comment":"","problems":[],"redactions":[],"score":null}],"submitted_at":0})");
  } else if (target == "redact") {
    Raw("text", "%%");
    Raw("embedded", "call me at %% or mail a@b.co");
  } else if (target == "scenario") {
    Json("whole", "@@");
    Json("config", R"({"name":"n","config":@@,"context":{"session_id":"s"},"steps":[]})");
    Json("event", R"({"name":"n","config":{},"context":{"session_id":"s"},"steps":[{"event":@@}]})");
  } else if (target == "collector") {
    Json("post_rating",
               "POST /v1/ratings?key=fuzz-write-key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
               "text/plain\r\nContent-Length: ##LEN##\r\n\r\n@@");
    Raw("post_raw",
              "POST /v1/ratings?key=fuzz-write-key HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
              "##LEN##\r\n\r\n%%");
    Raw("header_value", "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: %%\r\n\r\n");
    Raw("target", "GET /v1/ratings?x=%% HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  } else {
    return {};
  }
  Seeds out;
  if (!json_t.empty()) {
    for (const auto& [pname, payload] : json_payloads())
      for (const Template& t : json_t) out.emplace_back(std::string(t.name) + "-" + pname, fill(t.text, payload));
  }
  if (!raw_t.empty()) {
    for (const auto& [pname, payload] : raw_payloads())
      for (const Template& t : raw_t) out.emplace_back(std::string(t.name) + "-" + pname, fill(t.text, payload));
  }
  if (target == "collector") {
    out.emplace_back("10k_headers", [] {
      std::string s = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
      for (int i = 0; i < 10000; ++i) s += "X-H" + std::to_string(i) + ": v\r\n";
      return s + "\r\n";
    }());
  }
  return out;
}

}  // namespace sr_fuzz
