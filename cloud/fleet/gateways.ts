import type { Kysely } from 'kysely';
import { verifyPassword } from '../../core/index.ts';
import type { Database } from '../store/index.ts';

/** Who a broker client is, once its credentials checked out. */
export interface GatewayIdentity {
  gateway: string;
  branch: string;
}

export async function authenticateGateway(
  db: Kysely<Database>,
  username: string,
  password: string,
): Promise<GatewayIdentity | null> {
  const row = await db
    .selectFrom('gateways')
    .select(['id', 'branch', 'password_hash'])
    .where('id', '=', username)
    .executeTakeFirst();
  if (!row) return null;

  const ok = await verifyPassword(password, row.password_hash);
  return ok ? { gateway: row.id, branch: row.branch } : null;
}

export async function listGateways(db: Kysely<Database>): Promise<GatewayIdentity[]> {
  const rows = await db.selectFrom('gateways').select(['id', 'branch']).orderBy('id').execute();
  return rows.map((row) => ({ gateway: row.id, branch: row.branch }));
}
