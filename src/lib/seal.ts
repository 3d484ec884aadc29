import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption (AES-256-GCM) of something the database must keep but not be
 * able to read: a key is derived (HKDF) from key material the database never holds (a
 * client's Idempotency-Key, SECRET_KEY) and a purpose, which keeps the uses apart.
 */
const sealingKey = (material: string, purpose: string) => Buffer.from(hkdfSync('sha256', material, `kepu-${purpose}`, 'answer', 32));

export function seal(material: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(material, purpose), iv);
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((b) => b.toString('base64url')).join('.');
}

/** The plaintext; throws when the box was sealed with other material or purpose, or altered. */
export function unseal(material: string, purpose: string, stored: string): string {
  const [iv, tag, sealed] = stored.split('.').map((part) => Buffer.from(part, 'base64url')) as [Buffer, Buffer, Buffer];
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(material, purpose), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
}
