import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SIGNATURE_HEADER, sign, verify } from '../../agent/targets/webhook/signature.ts';

const SECRET = 'whsec-5b1d0c9e7a';
const NOW = 1_790_000_000;
const BODY = '{"endpoint":"WMS","events":[{"id":1,"type":"product.deleted"}]}';

test('the header is t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>"> and is sent as x-plansync-signature', () => {
  const expected = createHmac('sha256', SECRET).update(`${NOW}.${BODY}`).digest('hex');
  assert.is(sign(SECRET, NOW, BODY), `t=${NOW},v1=${expected}`);
  assert.is(SIGNATURE_HEADER, 'x-plansync-signature');
});

test('verify accepts what sign produced and gives back its timestamp', () => {
  assert.equal(verify(SECRET, sign(SECRET, NOW, BODY), BODY, NOW), { ok: true, timestamp: NOW });
  // spaces after the comma are tolerated
  assert.equal(verify(SECRET, sign(SECRET, NOW, BODY).replace(',', ', '), BODY, NOW), { ok: true, timestamp: NOW });
});

test('a tampered body is refused: signature mismatch', () => {
  const header = sign(SECRET, NOW, BODY);
  assert.equal(verify(SECRET, header, BODY.replace('"id":1', '"id":2'), NOW), { ok: false, reason: 'signature mismatch' });
  assert.equal(verify(SECRET, header, `${BODY} `, NOW), { ok: false, reason: 'signature mismatch' });
});

test('a signature made with another secret is refused: signature mismatch', () => {
  assert.equal(verify(SECRET, sign('another-secret', NOW, BODY), BODY, NOW), { ok: false, reason: 'signature mismatch' });
});

test('a timestamp changed in the header is refused: the timestamp is part of the signed text', () => {
  const header = sign(SECRET, NOW, BODY).replace(`t=${NOW}`, `t=${NOW + 1}`);
  assert.equal(verify(SECRET, header, BODY, NOW), { ok: false, reason: 'signature mismatch' });
});

test('a missing or empty header is refused: missing signature', () => {
  assert.equal(verify(SECRET, undefined, BODY, NOW), { ok: false, reason: 'missing signature' });
  assert.equal(verify(SECRET, '', BODY, NOW), { ok: false, reason: 'missing signature' });
});

test('malformed headers are refused: malformed signature', () => {
  const hex = sign(SECRET, NOW, BODY).split('v1=')[1] ?? '';
  for (const header of [
    'garbage',
    `v1=${hex}`,
    `t=${NOW}`,
    `t=soon,v1=${hex}`,
    `t=${NOW}.5,v1=${hex}`,
    `t=${NOW},v1=${hex.slice(1)}`,
    `t=${NOW},v1=${hex.toUpperCase()}`,
    `t=${NOW},v1=${'z'.repeat(64)}`,
    `t=${NOW},v0=${hex}`,
  ]) {
    assert.equal(verify(SECRET, header, BODY, NOW), { ok: false, reason: 'malformed signature' }, header);
  }
});

test('a timestamp outside the tolerance window (past or future) is refused with the window; its edge is accepted', () => {
  const header = sign(SECRET, NOW, BODY);
  assert.equal(verify(SECRET, header, BODY, NOW + 301), { ok: false, reason: 'timestamp outside the 300 s window' });
  assert.equal(verify(SECRET, header, BODY, NOW - 301), { ok: false, reason: 'timestamp outside the 300 s window' });
  assert.ok(verify(SECRET, header, BODY, NOW + 300).ok);
  assert.ok(verify(SECRET, header, BODY, NOW - 300).ok);
  assert.equal(verify(SECRET, header, BODY, NOW + 11, 10), { ok: false, reason: 'timestamp outside the 10 s window' });
  assert.ok(verify(SECRET, header, BODY, NOW + 10, 10).ok);
});

test('the window is checked before the HMAC: an old replay with a valid signature is refused', () => {
  const old = sign(SECRET, NOW - 3600, BODY);
  assert.equal(verify(SECRET, old, BODY, NOW), { ok: false, reason: 'timestamp outside the 300 s window' });
});

const timestamp = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
// well-formed strings (whole code points): the bodies a webhook sends are JSON text, never lone surrogates
const text = fc.string({ unit: 'binary', maxLength: 200 });

test('property: for any body, secret and timestamp, verify(sign(...)) is ok', () => {
  fc.assert(
    fc.property(text, fc.string({ unit: 'binary' }), timestamp, (body, secret, t) => {
      assert.equal(verify(secret, sign(secret, t, body), body, t), { ok: true, timestamp: t });
    }),
    { numRuns: 300 },
  );
});

test('property: changing any one character of the body makes verify fail with signature mismatch', () => {
  fc.assert(
    fc.property(
      text.filter((body) => body.length > 0),
      fc.string({ minLength: 1 }),
      timestamp,
      fc.nat(),
      fc.integer({ min: 1, max: 0x10ffff }),
      (body, secret, t, at, delta) => {
        const chars = Array.from(body);
        const index = at % chars.length;
        const original = chars[index]?.codePointAt(0) ?? 0;
        let replaced = (original + delta) % 0x110000;
        if (replaced >= 0xd800 && replaced <= 0xdfff) replaced = original === 0x41 ? 0x42 : 0x41; // keep a whole code point
        chars[index] = String.fromCodePoint(replaced);
        const tampered = chars.join('');
        assert.is.not(tampered, body);
        assert.equal(verify(secret, sign(secret, t, body), tampered, t), { ok: false, reason: 'signature mismatch' });
      },
    ),
    { numRuns: 300 },
  );
});

test.run();
