import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keyLength: number,
) => Promise<Buffer>;

const keyLength = 32;
const prefix = 'scrypt';

/** A password as stored: `scrypt$<salt base64>$<key base64>`, never the password itself. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, keyLength);
  return `${prefix}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Whether a value is a stored hash `hashPassword` made, not a placeholder or a password. */
export function isPasswordHash(value: string): boolean {
  const [name, salt = '', key = '', ...rest] = value.split('$');
  return (
    name === prefix &&
    rest.length === 0 &&
    base64.test(salt) &&
    base64.test(key) &&
    Buffer.from(key, 'base64').length === keyLength
  );
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!isPasswordHash(stored)) return false;

  const [, saltText = '', keyText = ''] = stored.split('$');
  const expected = Buffer.from(keyText, 'base64');
  if (expected.length !== keyLength) return false;

  const actual = await scryptAsync(password, Buffer.from(saltText, 'base64'), keyLength);
  return timingSafeEqual(actual, expected);
}

/** A random secret for tokens and generated credentials, URL-safe. */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

const secretPrefix = 'sha256';

/**
 * A generated secret as stored: `sha256$<salt base64>$<HMAC-SHA256 keyed by the salt>`. Only
 * for secrets `randomSecret` made (24 random bytes or more): no hash speed makes guessing 2^192
 * values feasible, so scrypt would protect nothing and cost ~50 ms of CPU at every check,
 * which is what a thousand gateways reconnecting at once cannot afford. People's passwords
 * stay on `hashPassword`.
 */
export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const digest = secretDigest(secret, salt);
  return `${secretPrefix}$${salt.toString('base64')}$${digest.toString('base64')}`;
}

function secretDigest(secret: string, salt: Buffer): Buffer {
  return createHmac('sha256', salt).update(secret).digest();
}

/** Whether a value is a stored hash `hashSecret` made. */
export function isSecretHash(value: string): boolean {
  const [name, salt = '', digest = '', ...rest] = value.split('$');
  return (
    name === secretPrefix &&
    rest.length === 0 &&
    base64.test(salt) &&
    base64.test(digest) &&
    Buffer.from(digest, 'base64').length === keyLength
  );
}

/** Checks a secret against `hashSecret`'s form in constant time; anything else never matches. */
export function verifySecret(secret: string, stored: string): boolean {
  if (!isSecretHash(stored)) return false;

  const [, saltText = '', digestText = ''] = stored.split('$');
  const actual = secretDigest(secret, Buffer.from(saltText, 'base64'));
  return timingSafeEqual(actual, Buffer.from(digestText, 'base64'));
}
