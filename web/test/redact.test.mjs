// Mirrors native-tests/redact_test.cpp through the JS API (redact).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { getCore } from './helpers.mjs';

const core = await getCore();

test('redact: email_is_replaced_and_rest_kept_byte_for_byte', () => {
  assert.deepEqual(core.redact('write to jane.doe@example.com, thanks'), {
    text: 'write to [email], thanks',
    redactions: [{ kind: 'email', count: 1 }],
  });
});

test('redact: card_numbers_must_pass_luhn', () => {
  assert.equal(core.redact('card 4111 1111 1111 1111').text, 'card [card]');
  assert.equal(core.redact('order 4111 1111 1111 1112').text.includes('[card]'), false);
});

test('redact: counts_are_per_kind_in_contract_order', () => {
  const r = core.redact('+1 555 123 4567 a@b.com c@d.org');
  assert.deepEqual(r.redactions.map((x) => x.kind), ['email', 'phone']);
  assert.equal(r.redactions[0].count, 2);
});

test('redact: nothing_to_redact_gives_empty_list_and_same_text', () => {
  assert.deepEqual(core.redact('all good, v1.2.3 on 2024-05-01 for $12.50'), {
    text: 'all good, v1.2.3 on 2024-05-01 for $12.50',
    redactions: [],
  });
});

test('redact: multibyte_text_around_matches_is_kept', () => {
  const r = core.redact('日本語 jane@example.com ✓ 😀');
  assert.equal(r.text, '日本語 [email] ✓ 😀');
});

test('redact: invalid_utf8_is_a_structured_error_without_the_text (bridge bytes)', () => {
  const m = core._m;
  const bytes = Buffer.from([0x61, 0xff, 0x62]);
  const p = m._sr_alloc(bytes.length);
  m.HEAPU8.set(bytes, p);
  const r = JSON.parse(core._take(m._sr_redact(p, bytes.length)));
  m._sr_free(p);
  assert.equal(r.error.code, 'invalid_utf8');
});

test('redact: misuse_throws (a non-string)', () => {
  assert.throws(() => core.redact(42), { name: 'CoreUsageError' });
});
