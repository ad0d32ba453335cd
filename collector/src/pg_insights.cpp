#include "pg_insights.h"

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "pg_store.h"
#include "session_rating/civil_date.h"
#include "session_rating/config.h"
#include "session_rating/context_trust.h"
#include "session_rating/insights.h"
#include "session_rating/record.h"

namespace collector {

namespace {

using session_rating::Figures;
using session_rating::GroupBy;
using session_rating::Summary;

constexpr int64_t kMsPerDay = 86400000;

// A SQL string literal ('' doubles a quote; standard_conforming_strings is on by default
// since PostgreSQL 9.1, so backslashes are literal).
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// The ids of the ratings whose internal flag is honoured (left out, counted in
// excluded_internal), as a subquery: the core's one rule (internal_honoured) evaluated here for
// every (claimed, context_trust) pair, not restated. It reads only the internal rows (through
// the ratings_tally index, whose second column is `internal`); the big scans then test
// `r.id [NOT] IN (…)` against its hashed result, so they never need context_trust, which is
// not in ratings_tally, and can stay on that index instead of the wide heap rows.
std::string honoured_ids_sql() {
  using session_rating::ContextTrust;
  const ContextTrust all[] = {ContextTrust::None, ContextTrust::Signed, ContextTrust::Unsigned,
                              ContextTrust::Invalid, ContextTrust::Expired};
  std::string out;
  for (int claimed = 1; claimed >= 0; --claimed) {
    std::string names;
    for (ContextTrust t : all) {
      if (!session_rating::internal_honoured(claimed != 0, t)) continue;
      names += (names.empty() ? "" : ",") + quoted(session_rating::context_trust_name(t));
    }
    if (names.empty()) continue;
    out += std::string(out.empty() ? "" : " OR ") + "(t.internal = " + std::to_string(claimed) +
           " AND t.context_trust IN (" + names + "))";
  }
  return "SELECT t.id FROM ratings t WHERE " + (out.empty() ? std::string("FALSE") : out);
}

// The group key of a rating as SQL (text, never NULL: a missing topic, agent or property is
// the core's kNoGroupKey, so a topic spelled "(none)" shares that group, as in the core).
// Days are the UTC day number (floor of ms / day), written as the core writes it in C++.
std::string group_sql(const session_rating::InsightsQuery& q) {
  const std::string none = quoted(session_rating::kNoGroupKey);
  switch (q.by) {
    case GroupBy::None: return "''";
    case GroupBy::Topic: return "COALESCE(r.topic, " + none + ")";
    case GroupBy::Agent: return "COALESCE(r.agent_id, " + none + ")";
    case GroupBy::Property: return "COALESCE(p.value, " + none + ")";
    case GroupBy::Day: {
      const std::string d = std::to_string(kMsPerDay);
      return "((r.first_seen_at - (((r.first_seen_at % " + d + ") + " + d + ") % " + d +
             ")) / " + d + ")::text";
    }
  }
  return "''";
}

// What one answer adds to a Figures (every field but ratings and raters), computed by the
// core itself: a Tally of one rating holding just that answer. Cached per distinct answer.
class UnitFigures {
 public:
  const Figures* get(const std::string& scale_name, int64_t score, bool positive,
                     const std::string& sentiment_name, const std::string& problems) {
    const auto key = std::make_tuple(scale_name, score, positive, sentiment_name, problems);
    auto it = cache_.find(key);
    if (it != cache_.end()) return &it->second;
    session_rating::AnswerFigures a;
    if (!session_rating::parse_scale(scale_name, a.scale) ||
        !session_rating::parse_sentiment(sentiment_name, a.sentiment))
      return nullptr;
    a.question = "q";
    a.score = static_cast<int>(score);
    a.positive = positive;
    a.problem_ids = problems;
    session_rating::RatingFigures rating;
    rating.answers.push_back(a);
    session_rating::Tally tally;
    tally.add(rating);
    return &cache_.emplace(key, tally.result().total).first->second;
  }

