// Insights (contract 6): per-question CSAT, NPS, mean, distributions, sentiment, problem
// counts and distinct raters, counting each rating once by its winning record. See
// insights.h and docs/insights.md.
//
// One counting rule: `Counter` (below) counts winning records given as RatingFigures. Tally is
// a Counter; Aggregator keeps each rating's winning record in a compact Entry and, for a
// result, replays the entries through a fresh Counter. So Tally == Aggregator by construction.
#include "session_rating/insights.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

#include "internal/from_value.h"
#include "internal/insights_table.h"
#include "internal/json.h"
#include "internal/properties.h"
#include "internal/record_scan.h"
#include "session_rating/civil_date.h"
#include "session_rating/hash.h"

// Hash containers natively (the 1M-record benchmark); ordered ones in the WASM build, where
// the hash-table code costs ~2 KB gzip and inputs are small. Results never depend on order.
#ifdef __EMSCRIPTEN__
template <class K, class V>
using HashMap = std::map<K, V>;
#else
template <class K, class V>
using HashMap = std::unordered_map<K, V>;
#endif

namespace session_rating {

using nlohmann::json;

namespace {

bool is_csat_scale(Scale s) { return s != Scale::Nps; }
bool is_mean_scale(Scale s) { return s == Scale::Stars || s == Scale::Emoji; }

// Calls f(id) for each id of a join_problem_ids() string.
template <typename F>
void for_each_problem_id(std::string_view joined, F&& f) {
  while (!joined.empty()) {
    const std::size_t comma = joined.find(',');
    f(joined.substr(0, comma));
    if (comma == std::string_view::npos) break;
    joined.remove_prefix(comma + 1);
  }
}

// A small string-keyed table in insertion order: linear search while it is small (problem
// ids, questions, topics and agents are usually few), a hash index beyond that.
template <typename T>
struct Keyed {
  std::vector<std::pair<std::string, T>> items;
  HashMap<std::string, std::size_t> index;
  std::string scratch;
  T& get(std::string_view key) {
    if (items.size() <= 16) {
      for (auto& item : items)
        if (item.first == key) return item.second;
    } else {
      scratch.assign(key.data(), key.size());
      auto found = index.find(scratch);
      if (found != index.end()) return items[found->second].second;
    }
    items.emplace_back(std::string(key), T{});
    index.emplace(items.back().first, items.size() - 1);
    return items.back().second;
  }
};

// Running figures of one set of answers: the Figures plus what is needed to finish them
// (the 64-bit FNV-1a hashes of the raters seen). Raters are counted by sorting the hashes
// and dropping repeats — whenever the vector is full before it grows, and at the end — so it
// holds at most about twice the distinct raters, 8 bytes each, and no per-entry node
// allocations (a hash set was a fifth of a 1M-record run).
struct FigAcc {
  Figures f;                     // problems counted straight into f.problems (few ids)
  mutable std::vector<uint64_t> raters;  // [0, sorted) sorted and distinct, then as counted
  mutable std::size_t sorted = 0;
  std::string scratch;

  void count_rating(const std::optional<uint64_t>& rater) {
    ++f.ratings;
    if (!rater) return;
    if (raters.size() == raters.capacity() && raters.size() >= 1024) compact();
    raters.push_back(*rater);
  }

  // Sorts the hashes counted since the last time, merges them into the sorted distinct
  // prefix and drops repeats; then, if that freed less than half, doubles the capacity so
  // that the next compaction waits for as many new hashes again (O(n log n) in all).
  void compact() const {
    const auto mid = raters.begin() + static_cast<std::ptrdiff_t>(sorted);
    std::sort(mid, raters.end());
    std::inplace_merge(raters.begin(), mid, raters.end());
    raters.erase(std::unique(raters.begin(), raters.end()), raters.end());
    sorted = raters.size();
    if (raters.size() * 2 > raters.capacity()) raters.reserve(raters.capacity() * 2);
  }

