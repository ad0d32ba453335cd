// csv.mjs — CSV export of rating records, safe to open in a spreadsheet: a text cell that
// starts with = + - @ — also after leading whitespace or line breaks, which spreadsheets skip —
// or with a tab / carriage return / line feed is prefixed with ' so it is never run as a
// formula (CSV injection). Cells are quoted per RFC 4180, and also when they hold ';' or a tab,
// so a spreadsheet that splits on ';' (or tabs) never sees a cell start inside a value.
// One row per answer (rating.v2: a rating with two questions gives two rows sharing its
// rating_id); a rating.v1 record (top-level scale/score/...) is one row with question overall.
// context_trust (signed context, docs/security.md) is the collector's, from GET /v1/ratings.

export const CSV_COLUMNS = [
  'rating_id', 'session_id', 'rater_id', 'subject_id', 'revision', 'final', 'question', 'scale',
  'score', 'positive', 'sentiment', 'problems', 'comment', 'redactions', 'submitted_at',
  'first_submitted_at', 'edit_deadline', 'internal', 'topic', 'agent_id', 'properties',
  'context_trust',
];

/** One CSV cell. */
export function csvCell(value) {
  if (value === null || value === undefined) return '';
  const raw = String(value);
  let s = raw;
  if (typeof value === 'string' && /^(?:\s*[=+\-@]|[\t\r\n])/u.test(raw)) s = `'${raw}`;
  if (/[",;\t\r\n]/.test(s) || /^\s|\s$/u.test(raw)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

const iso = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');

function answersOf(r) {
  if (Array.isArray(r.answers)) return r.answers;
  return [{ question: 'overall', scale: r.scale, score: r.score, positive: r.positive, sentiment: r.sentiment,
    problems: r.problems, comment: r.comment, redactions: r.redactions }];
}

/** The CSV rows of one record (one per answer), values in CSV_COLUMNS order. */
export function recordRows(r) {
  const props = r.properties && Object.keys(r.properties).length ? JSON.stringify(r.properties) : '';
  return answersOf(r).map((a) => [
    r.rating_id, r.session_id, r.rater_id ?? '', r.subject_id ?? '', r.revision, r.final,
    a.question, a.scale, a.score, a.positive, a.sentiment,
    (a.problems || []).join('|'), a.comment || '',
    (a.redactions || []).map((x) => `${x.kind}:${x.count}`).join('|'),
    iso(r.submitted_at), iso(r.first_submitted_at), iso(r.edit_deadline),
    r.internal, r.topic ?? '', r.agent_id ?? '', props,
    r.context_trust ?? '', // GET /v1/ratings rows: none | signed | unsigned | invalid | expired
  ]);
}

/** Records → CSV text (header line first, CRLF line ends). */
export function toCsv(records) {
  const lines = [CSV_COLUMNS.map(csvCell).join(',')];
  for (const r of records) for (const row of recordRows(r)) lines.push(row.map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}
