// The dashboard's CSV export: formula-looking cells are escaped, quoting follows RFC 4180.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, toCsv, CSV_COLUMNS } from '../dashboard/csv.mjs';

test('cells starting with = + - @ (and tab, CR) are prefixed with a quote', () => {
  assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvCell('+1 555'), "'+1 555");
  assert.equal(csvCell('-2'), "'-2");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tcmd'), `"'\tcmd"`);
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(5), '5');
  assert.equal(csvCell(true), 'true');
});

test('toCsv writes a header and one row per record', () => {
  const csv = toCsv([{
    rating_id: 'r1', session_id: 's1', revision: 2, final: true, scale: 'stars', score: 1,
    positive: false, sentiment: 'negative', problems: ['audio', 'video'], comment: '=cmd|" /C calc"!A0',
    redactions: [{ kind: 'email', count: 1 }], submitted_at: 0, first_submitted_at: 0,
    edit_deadline: 3600000, internal: false, topic: '-billing', agent_id: null,
  }]);
  const lines = csv.split('\r\n');
  assert.equal(lines[0], CSV_COLUMNS.join(','));
  assert.match(lines[1], /^r1,s1,,,2,true,overall,stars,1,false,negative,audio\|video,"'=cmd\|"" \/C calc""!A0",email:1,/);
  assert.match(lines[1], /,'-billing,,,$/);   // agent, properties, context_trust empty
  assert.equal(lines[2], '');
});

test('a rating.v2 record gives one row per answer, with rater, subject and properties', () => {
  const answer = (question, score, extra = {}) => ({
    question, scale: 'thumbs', range: [0, 1], score, positive: score === 1,
    sentiment: score === 1 ? 'positive' : 'negative', problems: [], comment: '', redactions: [],
    thresholds: { low_score_max: 0, positive_min: 1 }, ...extra,
  });
  const csv = toCsv([{
    schema: 'rating.v2', rating_id: 'rt-1', session_id: 'chat-1', rater_id: 'sr-ab', subject_id: 'msg-3',
    revision: 1, final: false,
    answers: [answer('HELPFUL_THUMBS', 1), answer('EXPERIENCE_THUMBS', 0, { comment: '+slow' })],
    submitted_at: 0, first_submitted_at: 0, edit_deadline: null, internal: false, topic: null,
    agent_id: 'a-1', properties: { model: 'm-2', prompt_version: 'v7' }, context_trust: 'signed',
  }]);
  const lines = csv.split('\r\n');
  assert.equal(lines.length, 4);
  assert.match(lines[1], /^rt-1,chat-1,sr-ab,msg-3,1,false,HELPFUL_THUMBS,thumbs,1,true,positive,,,/);
  assert.match(lines[2], /^rt-1,chat-1,sr-ab,msg-3,1,false,EXPERIENCE_THUMBS,thumbs,0,false,negative,,'\+slow,/);
  assert.match(lines[2], /,1970-01-01T00:00:00.000Z,,false,,a-1,"{""model"":""m-2"",""prompt_version"":""v7""}",signed$/);
  assert.equal(CSV_COLUMNS.at(-1), 'context_trust');
});

// Issue 13: a spreadsheet that splits on ';' saw `=2+5+cmd|...` as a cell of its own, and a
// value starting with a line break (or spaces) then '=' was not prefixed.
test("cells with ';', tab, CR or LF are quoted, so no split can start a cell inside a value", () => {
  const attack = "x;=2+5+cmd|' /C calc'!A0;y";
  assert.equal(csvCell(attack), `"${attack}"`);
  assert.equal(csvCell('a;b'), '"a;b"');
  assert.equal(csvCell('a\tb'), '"a\tb"');
  assert.equal(csvCell('a\rb'), '"a\rb"');
  assert.equal(csvCell('a"b'), '"a""b"');
  // Split the way such a spreadsheet does (on ';' outside quotes): no cell starts with = + - @.
  const line = [attack, 'ok', '=1'].map(csvCell).join(';');
  const cells = [];
  let cur = '', quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ';' && !quoted) { cells.push(cur); cur = ''; continue; }
    cur += ch;
  }
  cells.push(cur);
  assert.equal(cells.length, 3);
  for (const c of cells) assert.doesNotMatch(c.replace(/^"/, ''), /^\s*[=+\-@]/);
});

test('a value starting with a line break or whitespace, then = + - @, is prefixed too', () => {
  assert.equal(csvCell('\n=1+2'), `"'\n=1+2"`);
  assert.equal(csvCell('\r\n+cmd'), `"'\r\n+cmd"`);
  assert.equal(csvCell('  @SUM(A1)'), `"'  @SUM(A1)"`);
  assert.equal(csvCell('\u00a0-2'), `"'\u00a0-2"`);
  assert.equal(csvCell('\nplain'), `"'\nplain"`);
  assert.equal(csvCell(' plain'), '" plain"');
  const csv = toCsv([{ rating_id: 'r', session_id: 's', revision: 1, final: false, scale: 'stars', score: 1,
    positive: false, sentiment: 'negative', problems: [], comment: '\n=HYPERLINK("http://x")', redactions: [],
    submitted_at: 0, first_submitted_at: 0, edit_deadline: 0, internal: false, topic: ';=1', agent_id: null }]);
  assert.ok(csv.includes(`"'\n=HYPERLINK(""http://x"")"`));
  assert.ok(csv.includes('";=1"'));
});