  void count_answer(const AnswerFigures& a) {
    ++f.answers;
    if (is_csat_scale(a.scale)) {
      ++f.csat_answers;
      if (a.positive) ++f.positive;
    }
    if (is_mean_scale(a.scale)) {
      ++f.mean_count;
      f.mean_sum += a.score;
      if (a.score >= 1 && a.score <= 5) ++f.distribution[static_cast<std::size_t>(a.score - 1)];
    } else if (a.scale == Scale::Thumbs) {
      if (a.score == 1) ++f.thumbs_up;
      else ++f.thumbs_down;
    } else if (a.scale == Scale::Nps) {
      if (a.score >= 9) ++f.promoters;
      else if (a.score >= 7) ++f.passives;
      else ++f.detractors;
    }
    ++f.sentiment[static_cast<std::size_t>(a.sentiment)];
    for_each_problem_id(a.problem_ids, [this](std::string_view id) {
      scratch.assign(id.data(), id.size());
      ++f.problems[scratch];
    });
  }

  void finish_into(Figures& out) const {
    out = f;
    compact();
    out.raters = static_cast<int64_t>(raters.size());
  }
};

// Running figures of one Summary: its own answers plus the same per question id.
struct SumAcc {
  FigAcc all;
  int64_t excluded_internal = 0;
  Keyed<FigAcc> questions;

  // Counts one rating's `answers` (already filtered, at least one).
  void count(const RatingFigures& r, const std::vector<const AnswerFigures*>& answers,
             const std::optional<uint64_t>& rater) {
    if (r.internal) {
      ++excluded_internal;
      return;
    }
    all.count_rating(rater);
    // Per question: a rating answers each question at most once (distinct ids in a record),
    // but count it once per question even if it did not.
    for (std::size_t i = 0; i < answers.size(); ++i) {
      const AnswerFigures& a = *answers[i];
      all.count_answer(a);
      FigAcc& q = questions.get(a.question);
      bool seen = false;
      for (std::size_t j = 0; j < i; ++j) seen = seen || answers[j]->question == a.question;
      if (!seen) q.count_rating(rater);
      q.count_answer(a);
    }
  }

  Summary finish() const {
    Summary out;
    all.finish_into(out);
    out.excluded_internal = excluded_internal;
    for (const auto& [id, q] : questions.items) q.finish_into(out.questions[id]);
    return out;
  }
};

// The one counting rule, shared by Tally and Aggregator.
class Counter {
 public:
  explicit Counter(InsightsQuery query) : query_(std::move(query)) {}

  // Counts one winning record; `rater` is the 64-bit hash of its rater_id (if any).
  void add(const RatingFigures& r, const std::optional<uint64_t>& rater) {
    picked_.clear();
    for (const AnswerFigures& a : r.answers) {
      if (!query_.question || a.question == *query_.question) picked_.push_back(&a);
    }
    if (picked_.empty()) return;  // nothing of it is counted (question filter)
    total_.count(r, picked_, rater);
    std::optional<std::string_view> key;
    switch (query_.by) {
      case GroupBy::None: return;
      case GroupBy::Day:
        day_ = utc_day_string(utc_day_from_ms(r.first_submitted_at));
        key = day_;
        break;
      case GroupBy::Topic: key = r.topic; break;
      case GroupBy::Agent: key = r.agent_id; break;
      case GroupBy::Property: key = r.property; break;
    }
    groups_.get(key ? *key : std::string_view(kNoGroupKey)).count(r, picked_, rater);
  }

  Insights result() const {
    Insights out;
    out.query = query_;
    out.total = total_.finish();
    for (const auto& [key, acc] : groups_.items) out.groups.emplace(key, acc.finish());
    return out;
  }

 private:
  InsightsQuery query_;
  SumAcc total_;
  Keyed<SumAcc> groups_;              // by group key (one table for every kind of key)
  std::string day_;                   // scratch: the GroupBy::Day key
  std::vector<const AnswerFigures*> picked_;
};

std::optional<uint64_t> rater_hash(const std::optional<std::string_view>& rater) {
  if (!rater) return std::nullopt;
  return fnv1a_64(*rater);
}

// Interned strings (topics, agents, property texts, question ids, joined problem ids):
// index + 1; 0 stands for "none".
class Interner {
 public:
  uint32_t id(std::string_view s) {
    scratch_.assign(s.data(), s.size());
    auto it = ids_.find(scratch_);
    if (it != ids_.end()) return it->second;
    names_.push_back(scratch_);
    const auto n = static_cast<uint32_t>(names_.size());
    ids_.emplace(scratch_, n);
    return n;
  }
  uint32_t id_opt(const std::optional<std::string>& s) { return s ? id(std::string_view(*s)) : 0; }
  const std::string& name(uint32_t id) const { return names_[id - 1]; }
  const std::string* name_or_null(uint32_t id) const { return id ? &names_[id - 1] : nullptr; }
  uint32_t size() const { return static_cast<uint32_t>(names_.size()); }