 private:
  std::map<std::tuple<std::string, int64_t, bool, std::string, std::string>, Figures> cache_;
};

// into += n × unit, for the fields an answer adds (Figures in insights.h).
void add_answers(Figures& into, const Figures& unit, int64_t n) {
  into.answers += n * unit.answers;
  into.csat_answers += n * unit.csat_answers;
  into.positive += n * unit.positive;
  into.mean_count += n * unit.mean_count;
  into.mean_sum += n * unit.mean_sum;
  for (size_t i = 0; i < into.distribution.size(); ++i) into.distribution[i] += n * unit.distribution[i];
  into.thumbs_down += n * unit.thumbs_down;
  into.thumbs_up += n * unit.thumbs_up;
  for (size_t i = 0; i < into.sentiment.size(); ++i) into.sentiment[i] += n * unit.sentiment[i];
  for (const auto& [id, k] : unit.problems) into.problems[id] += n * k;
  into.promoters += n * unit.promoters;
  into.passives += n * unit.passives;
  into.detractors += n * unit.detractors;
}

struct Runner {
  PgConn& db;
  std::vector<PgParam> params;
  std::string& error;
  std::optional<PgResult> run(const std::string& sql) {
    PgResult r = db.query(sql, params);
    if (!r.ok()) {
      error = db.last_error();
      return std::nullopt;
    }
    return r;
  }
};

}  // namespace

bool pg_insights(PgConn& db, const Filters& f, std::string& body, std::string& error) {
  const session_rating::InsightsQuery& q = f.query;
  const bool grouped = q.by != GroupBy::None;
  const std::string g = group_sql(q);
  const std::string ids = honoured_ids_sql();
  const std::string honoured = "r.id IN (" + ids + ")", counted = "r.id NOT IN (" + ids + ")";

  // Filters as parameters $1…; the fixed parts (group key, internal rule) are literals.
  std::vector<PgParam> params;
  std::string where;
  auto add = [&](const std::string& clause, PgParam value) {
    params.push_back(std::move(value));
    where += (where.empty() ? " WHERE " : " AND ") + clause + "$" + std::to_string(params.size());
  };
  if (f.from) add("r.first_seen_at >= ", pg(*f.from));
  if (f.to) add("r.first_seen_at < ", pg(*f.to));
  if (f.topic) add("r.topic = ", pg(*f.topic));
  std::string question_join;  // ratings → their answer to the filtered question
  if (q.question) {
    params.push_back(*q.question);
    question_join = " JOIN answers a ON a.rating_row = r.id AND a.question = $" +
                    std::to_string(params.size());
  }
  const std::string property_join =
      q.by == GroupBy::Property
          ? " LEFT JOIN rating_properties p ON p.rating_row = r.id AND p.key = " + quoted(q.property)
          : "";
  const std::string answers_from =
      " FROM answers a JOIN ratings r ON r.id = a.rating_row" + property_join + where +
      (where.empty() ? " WHERE " : " AND ") + counted +
      (q.question ? " AND a.question = $" + std::to_string(params.size()) : "");

  // Two aggregates over one snapshot, so they describe the same ratings. Both are hash
  // aggregates (no count(DISTINCT), whose sorts dominated). work_mem for this transaction
  // only: at 64 MB the planner sorted the (group, question, rater) sets of 1M ratings instead of
  // hashing them; PostgreSQL spills a hash aggregate that outgrows it to disk (no failure).
  // No JIT: compiling these plans cost more than it saved (300k ratings, by=topic: 4.9 s with,
  // 3.6 s without).
  Runner runner{db, params, error};
  if (!db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").ok() ||
      !db.exec("SET LOCAL work_mem = '256MB'; SET LOCAL jit = off").ok()) {
    error = db.last_error();
    db.exec("ROLLBACK");
    return false;
  }
  struct Rollback {
    PgConn& db;
    ~Rollback() { db.exec("ROLLBACK"); }
  } rollback{db};

  // 1. Per group: counted ratings and excluded internal ones (a rating is in one group, so
  //    the total is their sum). With a question filter only ratings that answered it.
  auto ratings = runner.run("SELECT " + g + ", count(*) FILTER (WHERE " + counted +
                            "), count(*) FILTER (WHERE " + honoured + ") FROM ratings r" +
                            question_join + property_join + where +
                            (grouped ? " GROUP BY 1" : ""));
  if (!ratings) return false;
  // 2. One pass over the counted answers (answers ⋈ ratings) with hashed grouping sets:
  //    - the answers by everything an answer's figures depend on (question, scale, score,
  //      positive, sentiment, problems), per group: the buckets; a record answers each
  //      question at most once (check_record), so a question's answers are its ratings;
  //    - the distinct (key, rater) pairs per (group, question), group, question and total,
  //      counted per key by the outer query: distinct raters without count(DISTINCT)'s sorts.
  //    Column `s` tells the sets apart (kBucket, kGroupQuestion, kGroup, kQuestion, kTotal);
  //    `g` is the group key ('' in the ungrouped query, whose sets have no group column).
  const std::string gg = grouped ? g : "''";
  const std::string gcol = grouped ? g + ", " : "";
  const std::string sets =
      "(" + gcol + "a.question, a.scale, a.score, a.positive, a.sentiment, a.problems), " +
      (grouped ? "(" + g + ", a.question, r.rater_id), (" + g + ", r.rater_id), " : "") +
      "(a.question, r.rater_id), (r.rater_id)";
  const std::string set_id = "GROUPING(" + gcol + "a.question, a.scale, r.rater_id)";
  auto answers = runner.run(
      "SELECT s, g, q, scale, score, positive, sentiment, problems, sum(n), count(rater) FROM ("
      "SELECT " + set_id + " AS s, " + gg + " AS g, a.question AS q, a.scale AS scale, "
      "a.score AS score, a.positive AS positive, a.sentiment AS sentiment, a.problems AS problems, "
      "r.rater_id AS rater, count(*) AS n" + answers_from + " GROUP BY GROUPING SETS (" + sets +
      ")) d GROUP BY s, g, q, scale, score, positive, sentiment, problems");
  if (!answers) return false;

  session_rating::Insights out;
  out.query = q;
  auto key_of = [&](const PgResult& r, int row, int col) {
    std::string key = r.text_col(row, col);
    if (q.by == GroupBy::Day)
      key = session_rating::utc_day_string(std::strtoll(key.c_str(), nullptr, 10));
    return key;
  };
  for (int i = 0; i < ratings->rows(); ++i) {
    const int64_t kept = ratings->int_col(i, 1), internal = ratings->int_col(i, 2);
    if (grouped && kept + internal == 0) continue;  // no ratings at all: no group
    out.total.ratings += kept;
    out.total.excluded_internal += internal;
    if (!grouped) continue;
    Summary& s = out.groups[key_of(*ratings, i, 0)];
    s.ratings = kept;
    s.excluded_internal = internal;
  }
  // GROUPING(g, question, scale, rater): a bit per column left out of the set (g = 8 … rater
  // = 1). The ungrouped query has no g column: its ids (1, 2, 6) are mapped onto these.
  constexpr int64_t kBucket = 1, kGroupQuestion = 2, kGroup = 6, kQuestion = 10, kTotal = 14;
  UnitFigures units;
  for (int i = 0; i < answers->rows(); ++i) {
    int64_t set = answers->int_col(i, 0);
    if (!grouped) set = set == 1 ? kBucket : set == 2 ? kQuestion : set == 6 ? kTotal : -1;
    const std::string question = answers->text_col(i, 2);
    const int64_t raters = answers->int_col(i, 9);
    if (set == kTotal) {
      out.total.raters = raters;
    } else if (set == kQuestion) {
      out.total.questions[question].raters = raters;
    } else if (set == kGroup) {
      out.groups[key_of(*answers, i, 1)].raters = raters;
    } else if (set == kGroupQuestion) {
      if (grouped) out.groups[key_of(*answers, i, 1)].questions[question].raters = raters;
    } else if (set == kBucket) {
      const Figures* unit = units.get(answers->text_col(i, 3), answers->int_col(i, 4),
                                      answers->int_col(i, 5) != 0, answers->text_col(i, 6),
                                      answers->text_col(i, 7));
      if (!unit) {
        error = "a stored answer has an unknown scale or sentiment";
        return false;
      }
      const int64_t n = answers->int_col(i, 8);
      add_answers(out.total, *unit, n);
      Figures& tq = out.total.questions[question];
      add_answers(tq, *unit, n);
      tq.ratings += n;
      if (grouped) {
        Summary& s = out.groups[key_of(*answers, i, 1)];
        add_answers(s, *unit, n);
        Figures& gq = s.questions[question];
        add_answers(gq, *unit, n);
        gq.ratings += n;
      }
    } else {
      error = "unexpected grouping set " + std::to_string(set);
      return false;
    }
  }
  body = session_rating::insights_to_json(out);
  return true;
}

}  // namespace collector
