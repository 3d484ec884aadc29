import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How a delivery proves it came from us: HMAC-SHA256, keyed with the endpoint's secret, over
 * `<timestamp>.<body>` (the timestamp is the Kepu-Timestamp header, Unix seconds; the body the
 * exact bytes received). Kepu-Signature lists one `v1=<hex>` per valid secret, comma separated:
 * two during a rotation's overlap, so a receiver holding either secret accepts it.
 */
export const SIGNATURE_HEADER = 'kepu-signature';
export const TIMESTAMP_HEADER = 'kepu-timestamp';
export const DELIVERY_HEADER = 'kepu-delivery';
export const KIND_HEADER = 'kepu-event';

export const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export const signatureOf = (secret: string, timestamp: number, body: string) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

export const signatureHeader = (secrets: string[], timestamp: number, body: string) =>
  secrets.map((secret) => `v1=${signatureOf(secret, timestamp, body)}`).join(', ');

/**
 * What a receiver does (the README shows it): recompute, compare in constant time against
 * each v1 signature, and refuse timestamps too far from its clock (a replayed delivery).
 */
export function verifySignature({ header, timestamp, body, secret, now = Date.now(), toleranceSeconds = 300 }: {
  header: string; timestamp: string; body: string; secret: string; now?: number; toleranceSeconds?: number;
}): boolean {
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(now / 1000 - seconds) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureOf(secret, seconds, body), 'hex');
  return header.split(',').map((part) => part.trim()).some((part) => {
    if (!part.startsWith('v1=')) return false;
    const given = Buffer.from(part.slice(3), 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