  // map[i] = this table's id of `other`'s id i (map[0] = 0): translates another table's ids.
  std::vector<uint32_t> translation_from(const Interner& other) {
    std::vector<uint32_t> map(other.size() + 1, 0);
    for (uint32_t i = 1; i <= other.size(); ++i) map[i] = id(std::string_view(other.name(i)));
    return map;
  }

 private:
  HashMap<std::string, uint32_t> ids_;
  std::vector<std::string> names_;
  std::string scratch_;
};

// What aggregation keeps of one answer of a winning record (16 bytes).
struct AnswerEntry {
  uint32_t question = 0;  // Interner ids
  uint32_t problems = 0;  // the join_problem_ids() text, 0 when none
  int32_t score = 0;
  Scale scale = Scale::Stars;
  Sentiment sentiment = Sentiment::Neutral;
  bool positive = false;
};

// What aggregation keeps of a rating's current winning record (no comment, no ids).
struct Entry {
  int64_t revision = 0;
  int64_t submitted_at = 0;
  int64_t first_submitted_at = 0;
  uint64_t rater = 0;         // fnv1a_64 of rater_id, when has_rater
  uint32_t answers_off = 0;   // slice of Impl::answer_pool
  uint32_t answers_len = 0;
  uint32_t topic = 0;         // Interner ids, 0 = null / absent
  uint32_t agent = 0;
  uint32_t property = 0;      // property_text() of the query's key
  bool has_rater = false;
  bool final = false;
  bool internal = false;
};

int cmp_string(const std::string* a, const std::string* b) {
  if (!a || !b) return (a != nullptr) - (b != nullptr);
  const int c = a->compare(*b);
  return (c > 0) - (c < 0);
}

template <typename T>
int cmp(const T& a, const T& b) {
  return (b < a) - (a < b);
}

// Appends |num| / den (den > 0) rounded half up to 6 decimal places, trailing zeros dropped
// ("0.75", "3.666667", "1"), with a '-' in front when `negative` and the rounded value is not
// 0 (so negative values round half away from zero, symmetric to positive ones). Integer long
// division: no floating-point formatting, so the output is the same on every platform and
// the WASM build needs no float printer.
void append_ratio(std::string& out, uint64_t num, uint64_t den, bool negative = false) {
  uint64_t whole = num / den;
  uint64_t rem = num % den;
  uint64_t frac = 0;
  for (int i = 0; i < 6; ++i) {
    rem *= 10;  // rem < den, far below 2^60 for any count of ratings
    frac = frac * 10 + rem / den;
    rem %= den;
  }
  if (rem * 2 >= den) ++frac;  // round half up on the remaining digits
  if (frac == 1000000) {
    frac = 0;
    ++whole;
  }
  if (negative && (whole != 0 || frac != 0)) out.push_back('-');
  internal::append_int(out, static_cast<int64_t>(whole));
  if (frac == 0) return;
  char digits[7] = {};
  for (int i = 5; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  int len = 6;
  while (len > 0 && digits[len - 1] == '0') --len;
  out.push_back('.');
  out.append(digits, static_cast<std::size_t>(len));
}

// Keys in sorted order: answers, csat, distribution, [excluded_internal], [groups], mean,
// nps, problems, [question], [questions], raters, ratings, sentiment, thumbs. `summary` (the
// same object as `s`, or null for a per-question entry) adds excluded_internal and questions;
// `groups_of` (the whole result, for its total only) adds groups when grouped and question
// when filtered.
void write_figures(internal::JsonWriter& w, std::string& out, const Figures& s,
                   const Summary* summary, const Insights* groups_of) {
  w.begin_object();
  w.key("answers");
  w.integer(s.answers);
  w.key("csat");
  if (s.csat_answers > 0) {
    w.raw("");
    append_ratio(out, static_cast<uint64_t>(s.positive), static_cast<uint64_t>(s.csat_answers));
  } else {
    w.null();
  }
  w.key("distribution");
  w.begin_object();
  static const char* const kScores[5] = {"1", "2", "3", "4", "5"};
  for (int i = 0; i < 5; ++i) {
    w.key(kScores[i]);
    w.integer(s.distribution[static_cast<std::size_t>(i)]);
  }
  w.end_object();
  if (summary) {
    w.key("excluded_internal");
    w.integer(summary->excluded_internal);
  }
  if (groups_of && groups_of->query.by != GroupBy::None) {
    w.key("groups");
    w.begin_object();
    for (const auto& [key, g] : groups_of->groups) {
      w.key(key);
      write_figures(w, out, g, &g, nullptr);
    }
    w.end_object();
  }
  w.key("mean");
  if (s.mean_count > 0) {
    w.raw("");
    append_ratio(out, static_cast<uint64_t>(s.mean_sum), static_cast<uint64_t>(s.mean_count));
  } else {
    w.null();
  }
  w.key("nps");
  const int64_t responses = s.promoters + s.passives + s.detractors;
  if (responses > 0) {
    w.begin_object();
    w.key("detractors");
    w.integer(s.detractors);
    w.key("passives");
    w.integer(s.passives);
    w.key("promoters");
    w.integer(s.promoters);
    w.key("responses");
    w.integer(responses);
    w.key("score");
    w.raw("");
    const int64_t diff = s.promoters - s.detractors;
    append_ratio(out, static_cast<uint64_t>(diff < 0 ? -diff : diff) * 100,
                 static_cast<uint64_t>(responses), diff < 0);
    w.end_object();
  } else {
    w.null();
  }
  w.key("problems");
  w.begin_object();
  for (const auto& [id, n] : s.problems) {
    w.key(id);
    w.integer(n);
  }
  w.end_object();
  if (groups_of && groups_of->query.question) {
    w.key("question");
    w.string(*groups_of->query.question);
  }
  if (summary) {
    w.key("questions");
    w.begin_object();
    for (const auto& [id, q] : summary->questions) {
      w.key(id);
      write_figures(w, out, q, nullptr, nullptr);
    }
    w.end_object();
  }
  w.key("raters");
  w.integer(s.raters);
  w.key("ratings");
  w.integer(s.ratings);
  w.key("sentiment");
  w.begin_object();
  w.key("negative");
  w.integer(s.sentiment[static_cast<std::size_t>(Sentiment::Negative)]);
  w.key("neutral");
  w.integer(s.sentiment[static_cast<std::size_t>(Sentiment::Neutral)]);
  w.key("positive");
  w.integer(s.sentiment[static_cast<std::size_t>(Sentiment::Positive)]);
  w.end_object();
  w.key("thumbs");
  w.begin_object();
  w.key("down");
  w.integer(s.thumbs_down);
  w.key("up");
  w.integer(s.thumbs_up);
  w.end_object();
  w.end_object();
}

}  // namespace

const char* group_by_name(GroupBy by) {
  switch (by) {
    case GroupBy::None: return "none";
    case GroupBy::Topic: return "topic";
    case GroupBy::Agent: return "agent";
    case GroupBy::Day: return "day";
    case GroupBy::Property: return "property";
  }
  return "none";
}

bool parse_group_by(std::string_view text, InsightsQuery& out) {
  GroupBy by;
  std::string property;
  if (text.empty() || text == "none") by = GroupBy::None;
  else if (text == "topic") by = GroupBy::Topic;
  else if (text == "agent") by = GroupBy::Agent;
  else if (text == "day") by = GroupBy::Day;
  else if (text.rfind("property:", 0) == 0 && internal::is_property_key(text.substr(9))) {
    by = GroupBy::Property;
    property = std::string(text.substr(9));
  } else {
    return false;
  }
  out.by = by;
  out.property = std::move(property);
  return true;
}

std::optional<double> Figures::csat() const {
  if (csat_answers == 0) return std::nullopt;
  return static_cast<double>(positive) / static_cast<double>(csat_answers);
}

std::optional<double> Figures::mean() const {
  if (mean_count == 0) return std::nullopt;
  return static_cast<double>(mean_sum) / static_cast<double>(mean_count);
}

std::optional<double> Figures::nps() const {
  const int64_t n = promoters + passives + detractors;
  if (n == 0) return std::nullopt;
  return 100.0 * static_cast<double>(promoters - detractors) / static_cast<double>(n);
}

std::string summary_to_json(const Summary& summary) {
  std::string out;
  internal::JsonWriter w(out);
  write_figures(w, out, summary, &summary, nullptr);
  return out;
}

std::string insights_to_json(const Insights& insights) {
  std::string out;
  internal::JsonWriter w(out);
  write_figures(w, out, insights.total, &insights.total, &insights);
  return out;
}

Errors parse_record_fast(std::string_view json_text, Record& out) {
  if (internal::scan_record(json_text, out)) {
    Errors errors = check_record(out);
    if (errors.empty()) return errors;
  }
  // Unusual or invalid: the DOM reader is the reference (and reports every problem).
  return record_from_json(json_text, out);
}

// ---------------------------------------------------------------------------------------

struct Aggregator::Impl {
  InsightsQuery query;
  int64_t added = 0;
  internal::IdTable<Entry> ratings;  // rating_id → its winning record so far
  Interner topics;      // separate tables keep ids small
  Interner agents;
  Interner properties;
  Interner questions;
  Interner problems;    // join_problem_ids() texts
  std::vector<AnswerEntry> answer_pool;
  std::string joined;   // scratch for join_problem_ids
  Record scratch;       // reused by add_json so its strings keep their capacity

