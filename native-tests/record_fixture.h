// Shared by the insights tests (native-tests/insights_test.cpp, tally_test.cpp) and the CLI
// tests (native-tests/cli/insights_cli_test.cpp): one way to make a valid record for a test.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "session_rating/config.h"
#include "session_rating/record.h"

namespace sr_test {

inline constexpr int64_t kT0 = 1767225600000;  // 2026-01-01T00:00:00Z

// A valid answer to `question` on `scale` (numeric: over [min, max]) with the scale's default
// thresholds; a low score picks "audio".
inline session_rating::Answer answer(const std::string& question, session_rating::Scale scale,
                                     int score, int min = 1, int max = 5) {
  using namespace session_rating;
  Answer a;
  a.question = question;
  a.scale = scale;
  if (!fixed_range(scale, a.min, a.max)) {
    a.min = min;
    a.max = max;
  }
  default_thresholds(scale, a.min, a.max, a.low_score_max, a.positive_min);
  a.score = score;
  a.positive = is_positive(scale, score, a.positive_min);
  a.sentiment = sentiment_of(scale, a.min, a.max, score, a.positive_min);
  if (is_low(scale, score, a.low_score_max)) a.problems = {"audio"};
  return a;
}

// A valid record of rating `id` at `revision` with one answer to "overall" (thresholds of the
// scale; low scores pick "audio").
inline session_rating::Record rec(const std::string& id, int64_t revision, int score,
                                  session_rating::Scale scale = session_rating::Scale::Stars,
                                  bool final = false) {
  using namespace session_rating;
  Record r;
  r.rating_id = id;
  r.session_id = "s-" + id;
  r.revision = revision;
  r.final = final;
  r.answers = {answer("overall", scale, score)};
  r.first_submitted_at = kT0;
  r.submitted_at = kT0 + (revision - 1) * 1000;
  r.edit_deadline = kT0 + 3600000;
  return r;
}

// The same record with other answers (in this order).
inline session_rating::Record with_answers(session_rating::Record r,
                                           std::vector<session_rating::Answer> answers) {
  r.answers = std::move(answers);
  return r;
}

// The record as a rating.v1 line (one answer, question "overall"), as cores before rating.v2
// wrote it: the answer's fields at the top level, thresholds last.
inline std::string v1_line(const session_rating::Record& r) {
  using namespace session_rating;
  const Answer& a = r.answers.at(0);
  auto q = [](const std::string& s) {  // a JSON string literal
    static const char* const hex = "0123456789abcdef";
    std::string out = "\"";
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (u < 0x20) {
        out += "\\u00";
        out += hex[u >> 4];
        out += hex[u & 15];
      } else {
        out += c;
      }
    }
    return out + "\"";
  };
  std::string s = "{\"schema\":\"rating.v1\",\"rating_id\":" + q(r.rating_id) +
                  ",\"session_id\":" + q(r.session_id) +
                  ",\"revision\":" + std::to_string(r.revision) +
                  ",\"final\":" + (r.final ? "true" : "false") + ",\"scale\":" +
                  q(scale_name(a.scale)) + ",\"score\":" + std::to_string(a.score) +
                  ",\"positive\":" + (a.positive ? "true" : "false") + ",\"sentiment\":" +
                  q(sentiment_name(a.sentiment)) + ",\"problems\":[";
  for (std::size_t i = 0; i < a.problems.size(); ++i) s += (i ? "," : "") + q(a.problems[i]);
  s += "],\"comment\":" + q(a.comment) + ",\"redactions\":[";
  for (std::size_t i = 0; i < a.redactions.size(); ++i)
    s += std::string(i ? "," : "") + "{\"kind\":" + q(a.redactions[i].kind) +
         ",\"count\":" + std::to_string(a.redactions[i].count) + "}";
  s += "],\"submitted_at\":" + std::to_string(r.submitted_at) +
       ",\"first_submitted_at\":" + std::to_string(r.first_submitted_at) +
       ",\"edit_deadline\":" + (r.edit_deadline ? std::to_string(*r.edit_deadline) : "null") +
       ",\"internal\":" + (r.internal ? "true" : "false") +
       ",\"topic\":" + (r.topic ? q(*r.topic) : "null") +
       ",\"agent_id\":" + (r.agent_id ? q(*r.agent_id) : "null") +
       ",\"thresholds\":{\"low_score_max\":" + std::to_string(a.low_score_max) +
       ",\"positive_min\":" + std::to_string(a.positive_min) + "}}";
  return s;
}

