// The dashboard's CSV export: formula-looking cells are escaped, quoting follows RFC 4180.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, toCsv, CSV_COLUMNS } from '../dashboard/csv.mjs';

test('cells starting with = + - @ (and tab, CR) are prefixed with a quote', () => {
  assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvCell('+1 555'), "'+1 555");
  assert.equal(csvCell('-2'), "'-2");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('\tcmd'), "'\tcmd");
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
  assert.match(lines[1], /^r1,s1,2,true,stars,1,false,negative,audio\|video,"'=cmd\|"" \/C calc""!A0",email:1,/);
  assert.match(lines[1], /,'-billing,$/);
  assert.equal(lines[2], '');
});
