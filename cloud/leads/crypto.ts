import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';

const Key = z.string().refine((text) => Buffer.from(text, 'base64').length === 32, {
  message: 'must be 32 bytes in base64',
});

/**
 * The keys that seal personal fields. `current` seals new values; every other key still
 * opens what it sealed, so a rotation never strands an old row. `lookup` keys the phone
 * number's HMAC (returning visitors, erasure) and is not rotated with the others.
 */
export const KeyringConfig = z.strictObject({
  current: z.string().regex(/^[a-z0-9-]{1,16}$/),
  keys: z.record(z.string(), Key),
  lookup: Key,
});
export type KeyringConfig = z.output<typeof KeyringConfig>;

export interface Keyring {
  currentId: string;
  seal(plain: string): string;
  open(sealed: string): string;
  keyOf(sealed: string): string;
  lookup(value: string): string;
}

/** From `SB_LEADS_KEYRING` (the JSON itself) or the file `SB_LEADS_KEYRING_FILE` names. */
export function keyringFromEnvironment(environment = process.env): Keyring {
  const inline = environment.SB_LEADS_KEYRING;
  const file = environment.SB_LEADS_KEYRING_FILE;
  if (!inline && !file) {
    throw new SmartBranchError('SB_ERR_INVALID_CONFIG', 'SB_LEADS_KEYRING(_FILE) not set');
  }

  return createKeyring(JSON.parse(inline ?? readFileSync(file ?? '', 'utf8')));
}

export function createKeyring(config: unknown): Keyring {
  const parsed = KeyringConfig.safeParse(config);
  if (!parsed.success) {
    throw new SmartBranchError('SB_ERR_INVALID_CONFIG', 'leads keyring: keys must be 32 bytes');
  }

  const keys = new Map(
    Object.entries(parsed.data.keys).map(([id, key]) => [id, Buffer.from(key, 'base64')]),
  );
  const current = keys.get(parsed.data.current);
  if (!current) throw new SmartBranchError('SB_ERR_INVALID_CONFIG', 'leads keyring: no current');

  const lookupKey = Buffer.from(parsed.data.lookup, 'base64');
  return {
    currentId: parsed.data.current,
    seal: (plain) => seal(parsed.data.current, current, plain),
    open: (sealed) => open(keys, sealed),
    keyOf: (sealed) => sealed.split(':')[1] ?? '',
    lookup: (value) => createHmac('sha256', lookupKey).update(value).digest('base64url'),
  };
}

/** `v1:<key id>:<iv>:<tag>:<ciphertext>`, base64url; the key id is bound as associated data. */
function seal(keyId: string, key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(keyId));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url'));
  return ['v1', keyId, ...parts].join(':');
}

function open(keys: Map<string, Buffer>, sealed: string): string {
  const [version, keyId = '', iv = '', tag = '', body = ''] = sealed.split(':');
  const key = keys.get(keyId);
  if (version !== 'v1' || !key) {
    throw new SmartBranchError('SB_ERR_UNAVAILABLE', `leads keyring has no key ${keyId}`);
  }

  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(keyId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  return plain.toString('utf8');
}

/** A fresh keyring config, for set-up and tests. */
export function newKeyringConfig(id = 'k1'): KeyringConfig {
  const key = () => randomBytes(32).toString('base64');
  return { current: id, keys: { [id]: key() }, lookup: key() };
}
