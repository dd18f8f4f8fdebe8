import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
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
