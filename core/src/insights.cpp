// Insights (contract 6): CSAT, mean, distributions, sentiment and problem counts, counting
// each rating once by its winning record. See insights.h and docs/insights.md.
#include "session_rating/insights.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <map>
#include <unordered_map>
#include <utility>

#include "internal/from_value.h"
#include "internal/json.h"
#include "internal/record_scan.h"
#include "session_rating/civil_date.h"

// Hash maps natively (the 1M-record benchmark); ordered maps in the WASM build, where the
// hash-table code costs ~2 KB gzip and inputs are small. Results never depend on the order.
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

// Interned strings (topics, agents, problem ids): index + 1; 0 stands for "none".
class Interner {
 public:
  uint32_t id(const std::string& s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    names_.push_back(s);
    const auto n = static_cast<uint32_t>(names_.size());
    ids_.emplace(s, n);
    return n;
  }
  uint32_t id(const std::optional<std::string>& s) { return s ? id(*s) : 0; }
  const std::string& name(uint32_t id) const { return names_[id - 1]; }
  std::size_t size() const { return names_.size(); }

 private:
  HashMap<std::string, uint32_t> ids_;
  std::vector<std::string> names_;
};

// What aggregation keeps of a rating's current winning record (no comment, no ids).
struct Entry {
  int64_t revision = 0;
  int64_t submitted_at = 0;
  int64_t first_submitted_at = 0;
  uint32_t problems_off = 0;  // slice of Impl::problem_pool
  uint32_t problems_len = 0;
  uint32_t topic = 0;         // Interner ids, 0 = null
  uint32_t agent = 0;
  int32_t score = 0;
  Scale scale = Scale::Stars;
  Sentiment sentiment = Sentiment::Neutral;
  bool final = false;
  bool positive = false;
  bool internal = false;
};

// Counts one rating's figures into `s` — the one counting rule, shared by Aggregator and
// Tally: internal ratings are only counted as excluded; thumbs are kept out of the mean and
// the 1–5 distribution. Returns false for an internal rating (its problems are not counted).
bool count_figures(Summary& s, Scale scale, int score, bool positive, Sentiment sentiment,
                   bool internal) {
  if (internal) {
    ++s.excluded_internal;
    return false;
  }
  ++s.ratings;
  if (positive) ++s.positive;
  if (scale == Scale::Thumbs) {
    if (score == 1) ++s.thumbs_up;
    else ++s.thumbs_down;
  } else {
    ++s.mean_count;
    s.mean_sum += score;
    if (score >= 1 && score <= 5) ++s.distribution[static_cast<std::size_t>(score - 1)];
  }
  ++s.sentiment[static_cast<std::size_t>(sentiment)];
  return true;
}

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

// Running figures for one group while aggregating; problem counts by Interner id.
struct Acc {
  Summary s;
  std::vector<int64_t> problem_counts;
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

}  // namespace

const char* group_by_name(GroupBy by) {
  switch (by) {
    case GroupBy::None: return "none";
    case GroupBy::Topic: return "topic";
    case GroupBy::Agent: return "agent";
    case GroupBy::Day: return "day";
  }
  return "none";
}

bool parse_group_by(std::string_view text, GroupBy& out) {
  if (text.empty() || text == "none") out = GroupBy::None;
  else if (text == "topic") out = GroupBy::Topic;
  else if (text == "agent") out = GroupBy::Agent;
  else if (text == "day") out = GroupBy::Day;
  else return false;
  return true;
}

std::optional<double> Summary::csat() const {
  if (ratings == 0) return std::nullopt;
  return static_cast<double>(positive) / static_cast<double>(ratings);
}

std::optional<double> Summary::mean() const {
  if (mean_count == 0) return std::nullopt;
  return static_cast<double>(mean_sum) / static_cast<double>(mean_count);
}

