#!/usr/bin/env node
// scripts/bench/duckdb-insights.mjs FILE.jsonl [THREADS] — the DuckDB side of
// scripts/bench-insights-duckdb.sh: the totals `session-rating insights` prints (ratings,
// answers, raters, excluded_internal, csat, mean, distribution 1–5), computed by DuckDB
// (npm @duckdb/node-api, in scripts/bench/peers) with read_json (the columns given) and a
// QUALIFY row_number() keeping each rating's winning record: the highest revision, then a
// final one, then the later submitted_at (docs/insights.md, "Which record counts"; the fixed
// order after that only matters for conflicting copies, which the generator does not write).
// rating.v1 lines (top-level scale/score/positive) count as one answer to `overall`, as the
// core reads them. Records are NOT validated here (ours validates every one).
// Prints one JSON object: the figures and query_ms (the query alone, from connect to result).
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'peers/package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const file = resolve(process.argv[2]);
const threads = String(process.argv[3] || 2);
const lit = (s) => `'${s.replace(/'/g, "''")}'`;

const SQL = `
WITH r AS (
  SELECT * FROM read_json(${lit(file)}, format = 'newline_delimited', columns = {
    schema: 'VARCHAR', rating_id: 'VARCHAR', revision: 'BIGINT', final: 'BOOLEAN', submitted_at: 'BIGINT',
    internal: 'BOOLEAN', rater_id: 'VARCHAR', scale: 'VARCHAR', score: 'DOUBLE', positive: 'BOOLEAN',
    answers: 'STRUCT(question VARCHAR, scale VARCHAR, score DOUBLE, positive BOOLEAN)[]'})
),
w AS (
  SELECT * FROM r
  QUALIFY row_number() OVER (PARTITION BY rating_id ORDER BY revision DESC, final DESC, submitted_at DESC) = 1
),
a AS (
  SELECT rating_id, rater_id, unnest(CASE WHEN schema = 'rating.v1'
      THEN [{'question': 'overall', 'scale': scale, 'score': score, 'positive': positive}]
      ELSE answers END) AS a
  FROM w WHERE NOT coalesce(internal, false)
)
SELECT
  count(DISTINCT rating_id) AS ratings,
  count(*) AS answers,
  count(DISTINCT rater_id) AS raters,
  (SELECT count(*) FROM w WHERE coalesce(internal, false)) AS excluded_internal,
  avg(CASE WHEN a.positive THEN 1.0 ELSE 0.0 END) FILTER (WHERE a.scale IN ('stars', 'emoji', 'thumbs', 'numeric')) AS csat,
  avg(a.score) FILTER (WHERE a.scale IN ('stars', 'emoji')) AS mean,
  count(*) FILTER (WHERE a.scale IN ('stars', 'emoji') AND a.score = 1) AS d1,
  count(*) FILTER (WHERE a.scale IN ('stars', 'emoji') AND a.score = 2) AS d2,
  count(*) FILTER (WHERE a.scale IN ('stars', 'emoji') AND a.score = 3) AS d3,
  count(*) FILTER (WHERE a.scale IN ('stars', 'emoji') AND a.score = 4) AS d4,
  count(*) FILTER (WHERE a.scale IN ('stars', 'emoji') AND a.score = 5) AS d5
FROM a`;

const t0 = performance.now();
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const reader = await con.runAndReadAll(SQL);
const row = reader.getRowObjectsJS()[0];
const queryMs = performance.now() - t0;
const n = (x) => (x == null ? null : Number(x));
console.log(JSON.stringify({
  ratings: n(row.ratings), answers: n(row.answers), raters: n(row.raters), excluded_internal: n(row.excluded_internal),
  csat: n(row.csat), mean: n(row.mean),
  distribution: { 1: n(row.d1), 2: n(row.d2), 3: n(row.d3), 4: n(row.d4), 5: n(row.d5) },
  query_ms: Math.round(queryMs), threads: Number(threads),
}));