// Random ratings with retries and edits over several questions and scales, raters, subjects,
// topics, agents and properties (string, number, bool, absent): every record (in generation
// order) and each rating's winning record (highest revision; the final copy when sent).
inline void random_ratings(std::mt19937_64& rng, int count, std::vector<session_rating::Record>& all,
                           std::map<std::string, session_rating::Record>& winners) {
  using namespace session_rating;
  struct Q {
    const char* id;
    Scale scale;
    int min, max;
  };
  static const Q kQuestions[] = {{"overall", Scale::Stars, 1, 5},
                                 {"HELPFUL_THUMBS", Scale::Thumbs, 0, 1},
                                 {"EXPERIENCE_THUMBS", Scale::Thumbs, 0, 1},
                                 {"emo", Scale::Emoji, 1, 5},
                                 {"ces", Scale::Numeric, 1, 7},
                                 {"nps", Scale::Nps, 0, 10}};
  static const char* const kProblems[] = {"audio", "video", "connection", "other"};
  for (int k = 0; k < count; ++k) {
    const std::string id = "r" + std::to_string(k);
    Record r;
    r.rating_id = id;
    r.session_id = "s-" + std::to_string(k / 3);
    if (rng() % 4) r.rater_id = "u" + std::to_string(rng() % 25);
    if (rng() % 2) r.subject_id = "m" + std::to_string(rng() % 5);
    r.internal = rng() % 10 == 0;
    if (rng() % 3) r.topic = rng() % 7 ? "t" + std::to_string(rng() % 4) : std::string("(none)");
    if (rng() % 3) r.agent_id = "a" + std::to_string(rng() % 5);
    if (rng() % 4) r.properties.push_back({"beta", PropertyValue{PropertyValue::Kind::Bool, "", 0, rng() % 2 == 0}});
    if (rng() % 4) {
      PropertyValue v;
      v.kind = PropertyValue::Kind::String;
      v.text = rng() % 9 ? "m-" + std::to_string(rng() % 3) : std::string("(none)");
      r.properties.push_back({"model", v});
    }
    if (rng() % 4) {
      static const double kTemps[] = {0, 0.5, 1, 2.25};
      PropertyValue v;
      v.kind = PropertyValue::Kind::Number;
      v.number = kTemps[rng() % 4];
      r.properties.push_back({"temp", v});
    }
    r.first_submitted_at = kT0 + static_cast<int64_t>(rng() % 10) * 86400000 +
                           static_cast<int64_t>(rng() % 86400000);
    r.edit_deadline = r.first_submitted_at + 3600000;
    if (rng() % 5 == 0) r.edit_deadline.reset();  // a live session's end not reported yet
    // 1–3 distinct questions in config order.
    std::vector<const Q*> qs;
    for (const Q& q : kQuestions)
      if (rng() % 3 == 0) qs.push_back(&q);
    if (qs.empty()) qs.push_back(&kQuestions[rng() % 6]);
    if (qs.size() > 3) qs.resize(3);
    const int revisions = 1 + static_cast<int>(rng() % 3);
    for (int rev = 1; rev <= revisions; ++rev) {
      r.revision = rev;
      r.submitted_at = r.first_submitted_at + (rev - 1) * 1000;
      r.answers.clear();
      for (const Q* q : qs) {
        const int score = q->min + static_cast<int>(rng() % static_cast<uint64_t>(q->max - q->min + 1));
        Answer a = answer(q->id, q->scale, score, q->min, q->max);
        a.problems.clear();
        if (is_low(a.scale, a.score, a.low_score_max))
          for (const char* p : kProblems)
            if (rng() % 2) a.problems.push_back(p);
        r.answers.push_back(a);
      }
      all.push_back(r);
      if (rng() % 2) all.push_back(r);  // a retry
    }
    if (rng() % 2) {
      r.final = true;
      all.push_back(r);
    }
    winners[id] = r;
  }
}

}  // namespace sr_test
