// session_rating/insights.h — CSAT insights over delivered records (contract 6).
//
// Records may arrive in any order, with retries (exact duplicates) and edits (higher
// revisions) mixed in. Each rating_id counts once, by its winning record: the highest
// revision; on equal revisions a `final` record wins; then the later submitted_at; then a
// fixed order on the remaining fields, so the result never depends on input order.
// Ratings whose winning record is `internal` are left out and counted in excluded_internal.
// The JSON result is described with examples in docs/insights.md.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session_rating/error.h"
#include "session_rating/record.h"

namespace session_rating {

// How ratings are split into groups in addition to the total.
enum class GroupBy {
  None,   // total only; the result has no "groups"
  Topic,  // by the record's topic ("(none)" when null)
  Agent,  // by the record's agent_id ("(none)" when null)
  Day,    // by the UTC calendar day of first_submitted_at, "YYYY-MM-DD"
};

// "none" | "topic" | "agent" | "day".
const char* group_by_name(GroupBy by);

// Reads "topic", "agent" or "day" ("" and "none" mean GroupBy::None). False when unknown.
bool parse_group_by(std::string_view text, GroupBy& out);

// Group key used for a null topic or agent_id.
inline constexpr const char* kNoGroupKey = "(none)";

// The figures for one set of ratings (the total, or one group).
struct Summary {
  int64_t ratings = 0;                      // counted ratings (distinct rating_ids, not internal)
  int64_t positive = 0;                     // of those, how many have "positive": true
  int64_t mean_count = 0;                   // of those, how many are on a 1–5 scale (stars, emoji)
  int64_t mean_sum = 0;                     // sum of their scores
  std::array<int64_t, 5> distribution{};    // [s - 1] = ratings scoring s on a 1–5 scale
  int64_t thumbs_down = 0;                  // thumbs ratings scoring 0
  int64_t thumbs_up = 0;                    // thumbs ratings scoring 1
  std::array<int64_t, 3> sentiment{};       // indexed by Sentiment (negative, neutral, positive)
  std::map<std::string, int64_t> problems;  // problem id → ratings that picked it (ids seen only)
  int64_t excluded_internal = 0;            // distinct rating_ids whose winning record is internal

  std::optional<double> csat() const;       // positive / ratings; nullopt when ratings == 0
  std::optional<double> mean() const;       // mean_sum / mean_count; nullopt when mean_count == 0
};

// The whole result: the total and, when grouped, one Summary per group key.
struct Insights {
  GroupBy by = GroupBy::None;
  Summary total;
  std::map<std::string, Summary> groups;    // sorted by key; empty when by == None
};

// A Summary as the contract's JSON object, compact, keys sorted: {"csat","distribution",
// "excluded_internal","mean","problems","ratings","sentiment","thumbs"}. csat and mean are
// null when undefined, else rounded half up to 6 decimal places ("0.75", "3.666667", "1").
std::string summary_to_json(const Summary& summary);

// The result object: the total's fields plus "groups": {key: summary} (between
// "excluded_internal" and "mean") when grouped.
std::string insights_to_json(const Insights& insights);

// Reads one record from JSON text. Same answer as record_from_json(json_text, out) — the same
// errors, the same record — but ordinary records are read by a single-pass scanner without
// building a JSON DOM (about 10x faster); anything unusual (escaped keys, \u escapes,
// duplicate or missing fields, non-integer numbers, any failed check) is handed to
// record_from_json, which then produces the errors. On error `out` is unspecified.
Errors parse_record_fast(std::string_view json_text, Record& out);

// Incremental aggregation: feed records one by one, read the result at any time.
// Memory per distinct rating_id: the id plus a few fixed-size fields (never comments).
class Aggregator {
 public:
  explicit Aggregator(GroupBy by = GroupBy::None);
  ~Aggregator();
  Aggregator(Aggregator&&) noexcept;
  Aggregator& operator=(Aggregator&&) noexcept;
  Aggregator(const Aggregator&) = delete;
  Aggregator& operator=(const Aggregator&) = delete;

  // Adds one record. The caller is responsible for it being valid (see check_record).
  void add(const Record& record);

  // Reads one record from JSON text (a JSONL line without its newline) with
  // parse_record_fast and adds it. Returns its errors; an invalid record is not added.
  Errors add_json(std::string_view json_text);

  // Records added so far (every revision and retry counts).
  int64_t records_added() const;

  // Distinct rating_ids seen so far (internal ones included).
  int64_t distinct_ratings() const;

  // The aggregate of everything added so far.
  Insights result() const;

  // insights_to_json(result()).
  std::string result_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The problem ids of a record in one string, joined by ',' (ids never contain one):
// {"audio", "video"} → "audio,video", {} → "". The collector stores this form.
std::string join_problem_ids(const std::vector<std::string>& ids);

// The inverse of join_problem_ids: "" → {}, "audio,video" → {"audio", "video"}.
void split_problem_ids(std::string_view joined, std::vector<std::string>& out);

// One rating's winning record, reduced to the fields the figures are counted from; the
// strings are views owned by the caller and only read during Tally::add.
struct RatingFigures {
  Scale scale = Scale::Stars;
  int score = 0;
  bool positive = false;
  Sentiment sentiment = Sentiment::Neutral;
  bool internal = false;                     // counted in excluded_internal only
  std::string_view problem_ids;              // join_problem_ids() form
  std::optional<std::string_view> topic;     // group key for GroupBy::Topic (null: "(none)")
  std::optional<std::string_view> agent_id;  // group key for GroupBy::Agent (null: "(none)")
  int64_t first_submitted_at = 0;            // ms; its UTC day is the GroupBy::Day key
};

// Counts ratings that are already one per rating_id — each rating's winning record, as a
// store that keeps the latest revision per rating holds them — with exactly the rules of
// Aggregator, minus its deduplication (cheaper: nothing is kept per rating). Groups whose
// keys are equal as text are one group (a topic "(none)" joins the null topics).
class Tally {
 public:
  explicit Tally(GroupBy by = GroupBy::None);
  ~Tally();
  Tally(Tally&&) noexcept;
  Tally& operator=(Tally&&) noexcept;
  Tally(const Tally&) = delete;
  Tally& operator=(const Tally&) = delete;

  // Counts one rating (the caller has decoded it; see parse_scale, parse_sentiment).
  void add(const RatingFigures& rating);

  // The figures of everything added so far.
  Insights result() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Aggregates a list of valid records (any order).
Insights aggregate(const std::vector<Record>& records, GroupBy by = GroupBy::None);

// JSON in, JSON out (for the WebAssembly bridge). `records_json_array` is a JSON array of
// records; `by` is "", "none", "topic", "agent" or "day". Returns the result object, or
// {"error": [{"path","code","message"}, ...]} when anything is wrong: the whole call is
// refused if any record is invalid, listing every invalid record's errors with its index
// in front of the path ("/3/score"); a bad `by` is reported at path "/by".
std::string aggregate_json(std::string_view records_json_array, std::string_view by);

}  // namespace session_rating