  // Appends the record's counted answers (all, or the query's question) to answer_pool.
  Entry make_entry(const Record& r) {
    Entry e;
    e.revision = r.revision;
    e.submitted_at = r.submitted_at;
    e.first_submitted_at = r.first_submitted_at;
    e.final = r.final;
    e.internal = r.internal;
    e.has_rater = r.rater_id.has_value();
    e.rater = r.rater_id ? fnv1a_64(*r.rater_id) : 0;
    e.topic = topics.id_opt(r.topic);
    e.agent = agents.id_opt(r.agent_id);
    if (query.by == GroupBy::Property) {
      for (const auto& [key, value] : r.properties) {
        if (key == query.property) {
          e.property = properties.id(property_text(value));
          break;
        }
      }
    }
    e.answers_off = static_cast<uint32_t>(answer_pool.size());
    for (const Answer& a : r.answers) {
      if (query.question && a.question != *query.question) continue;
      AnswerEntry x;
      x.question = questions.id(std::string_view(a.question));
      if (!a.problems.empty()) {
        joined.clear();
        for (const std::string& p : a.problems) {
          if (!joined.empty()) joined += ',';
          joined += p;
        }
        x.problems = problems.id(std::string_view(joined));
      }
      x.score = a.score;
      x.scale = a.scale;
      x.sentiment = a.sentiment;
      x.positive = a.positive;
      answer_pool.push_back(x);
    }
    e.answers_len = static_cast<uint32_t>(answer_pool.size()) - e.answers_off;
    return e;
  }

