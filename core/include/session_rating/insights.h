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
  None,      // total only; the result has no "groups"
  Topic,     // by the record's topic ("(none)" when null)
  Agent,     // by the record's agent_id ("(none)" when null)
  Day,       // by the UTC calendar day of first_submitted_at, "YYYY-MM-DD"
  Property,  // by one custom property's property_text() ("(none)" when absent)
};

// What to count: the grouping and an optional question filter.
struct InsightsQuery {
  GroupBy by = GroupBy::None;
  std::string property;                 // the property key when by == Property
  std::optional<std::string> question;  // count only this question's answers (ratings
                                        // without it are not counted at all)
};

// "none" | "topic" | "agent" | "day" | "property" (the kind only).
const char* group_by_name(GroupBy by);

// Reads "topic", "agent", "day" or "property:KEY" (KEY [a-z0-9_]{1,40}) into out.by and
// out.property ("" and "none" mean GroupBy::None). False when unknown; `out` unchanged.
bool parse_group_by(std::string_view text, InsightsQuery& out);

// Group key used for a null topic, agent_id or an absent property.
inline constexpr const char* kNoGroupKey = "(none)";

// The counts of one set of answers (the total, one group, or one question of either).
// "CSAT scales" are stars, emoji, thumbs and numeric; nps answers count in `nps` instead.
struct Figures {
  int64_t ratings = 0;                      // distinct ratings with at least one counted answer
  int64_t answers = 0;                      // counted answers (all scales)
  int64_t raters = 0;                       // distinct non-null rater_ids among those ratings
  int64_t csat_answers = 0;                 // answers on CSAT scales
  int64_t positive = 0;                     // of those, how many are positive
  int64_t mean_count = 0;                   // answers on a 1–5 scale (stars, emoji)
  int64_t mean_sum = 0;                     // sum of their scores
  std::array<int64_t, 5> distribution{};    // [s - 1] = stars/emoji answers scoring s
  int64_t thumbs_down = 0;                  // thumbs answers scoring 0
  int64_t thumbs_up = 0;                    // thumbs answers scoring 1
  std::array<int64_t, 3> sentiment{};       // every answer, by Sentiment
  std::map<std::string, int64_t> problems;  // problem id → answers that picked it
  int64_t promoters = 0;                    // nps answers 9–10
  int64_t passives = 0;                     // nps answers 7–8
  int64_t detractors = 0;                   // nps answers 0–6

  std::optional<double> csat() const;       // positive / csat_answers; nullopt when 0
  std::optional<double> mean() const;       // mean_sum / mean_count; nullopt when 0
  std::optional<double> nps() const;        // 100 * (promoters - detractors) / nps answers
};

// The figures of one set of ratings plus the same per question id.
struct Summary : Figures {
  int64_t excluded_internal = 0;            // distinct ratings left out as internal
  std::map<std::string, Figures> questions; // question id → its answers' figures
};

// The whole result: the total and, when grouped, one Summary per group key.
struct Insights {
  InsightsQuery query;
  Summary total;
  std::map<std::string, Summary> groups;    // sorted by key; empty when by == None
};

// A Summary as the contract's JSON object, compact, keys sorted (docs/insights.md):
// {"answers","csat","distribution","excluded_internal","mean","nps","problems","questions",
// "raters","ratings","sentiment","thumbs"}; "nps" is null or {"detractors","passives",
// "promoters","responses","score"}; each "questions" entry has the same keys minus
// "excluded_internal" and "questions". Doubles are rounded half up to 6 decimal places.
std::string summary_to_json(const Summary& summary);

// The result object: the total's fields plus "groups": {key: summary} when grouped, plus
// "question": the filter (when one is set).
std::string insights_to_json(const Insights& insights);

// Reads one record (rating.v1 or rating.v2) from JSON text. Same answer as
// record_from_json(json_text, out) — the same errors, the same record — but ordinary records
// are read by a single-pass scanner without building a JSON DOM; anything unusual is handed
// to record_from_json, which then produces the errors. On error `out` is unspecified.
Errors parse_record_fast(std::string_view json_text, Record& out);

// Incremental aggregation: feed records one by one, read the result at any time.
// Memory per distinct rating_id: the id plus a few fixed-size fields (never comments), about
// 100 bytes. Not thread-safe; for parallel input use one Aggregator per thread and merge().
class Aggregator {
 public:
  explicit Aggregator(InsightsQuery query = {});
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

  // Adds everything `other` has been given, as if its records had been added here: the
  // result is exactly the one of a single Aggregator given both streams of records, in any
  // order (each rating's winner is chosen by the same order-free rule). For counting parts
  // of one input in parallel, one Aggregator per part. `other` must have the same query;
  // it is left empty (no records).
  void merge(Aggregator&& other);

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

// One answer of a rating's winning record, reduced to what is counted.
struct AnswerFigures {
  std::string_view question;                 // the question id
  Scale scale = Scale::Stars;
  int score = 0;
  bool positive = false;
  Sentiment sentiment = Sentiment::Neutral;
  std::string_view problem_ids;              // join_problem_ids() form
};

// One rating's winning record, reduced to the fields the figures are counted from; the
// strings are views owned by the caller and only read during Tally::add.
struct RatingFigures {
  std::vector<AnswerFigures> answers;
  bool internal = false;                     // counted in excluded_internal only
  std::optional<std::string_view> rater_id;  // distinct raters
  std::optional<std::string_view> topic;     // group key for GroupBy::Topic (null: "(none)")
  std::optional<std::string_view> agent_id;  // group key for GroupBy::Agent (null: "(none)")
  std::optional<std::string_view> property;  // GroupBy::Property: property_text() of the
                                             // query's key (null: absent, "(none)")
  int64_t first_submitted_at = 0;            // ms; its UTC day is the GroupBy::Day key
};

// Counts ratings that are already one per rating_id — each rating's winning record, as a
// store that keeps the latest revision per rating holds them — with exactly the rules of
// Aggregator, minus its deduplication (cheaper: nothing is kept per rating). Groups whose
// keys are equal as text are one group (a topic "(none)" joins the null topics).
class Tally {
 public:
  explicit Tally(InsightsQuery query = {});
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
Insights aggregate(const std::vector<Record>& records, InsightsQuery query = {});

// JSON in, JSON out (for the WebAssembly bridge). `records_json_array` is a JSON array of
// records (v1 or v2); `by` is "", "none", "topic", "agent", "day" or "property:KEY";
// `question` is "" (all) or a question id. Returns the result object, or
// {"error": [{"path","code","message"}, ...]} when anything is wrong: the whole call is
// refused if any record is invalid, listing every invalid record's errors with its index
// in front of the path ("/3/answers/0/score"); a bad `by` is reported at path "/by", a bad
// question id at "/question".
std::string aggregate_json(std::string_view records_json_array, std::string_view by,
                           std::string_view question = {});

}  // namespace session_rating
