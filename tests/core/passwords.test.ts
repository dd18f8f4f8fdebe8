import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  hashSecret,
  isSecretHash,
  randomSecret,
  verifyPassword,
  verifySecret,
} from '../../core/index.ts';

describe('stored secrets', () => {
  it('checks a generated secret against its salted hash and refuses any other', () => {
    const secret = randomSecret();
    const stored = hashSecret(secret);

    expect(stored).toMatch(/^sha256\$/);
    expect(stored).not.toContain(secret);
    expect(hashSecret(secret)).not.toBe(stored);
    expect(verifySecret(secret, stored)).toBe(true);
    expect(verifySecret(`${secret}x`, stored)).toBe(false);
  });

  it('never matches a malformed hash or a hash of the other kind', async () => {
    const secret = randomSecret();
    const scrypt = await hashPassword(secret);

    expect(isSecretHash(scrypt)).toBe(false);
    expect(verifySecret(secret, scrypt)).toBe(false);
    expect(await verifyPassword(secret, hashSecret(secret))).toBe(false);
    expect(verifySecret(secret, 'sha256$x$y')).toBe(false);
    expect(verifySecret(secret, `${hashSecret(secret)}$more`)).toBe(false);
  });
});
