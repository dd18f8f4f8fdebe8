import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashSecret, randomSecret, SmartBranchError } from '../../core/index.ts';
import type { Database } from '../store/index.ts';

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A one-time token for one branch; only its hash is stored. */
export async function createEnrolmentToken(
  db: Kysely<Database>,
  branch: string,
  ttlMs: number,
  now: number,
): Promise<{ token: string; expiresAt: number }> {
  const token = randomSecret(24);
  const expiresAt = now + ttlMs;
  await db
    .insertInto('enrolment_tokens')
    .values({ token_hash: tokenHash(token), branch, created_at: now, expires_at: expiresAt })
    .execute();
  return { token, expiresAt };
}

export interface Enrolment {
  gateway: string;
  branch: string;
  /** The gateway's fresh broker password: handed out once, stored only as its hash. */
  password: string;
  rotated: boolean;
}

/**
 * Enrols a gateway with a one-time token, in three steps: check the token, make a fresh
 * random password and keep its salted hash (`hashSecret`: fast, since the password is 24
 * random bytes, so every broker connect can check it cheaply), then claim the token and
 * write the gateway in one transaction, so two racing requests cannot both use one token.
 */
export async function enrolGateway(
  db: Kysely<Database>,
  request: { token: string; gateway: string; version: string },
  now: number,
): Promise<Enrolment> {
  const hash = tokenHash(request.token);
  const branch = await checkToken(db, hash, request.gateway, now);
  const password = randomSecret(24);
  const passwordHash = hashSecret(password);
  const rotated = await db.transaction().execute(async (trx) => {
    await claimToken(trx, hash, request.gateway, now);
    return writeGateway(trx, { ...request, branch, passwordHash }, now);
  });
  return { gateway: request.gateway, branch, password, rotated };
}

async function checkToken(db: Kysely<Database>, hash: string, gateway: string, now: number) {
  const token = await db
    .selectFrom('enrolment_tokens')
    .selectAll()
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  if (!token) throw new SmartBranchError('SB_ERR_TOKEN_UNKNOWN', undefined, 'token');
  if (token.used_at !== null) throw new SmartBranchError('SB_ERR_TOKEN_USED', undefined, 'token');
  if (token.expires_at <= now)
    throw new SmartBranchError('SB_ERR_TOKEN_EXPIRED', undefined, 'token');

  const existing = await db
    .selectFrom('gateways')
    .select('branch')
    .where('id', '=', gateway)
    .executeTakeFirst();
  if (existing && existing.branch !== token.branch) {
    const detail = `gateway ${gateway} belongs to another branch`;
    throw new SmartBranchError('SB_ERR_CONFLICT', detail, 'gateway');
  }

  return token.branch;
}

async function claimToken(db: Kysely<Database>, hash: string, gateway: string, now: number) {
  const result = await db
    .updateTable('enrolment_tokens')
    .set({ used_at: now, used_by: gateway })
    .where('token_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new SmartBranchError('SB_ERR_TOKEN_USED', undefined, 'token');
  }
}

async function writeGateway(
  db: Kysely<Database>,
  gateway: { gateway: string; branch: string; version: string; passwordHash: string },
  now: number,
): Promise<boolean> {
  const existing = await db
    .selectFrom('gateways')
    .select('id')
    .where('id', '=', gateway.gateway)
    .executeTakeFirst();
  const row = { password_hash: gateway.passwordHash, version: gateway.version, rotated_at: now };
  if (existing) {
    await db.updateTable('gateways').set(row).where('id', '=', gateway.gateway).execute();
    return true;
  }

  await db
    .insertInto('gateways')
    .values({ id: gateway.gateway, branch: gateway.branch, enrolled_at: now, ...row })
    .execute();
  return false;
}
