import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Kysely } from 'kysely';
import type { ModuleContext } from '../../core/index.ts';
import type { Database } from '../store/index.ts';

/** The Ed25519 key that signs campaign manifests; gateways get the public half at enrolment. */
export interface SigningKey {
  keyId: string;
  /** SPKI PEM, as handed to gateways in `manifestPublicKey`. */
  publicKeyPem: string;
  sign(payload: Buffer): string;
}

function fromPrivatePem(privatePem: string): SigningKey {
  const privateKey: KeyObject = createPrivateKey(privatePem);
  const publicKeyPem = createPublicKey(privateKey)
    .export({ type: 'spki', format: 'pem' })
    .toString();
  const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return {
    keyId: createHash('sha256').update(der).digest('hex').slice(0, 16),
    publicKeyPem,
    sign: (payload) => sign(null, payload, privateKey).toString('base64'),
  };
}

function generatePrivatePem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * Loads the signing key: from `keyFile` (written, owner-only, when absent), else from the
 * store, so every replica and every restart signs with the same key.
 */
export async function loadSigningKey(
  db: Kysely<Database>,
  keyFile: string | undefined,
  context: ModuleContext,
): Promise<SigningKey> {
  const log = context.log.child({ module: 'signing' });
  if (keyFile) {
    if (!existsSync(keyFile)) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, generatePrivatePem(), { mode: 0o600 });
      log.info({ keyFile }, 'manifest signing key generated');
    }
    return fromPrivatePem(readFileSync(keyFile, 'utf8'));
  }

  const stored = await db
    .selectFrom('signing_keys')
    .selectAll()
    .orderBy('created_at')
    .orderBy('key_id')
    .executeTakeFirst();
  if (stored) return fromPrivatePem(stored.private_pem);

  const privatePem = generatePrivatePem();
  const generated = fromPrivatePem(privatePem);
  await db
    .insertInto('signing_keys')
    .values({
      key_id: generated.keyId,
      private_pem: privatePem,
      public_pem: generated.publicKeyPem,
      created_at: context.clock.now(),
    })
    .onConflict((conflict) => conflict.column('key_id').doNothing())
    .execute();
  log.info({ keyId: generated.keyId }, 'manifest signing key generated');

  // Two replicas starting at once may both generate one: the oldest stored wins for both.
  const first = await db
    .selectFrom('signing_keys')
    .selectAll()
    .orderBy('created_at')
    .orderBy('key_id')
    .executeTakeFirstOrThrow();
  return fromPrivatePem(first.private_pem);
}
