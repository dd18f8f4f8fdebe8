import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { verifyPassword } from '../../core/index.ts';
import type { Database } from '../store/index.ts';

/** Who a broker client is, once its credentials checked out. */
export interface GatewayIdentity {
  gateway: string;
  branch: string;
}

/**
 * Credentials that passed scrypt once, by gateway: the stored hash they passed against and
 * the SHA-256 of the password. Every connect costs one scrypt otherwise, and when a thousand
 * gateways connect at once (a cloud restart, a fleet coming up) the attempts that time out
 * waiting in that queue come back and queue again, so the broker never catches up.
 */
export type VerifiedCredentials = Map<string, { stored: string; digest: Buffer }>;

/**
 * Checks a gateway's broker login against the store. With `verified`, a password that
 * already passed against the same stored hash is accepted without scrypt; a new enrolment
 * stores a new hash, so an old password is checked (and refused) in full.
 */
export async function authenticateGateway(
  db: Kysely<Database>,
  username: string,
  password: string,
  verified?: VerifiedCredentials,
): Promise<GatewayIdentity | null> {
  const row = await db
    .selectFrom('gateways')
    .select(['id', 'branch', 'password_hash'])
    .where('id', '=', username)
    .executeTakeFirst();
  if (!row) return null;

  const identity = { gateway: row.id, branch: row.branch };
  const digest = createHash('sha256').update(password).digest();
  const known = verified?.get(row.id);
  if (known?.stored === row.password_hash && timingSafeEqual(known.digest, digest)) {
    return identity;
  }

  const ok = await verifyPassword(password, row.password_hash);
  if (ok) verified?.set(row.id, { stored: row.password_hash, digest });
  return ok ? identity : null;
}

export async function listGateways(db: Kysely<Database>): Promise<GatewayIdentity[]> {
  const rows = await db.selectFrom('gateways').select(['id', 'branch']).orderBy('id').execute();
  return rows.map((row) => ({ gateway: row.id, branch: row.branch }));
}
