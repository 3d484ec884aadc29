import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** Algorithm.Argon2id; the package exports it as an ambient const enum we cannot import. */
const ARGON2ID = 2;

/** A random secret for tokens, session cookies and one-time links (192 bits). */
export const newSecret = (prefix = '') => `${prefix}${randomBytes(24).toString('base64url')}`;

/**
 * Token and session secrets are long and random, so a fast hash is enough to store them:
 * a stolen table gives nothing usable. Passwords are short and guessable: argon2id.
 */
export const secretHash = (secret: string) => createHash('sha256').update(secret).digest('hex');

export const hashPassword = (password: string) => hash(password, { algorithm: ARGON2ID });
export const verifyPassword = (stored: string, password: string) => verify(stored, password).catch(() => false);

/** Spent on unknown emails too, so a login's timing does not tell which accounts exist. */
let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hashPassword(newSecret()));