  int compare_answer(const AnswerEntry& a, const AnswerEntry& b) const {
    if (int c = cmp_string(&questions.name(a.question), &questions.name(b.question))) return c;
    if (int c = cmp(static_cast<int>(a.scale), static_cast<int>(b.scale))) return c;
    if (int c = cmp(a.score, b.score)) return c;
    if (int c = cmp(a.positive, b.positive)) return c;
    if (int c = cmp(static_cast<int>(a.sentiment), static_cast<int>(b.sentiment))) return c;
    return cmp_string(problems.name_or_null(a.problems), problems.name_or_null(b.problems));
  }

  // Compares two records of one rating: > 0 when `a` wins. Highest revision, then final,
  // then later submitted_at, then a fixed order on everything aggregation looks at (the
  // context fields, then the counted answers in record order), so that the winner never
  // depends on the order records arrive in.
  int compare(const Entry& a, const Entry& b) const {
    if (int c = cmp(a.revision, b.revision)) return c;
    if (int c = cmp(a.final, b.final)) return c;
    if (int c = cmp(a.submitted_at, b.submitted_at)) return c;
    if (int c = cmp(a.first_submitted_at, b.first_submitted_at)) return c;
    if (int c = cmp(b.internal, a.internal)) return c;  // not internal wins
    if (int c = cmp_string(topics.name_or_null(a.topic), topics.name_or_null(b.topic))) return c;
    if (int c = cmp_string(agents.name_or_null(a.agent), agents.name_or_null(b.agent))) return c;
    if (int c = cmp_string(properties.name_or_null(a.property), properties.name_or_null(b.property)))
      return c;
    if (int c = cmp(a.has_rater, b.has_rater)) return c;
    if (int c = cmp(a.rater, b.rater)) return c;
    const uint32_t n = std::min(a.answers_len, b.answers_len);
    for (uint32_t i = 0; i < n; ++i) {
      if (int c = compare_answer(answer_pool[a.answers_off + i], answer_pool[b.answers_off + i]))
        return c;
    }
    return cmp(a.answers_len, b.answers_len);
  }

