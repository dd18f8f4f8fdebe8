import type { Kysely } from 'kysely';
import { hashSecret, isSecretHash, verifyPassword, verifySecret } from '../../core/index.ts';
import type { Database } from '../store/index.ts';

/** Who a broker client is, once its credentials checked out. */
export interface GatewayIdentity {
  gateway: string;
  branch: string;
}

/**
 * Checks a gateway's broker login against the store. Enrolment stores a fast salted hash of
 * the generated password; a gateway enrolled before that still holds an scrypt hash, which is
 * checked in full once and then replaced by the fast one. `gaveUp` says whether the client
 * has left (its CONNACK timed out): an scrypt check that waited its turn is then skipped.
 */
export async function authenticateGateway(
  db: Kysely<Database>,
  username: string,
  password: string,
  gaveUp: () => boolean = () => false,
): Promise<GatewayIdentity | null> {
  const row = await db
    .selectFrom('gateways')
    .select(['id', 'branch', 'password_hash'])
    .where('id', '=', username)
    .executeTakeFirst();
  if (!row) return null;

  const identity = { gateway: row.id, branch: row.branch };
  if (isSecretHash(row.password_hash)) {
    return verifySecret(password, row.password_hash) ? identity : null;
  }

  const ok = await legacyChecks.run(() =>
    gaveUp() ? Promise.resolve(false) : verifyPassword(password, row.password_hash),
  );
  if (!ok) return null;

  await upgradeHash(db, row.id, row.password_hash, hashSecret(password));
  return identity;
}

/**
 * Replaces a gateway's scrypt hash by the fast one after its password passed, unless a new
 * enrolment wrote another hash meanwhile: that one, and its new password, stay.
 */
async function upgradeHash(db: Kysely<Database>, gateway: string, old: string, fresh: string) {
  await db
    .updateTable('gateways')
    .set({ password_hash: fresh })
    .where('id', '=', gateway)
    .where('password_hash', '=', old)
    .execute();
}

/**
 * Runs at most `width` tasks at once, the rest in arrival order. Node runs scrypt on its
 * thread pool, whose queue cannot be read or pruned: waiting here instead lets a check
 * whose client left before its turn be dropped.
 */
function taskQueue(width: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running < width) running += 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));

      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}

// One per process, like the thread pool it spares; two keeps a 2-core cloud answering.
const legacyChecks = taskQueue(2);

export async function listGateways(db: Kysely<Database>): Promise<GatewayIdentity[]> {
  const rows = await db.selectFrom('gateways').select(['id', 'branch']).orderBy('id').execute();
  return rows.map((row) => ({ gateway: row.id, branch: row.branch }));
}
