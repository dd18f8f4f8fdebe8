import type { Kysely } from 'kysely';
import type { BranchConfig } from '../config.ts';
import type { Database } from '../store/index.ts';

export interface Branch {
  id: string;
  name: string;
  timeZone: string;
  region: string | null;
  tags: string[];
}

/** Writes the config's branches into the store; branches made elsewhere are left as they are. */
export async function syncBranches(
  db: Kysely<Database>,
  branches: readonly BranchConfig[],
  now: number,
): Promise<void> {
  for (const branch of branches) {
    const row = {
      name: branch.name,
      time_zone: branch.timeZone,
      region: branch.region ?? null,
      tags: JSON.stringify(branch.tags),
    };
    await db
      .insertInto('branches')
      .values({ id: branch.id, ...row, created_at: now })
      .onConflict((conflict) => conflict.column('id').doUpdateSet(row))
      .execute();
  }
}

export async function listBranches(db: Kysely<Database>): Promise<Branch[]> {
  const rows = await db.selectFrom('branches').selectAll().orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    timeZone: row.time_zone,
    region: row.region,
    tags: JSON.parse(row.tags) as string[],
  }));
}

export async function branchExists(db: Kysely<Database>, id: string): Promise<boolean> {
  const row = await db.selectFrom('branches').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}