  void add(const Record& r) {
    ++added;
    bool inserted = false;
    Entry& cur = ratings.find_or_insert(r.rating_id, inserted).value;
    if (inserted) {
      cur = make_entry(r);
      return;
    }
    // Cheap pre-check on the fields that usually decide, before interning anything.
    if (r.revision < cur.revision) return;
    if (r.revision == cur.revision && r.final < cur.final) return;
    const std::size_t pool_before = answer_pool.size();
    settle(cur, make_entry(r), pool_before);
  }

  // `e` (its answers appended to answer_pool after pool_before) against the rating's current
  // winner `cur`: keeps the one that wins, and the pool holds only the winner's answers.
  void settle(Entry& cur, Entry e, std::size_t pool_before) {
    if (compare(e, cur) > 0) {
      if (e.answers_len <= cur.answers_len) {
        // Reuse the loser's slice: the pool grows only when a winner has more answers.
        std::copy(answer_pool.begin() + e.answers_off,
                  answer_pool.begin() + e.answers_off + e.answers_len,
                  answer_pool.begin() + cur.answers_off);
        e.answers_off = cur.answers_off;
        answer_pool.resize(pool_before);
      }
      cur = e;
    } else {
      answer_pool.resize(pool_before);  // the loser's answers are not kept
    }
  }

  // Adds everything `other` (same query) has kept, as if its records had been added here:
  // each of its ratings' winning records is translated to this table's interned ids and
  // settled against this table's winner by the same compare(). `other` is emptied as it goes.
  void merge(Impl& other) {
    added += other.added;
    const std::vector<uint32_t> topic_map = topics.translation_from(other.topics);
    const std::vector<uint32_t> agent_map = agents.translation_from(other.agents);
    const std::vector<uint32_t> property_map = properties.translation_from(other.properties);
    const std::vector<uint32_t> question_map = questions.translation_from(other.questions);
    const std::vector<uint32_t> problem_map = problems.translation_from(other.problems);
    // Peak memory: free the other index first, then grow this one and the pool once, now,
    // rather than late in the merge when this table is nearly whole.
    other.ratings.drop_index();
    ratings.reserve(ratings.size() + other.ratings.size());
    answer_pool.reserve(answer_pool.size() + other.answer_pool.size());
    other.ratings.drain([&](const internal::IdTable<Entry>::Item& item) {
      Entry e = item.value;
      e.topic = topic_map[e.topic];
      e.agent = agent_map[e.agent];
      e.property = property_map[e.property];
      const std::size_t pool_before = answer_pool.size();
      e.answers_off = static_cast<uint32_t>(pool_before);
      for (uint32_t i = 0; i < item.value.answers_len; ++i) {
        AnswerEntry x = other.answer_pool[item.value.answers_off + i];
        x.question = question_map[x.question];
        x.problems = problem_map[x.problems];
        answer_pool.push_back(x);
      }
      bool inserted = false;
      Entry& cur = ratings.find_or_insert(item.key(), inserted).value;
      if (inserted) cur = e;
      else settle(cur, e, pool_before);
    });
    other.added = 0;
    other.answer_pool = {};
  }

