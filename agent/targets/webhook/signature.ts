/**
 * Webhook signatures: `X-PlanSync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The timestamp is inside the signed text, so a receiver that refuses old timestamps refuses replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-plansync-signature';

/** The header for `body` (text is signed as its UTF-8 bytes; a receiver verifies the bytes it read). */
export const sign = (secret: string, timestamp: number, body: string | Buffer): string =>
  `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;

export type SignatureCheck = { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: string };

/** Check a signature header against the raw body; `toleranceSeconds` bounds the clock skew and replay window. */
export const verify = (
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  nowSeconds: number,
  toleranceSeconds = 300,
): SignatureCheck => {
  if (!header) return { ok: false, reason: 'missing signature' };
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(timestamp) || !given || !/^[0-9a-f]{64}$/.test(given)) return { ok: false, reason: 'malformed signature' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds)
    return { ok: false, reason: `timestamp outside the ${toleranceSeconds} s window` };
  const expected = sign(secret, timestamp, body).split('v1=')[1] ?? '';
  const ok = timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'));
  return ok ? { ok: true, timestamp } : { ok: false, reason: 'signature mismatch' };
};
