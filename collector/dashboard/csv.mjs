// csv.mjs — CSV export of rating records, safe to open in a spreadsheet: a text cell that
// starts with = + - @ (or a tab / carriage return) is prefixed with ' so it is never run as
// a formula (CSV injection), and cells are quoted per RFC 4180.

export const CSV_COLUMNS = [
  'rating_id', 'session_id', 'revision', 'final', 'scale', 'score', 'positive', 'sentiment',
  'problems', 'comment', 'redactions', 'submitted_at', 'first_submitted_at', 'edit_deadline',
  'internal', 'topic', 'agent_id',
];

/** One CSV cell. */
export function csvCell(value) {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

const iso = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString() : '');

/** The CSV row values of one record, in CSV_COLUMNS order. */
export function recordRow(r) {
  return [
    r.rating_id, r.session_id, r.revision, r.final, r.scale, r.score, r.positive, r.sentiment,
    (r.problems || []).join('|'), r.comment || '',
    (r.redactions || []).map((x) => `${x.kind}:${x.count}`).join('|'),
    iso(r.submitted_at), iso(r.first_submitted_at), iso(r.edit_deadline),
    r.internal, r.topic ?? '', r.agent_id ?? '',
  ];
}

/** Records → CSV text (header line first, CRLF line ends). */
export function toCsv(records) {
  const lines = [CSV_COLUMNS.map(csvCell).join(',')];
  for (const r of records) lines.push(recordRow(r).map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}