  Insights result() const {
    Counter counter(query);
    RatingFigures rf;
    ratings.for_each([&](const internal::IdTable<Entry>::Item& item) {
      const Entry& e = item.value;
      rf.answers.clear();
      for (uint32_t i = 0; i < e.answers_len; ++i) {
        const AnswerEntry& x = answer_pool[e.answers_off + i];
        AnswerFigures a;
        a.question = questions.name(x.question);
        a.scale = x.scale;
        a.score = x.score;
        a.positive = x.positive;
        a.sentiment = x.sentiment;
        if (x.problems) a.problem_ids = problems.name(x.problems);
        rf.answers.push_back(a);
      }
      rf.internal = e.internal;
      rf.rater_id.reset();  // the hash is passed instead
      auto view = [](const Interner& in, uint32_t id) -> std::optional<std::string_view> {
        if (!id) return std::nullopt;
        return std::string_view(in.name(id));
      };
      rf.topic = view(topics, e.topic);
      rf.agent_id = view(agents, e.agent);
      rf.property = view(properties, e.property);
      rf.first_submitted_at = e.first_submitted_at;
      counter.add(rf, e.has_rater ? std::optional<uint64_t>(e.rater) : std::nullopt);
    });
    return counter.result();
  }
};

Aggregator::Aggregator(InsightsQuery query) : impl_(new Impl) { impl_->query = std::move(query); }
Aggregator::~Aggregator() = default;
Aggregator::Aggregator(Aggregator&&) noexcept = default;
Aggregator& Aggregator::operator=(Aggregator&&) noexcept = default;

void Aggregator::add(const Record& record) { impl_->add(record); }

Errors Aggregator::add_json(std::string_view json_text) {
  Errors errors = parse_record_fast(json_text, impl_->scratch);
  if (errors.empty()) impl_->add(impl_->scratch);
  return errors;
}

int64_t Aggregator::records_added() const { return impl_->added; }

int64_t Aggregator::distinct_ratings() const {
  return static_cast<int64_t>(impl_->ratings.size());
}

void Aggregator::merge(Aggregator&& other) {
  if (&other == this || !other.impl_) return;
  if (impl_->added == 0) std::swap(impl_, other.impl_);  // nothing here yet: take it whole
  else impl_->merge(*other.impl_);
  InsightsQuery query = std::move(other.impl_->query);
  other.impl_.reset(new Impl);
  other.impl_->query = std::move(query);
}

Insights Aggregator::result() const { return impl_->result(); }

std::string Aggregator::result_json() const { return insights_to_json(impl_->result()); }

// ---------------------------------------------------------------------------------------

std::string join_problem_ids(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    if (!out.empty()) out += ',';
    out += id;
  }
  return out;
}

void split_problem_ids(std::string_view joined, std::vector<std::string>& out) {
  out.clear();
  for_each_problem_id(joined, [&out](std::string_view id) { out.emplace_back(id); });
}

struct Tally::Impl {
  explicit Impl(InsightsQuery q) : counter(std::move(q)) {}
  Counter counter;
};

Tally::Tally(InsightsQuery query) : impl_(new Impl(std::move(query))) {}
Tally::~Tally() = default;
Tally::Tally(Tally&&) noexcept = default;
Tally& Tally::operator=(Tally&&) noexcept = default;

void Tally::add(const RatingFigures& r) { impl_->counter.add(r, rater_hash(r.rater_id)); }

Insights Tally::result() const { return impl_->counter.result(); }

Insights aggregate(const std::vector<Record>& records, InsightsQuery query) {
  Aggregator agg(std::move(query));
  for (const Record& r : records) agg.add(r);
  return agg.result();
}

std::string aggregate_json(std::string_view records_json_array, std::string_view by_text,
                           std::string_view question) {
  Errors errors;
  InsightsQuery query;
  if (!parse_group_by(by_text, query)) {
    errors.push_back(Error{"/by", "invalid_value",
                           "by must be one of topic, agent, day, property:KEY (or none)"});
  }
  if (!question.empty()) {
    if (is_valid_question_id(question)) {
      query.question = std::string(question);
    } else {
      errors.push_back(Error{"/question", "invalid_value",
                             "question ids are 1 to 40 characters of A-Z a-z 0-9 _ -"});
    }
  }
  std::string duplicate;
  json value = internal::parse_json(records_json_array, &duplicate);
  Aggregator agg(query);
  if (!duplicate.empty()) {
    errors.push_back(Error{duplicate, "duplicate_key", "this key appears twice in its object"});
  } else if (value.is_discarded()) {
    errors.push_back(Error{"", "invalid_json", "records are not valid JSON"});
  } else if (!value.is_array()) {
    errors.push_back(Error{"", "wrong_type", "records must be a JSON array of records"});
  } else {
    Record record;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const json& item = value[i];
      Errors e = record_from_value(item, record);
      if (e.empty()) {
        agg.add(record);
        continue;
      }
      const std::string prefix = "/" + internal::int_text(i);
      for (Error& err : e) {
        err.path = prefix + err.path;
        errors.push_back(std::move(err));
      }
    }
  }
  if (!errors.empty()) return "{\"error\":" + errors_to_json(errors) + "}";
  return agg.result_json();
}

}  // namespace session_rating
