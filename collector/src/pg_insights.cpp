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

// The honoured internal flag as SQL, from the core's one rule (internal_honoured) applied to
// every (claimed, context_trust) pair: the rule is evaluated here, not restated.
std::string honoured_internal_sql() {
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
    out += std::string(out.empty() ? "" : " OR ") + "(r.internal = " + std::to_string(claimed) +
           " AND r.context_trust IN (" + names + "))";
  }
  return out.empty() ? "FALSE" : "(" + out + ")";
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

bool pg_insights(SqlConn& conn, const Filters& f, std::string& body, std::string& error) {
  PgConn& db = static_cast<PgConn&>(conn);
  const session_rating::InsightsQuery& q = f.query;
  const bool grouped = q.by != GroupBy::None;
  const std::string g = group_sql(q);
  const std::string honoured = honoured_internal_sql();

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
      (where.empty() ? " WHERE " : " AND ") + "NOT " + honoured +
      (q.question ? " AND a.question = $" + std::to_string(params.size()) : "");

  // Three aggregates over one snapshot, so they describe the same ratings.
  Runner runner{db, params, error};
  if (!db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").ok()) {
    error = db.last_error();
    return false;
  }
  struct Rollback {
    PgConn& db;
    ~Rollback() { db.exec("ROLLBACK"); }
  } rollback{db};

  // 1. Per rating: counted ratings, excluded internal ones, distinct raters — per group and
  //    in total (a rater in two groups counts once in the total).
  const std::string gs = grouped ? "GROUPING SETS ((" + g + "), ())" : "()";
  auto ratings = runner.run(
      "SELECT " + g + ", count(*) FILTER (WHERE NOT " + honoured + "), count(*) FILTER (WHERE " +
      honoured + "), count(DISTINCT r.rater_id) FILTER (WHERE NOT " + honoured + "), " +
      (grouped ? "GROUPING(" + g + ")" : "1") + " FROM ratings r" + question_join + property_join +
      where + " GROUP BY " + gs);
  if (!ratings) return false;
  // 2. Per question: ratings that answered it (a record answers each question at most once:
  //    check_record) and their distinct raters.
  const std::string qs =
      grouped ? "GROUPING SETS ((" + g + ", a.question), (a.question))" : "a.question";
  auto questions = runner.run("SELECT " + (grouped ? g : "''") +
                              ", a.question, count(*), count(DISTINCT r.rater_id), " +
                              (grouped ? "GROUPING(" + g + ")" : "1") + answers_from +
                              " GROUP BY " + qs);
  if (!questions) return false;
  // 3. Answers by everything an answer's figures depend on.
  auto answers = runner.run("SELECT " + g +
                            ", a.question, a.scale, a.score, a.positive, a.sentiment, a.problems,"
                            " count(*)" + answers_from + " GROUP BY 1, 2, 3, 4, 5, 6, 7");
  if (!answers) return false;

  session_rating::Insights out;
  out.query = q;
  auto key_of = [&](const PgResult& r, int row) {
    std::string key = r.text_col(row, 0);
    if (q.by == GroupBy::Day)
      key = session_rating::utc_day_string(std::strtoll(key.c_str(), nullptr, 10));
    return key;
  };
  auto summary_of = [&](const PgResult& r, int row, int total_col) -> Summary& {
    return r.int_col(row, total_col) == 1 ? out.total : out.groups[key_of(r, row)];
  };
  for (int i = 0; i < ratings->rows(); ++i) {
    Summary& s = summary_of(*ratings, i, 4);
    s.ratings = ratings->int_col(i, 1);
    s.excluded_internal = ratings->int_col(i, 2);
    s.raters = ratings->int_col(i, 3);
  }
  for (int i = 0; i < questions->rows(); ++i) {
    Figures& fig = summary_of(*questions, i, 4).questions[questions->text_col(i, 1)];
    fig.ratings = questions->int_col(i, 2);
    fig.raters = questions->int_col(i, 3);
  }
  UnitFigures units;
  for (int i = 0; i < answers->rows(); ++i) {
    const Figures* unit =
        units.get(answers->text_col(i, 2), answers->int_col(i, 3), answers->int_col(i, 4) != 0,
                  answers->text_col(i, 5), answers->text_col(i, 6));
    if (!unit) {
      error = "a stored answer has an unknown scale or sentiment";
      return false;
    }
    const int64_t n = answers->int_col(i, 7);
    const std::string question = answers->text_col(i, 1);
    add_answers(out.total, *unit, n);
    add_answers(out.total.questions[question], *unit, n);
    if (grouped) {
      Summary& s = out.groups[key_of(*answers, i)];
      add_answers(s, *unit, n);
      add_answers(s.questions[question], *unit, n);
    }
  }
  body = session_rating::insights_to_json(out);
  return true;
}

}  // namespace collector