namespace {

// Appends num / den (den > 0) rounded half up to 6 decimal places, trailing zeros dropped
// ("0.75", "3.666667", "1"). Integer long division: no floating-point formatting, so the
// output is the same on every platform and the WASM build needs no float printer.
void append_ratio(std::string& out, uint64_t num, uint64_t den) {
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

// Keys in sorted order: csat, distribution, excluded_internal, [groups], mean, problems,
// ratings, sentiment, thumbs.
void write_summary(internal::JsonWriter& w, std::string& out, const Summary& s,
                   const Insights* groups_of) {
  w.begin_object();
  w.key("csat");
  if (s.ratings > 0) {
    w.raw("");
    append_ratio(out, static_cast<uint64_t>(s.positive), static_cast<uint64_t>(s.ratings));
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
  w.key("excluded_internal");
  w.integer(s.excluded_internal);
  if (groups_of) {
    w.key("groups");
    w.begin_object();
    for (const auto& [key, g] : groups_of->groups) {
      w.key(key);
      write_summary(w, out, g, nullptr);
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
  w.key("problems");
  w.begin_object();
  for (const auto& [id, n] : s.problems) {
    w.key(id);
    w.integer(n);
  }
  w.end_object();
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

std::string summary_to_json(const Summary& summary) {
  std::string out;
  internal::JsonWriter w(out);
  write_summary(w, out, summary, nullptr);
  return out;
}

std::string insights_to_json(const Insights& insights) {
  std::string out;
  internal::JsonWriter w(out);
  write_summary(w, out, insights.total, insights.by != GroupBy::None ? &insights : nullptr);
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
  GroupBy by = GroupBy::None;
  int64_t added = 0;
  HashMap<std::string, Entry> ratings;
  Interner topics;    // topics and agents share nothing; separate tables keep ids small
  Interner agents;
  Interner problems;
  std::vector<uint32_t> problem_pool;
  Record scratch;     // reused by add_json so its strings keep their capacity
  uint32_t none_topic = 0;  // Interner ids of the text "(none)" (the key of null groups)
  uint32_t none_agent = 0;

  Entry make_entry(const Record& r) {
    Entry e;
    e.revision = r.revision;
    e.submitted_at = r.submitted_at;
    e.first_submitted_at = r.first_submitted_at;
    e.topic = topics.id(r.topic);
    e.agent = agents.id(r.agent_id);
    e.score = r.score;
    e.scale = r.scale;
    e.sentiment = r.sentiment;
    e.final = r.final;
    e.positive = r.positive;
    e.internal = r.internal;
    e.problems_len = static_cast<uint32_t>(r.problems.size());
    e.problems_off = static_cast<uint32_t>(problem_pool.size());
    if (!r.problems.empty()) {
      for (const std::string& p : r.problems) problem_pool.push_back(problems.id(p));
    }
    return e;
  }

  // Compares two records of one rating: > 0 when `a` wins. Highest revision, then final,
  // then later submitted_at, then a fixed order on everything aggregation looks at, so
  // that the winner never depends on the order records arrive in.
  int compare(const Entry& a, const Entry& b) const {
    if (int c = cmp(a.revision, b.revision)) return c;
    if (int c = cmp(a.final, b.final)) return c;
    if (int c = cmp(a.submitted_at, b.submitted_at)) return c;
    if (int c = cmp(a.first_submitted_at, b.first_submitted_at)) return c;
    if (int c = cmp(static_cast<int>(a.scale), static_cast<int>(b.scale))) return c;
    if (int c = cmp(a.score, b.score)) return c;
    if (int c = cmp(a.positive, b.positive)) return c;
    if (int c = cmp(static_cast<int>(a.sentiment), static_cast<int>(b.sentiment))) return c;
    if (int c = cmp(b.internal, a.internal)) return c;  // not internal wins
    auto name = [](const Interner& in, uint32_t id) { return id ? &in.name(id) : nullptr; };
    if (int c = cmp_string(name(topics, a.topic), name(topics, b.topic))) return c;
    if (int c = cmp_string(name(agents, a.agent), name(agents, b.agent))) return c;
    const uint32_t n = std::min(a.problems_len, b.problems_len);
    for (uint32_t i = 0; i < n; ++i) {
      const std::string& pa = problems.name(problem_pool[a.problems_off + i]);
      const std::string& pb = problems.name(problem_pool[b.problems_off + i]);
      if (int c = cmp_string(&pa, &pb)) return c;
    }
    return cmp(a.problems_len, b.problems_len);
  }

  void add(const Record& r) {
    ++added;
    auto [it, inserted] = ratings.try_emplace(r.rating_id);
    if (inserted) {
      it->second = make_entry(r);
      return;
    }
    Entry& cur = it->second;
    // Cheap pre-check on the fields that usually decide, before interning anything.
    if (r.revision < cur.revision) return;
    if (r.revision == cur.revision && r.final < cur.final) return;
    const std::size_t pool_before = problem_pool.size();
    Entry e = make_entry(r);
    if (compare(e, cur) > 0) {
      cur = e;
    } else {
      problem_pool.resize(pool_before);  // the loser's problems are not kept
    }
  }

  std::string group_key(const Entry& e) const {
    switch (by) {
      case GroupBy::Topic: return e.topic ? topics.name(e.topic) : kNoGroupKey;
      case GroupBy::Agent: return e.agent ? agents.name(e.agent) : kNoGroupKey;
      case GroupBy::Day: return utc_day_string(utc_day_from_ms(e.first_submitted_at));
      case GroupBy::None: break;
    }
    return std::string();
  }

  int64_t group_id(const Entry& e) const {
    switch (by) {
      // A null topic or agent is grouped with one spelled "(none)": they share the key.
      case GroupBy::Topic: return e.topic ? e.topic : none_topic;
      case GroupBy::Agent: return e.agent ? e.agent : none_agent;
      case GroupBy::Day: return utc_day_from_ms(e.first_submitted_at);
      case GroupBy::None: break;
    }
    return 0;
  }

  void count(Acc& acc, const Entry& e) const {
    if (!count_figures(acc.s, e.scale, e.score, e.positive, e.sentiment, e.internal)) return;
    if (e.problems_len) {
      if (acc.problem_counts.size() < problems.size() + 1)
        acc.problem_counts.resize(problems.size() + 1);
      for (uint32_t i = 0; i < e.problems_len; ++i) ++acc.problem_counts[problem_pool[e.problems_off + i]];
    }
  }

  void finish(Acc& acc) const {
    for (std::size_t id = 1; id < acc.problem_counts.size(); ++id) {
      if (acc.problem_counts[id] > 0)
        acc.s.problems[problems.name(static_cast<uint32_t>(id))] = acc.problem_counts[id];
    }
    acc.problem_counts.clear();
  }

  Insights result() const {
    Insights out;
    out.by = by;
    Acc total;
    HashMap<int64_t, std::pair<const Entry*, Acc>> groups;
    for (const auto& [id, e] : ratings) {
      count(total, e);
      if (by != GroupBy::None) {
        auto& g = groups[group_id(e)];
        if (!g.first) g.first = &e;
        count(g.second, e);
      }
    }
    finish(total);
    out.total = std::move(total.s);
    for (auto& [gid, g] : groups) {
      finish(g.second);
      out.groups.emplace(group_key(*g.first), std::move(g.second.s));
    }
    return out;
  }
};

Aggregator::Aggregator(GroupBy by) : impl_(new Impl) {
  impl_->by = by;
  impl_->none_topic = impl_->topics.id(std::string(kNoGroupKey));
  impl_->none_agent = impl_->agents.id(std::string(kNoGroupKey));
}
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

namespace {

// A small string-keyed table in insertion order: linear search while it is small (problem
// ids, topics and agents are usually few), a hash index beyond that.
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

// Running figures of one Tally group; problem counts by id.
struct TallyAcc {
  Summary s;
  Keyed<int64_t> problems;
  void count(const RatingFigures& r) {
    if (!count_figures(s, r.scale, r.score, r.positive, r.sentiment, r.internal)) return;
    for_each_problem_id(r.problem_ids, [this](std::string_view id) { ++problems.get(id); });
  }
  Summary finish() const {
    Summary out = s;
    for (const auto& [id, n] : problems.items) out.problems[id] = n;
    return out;
  }
};

}  // namespace

struct Tally::Impl {
  GroupBy by = GroupBy::None;
  TallyAcc total;
  Keyed<TallyAcc> by_name;            // Topic, Agent
  HashMap<int64_t, TallyAcc> by_day;  // Day: days since 1970-01-01
};

Tally::Tally(GroupBy by) : impl_(new Impl) { impl_->by = by; }
Tally::~Tally() = default;
Tally::Tally(Tally&&) noexcept = default;
Tally& Tally::operator=(Tally&&) noexcept = default;

void Tally::add(const RatingFigures& r) {
  Impl& t = *impl_;
  t.total.count(r);
  switch (t.by) {
    case GroupBy::None: return;
    case GroupBy::Day: t.by_day[utc_day_from_ms(r.first_submitted_at)].count(r); return;
    case GroupBy::Topic:
    case GroupBy::Agent: {
      const std::optional<std::string_view>& key = t.by == GroupBy::Topic ? r.topic : r.agent_id;
      t.by_name.get(key ? *key : std::string_view(kNoGroupKey)).count(r);
      return;
    }
  }
}

Insights Tally::result() const {
  const Impl& t = *impl_;
  Insights out;
  out.by = t.by;
  out.total = t.total.finish();
  for (const auto& [key, acc] : t.by_name.items) out.groups.emplace(key, acc.finish());
  for (const auto& [day, acc] : t.by_day) out.groups.emplace(utc_day_string(day), acc.finish());
  return out;
}

Insights aggregate(const std::vector<Record>& records, GroupBy by) {
  Aggregator agg(by);
  for (const Record& r : records) agg.add(r);
  return agg.result();
}

std::string aggregate_json(std::string_view records_json_array, std::string_view by_text) {
  Errors errors;
  GroupBy by = GroupBy::None;
  if (!parse_group_by(by_text, by)) {
    errors.push_back(Error{"/by", "invalid_value", "by must be one of topic, agent, day (or none)"});
  }
  json value = internal::parse_json(records_json_array);
  Aggregator agg(by);
  if (value.is_discarded()) {
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
      const std::string prefix = "/" + std::to_string(i);
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
