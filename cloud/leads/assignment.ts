import type { LeadsDb, StaffInput } from './schema.ts';

export async function upsertStaff(db: LeadsDb, staff: StaffInput): Promise<void> {
  const values = {
    branch: staff.branch,
    display_name: staff.displayName,
    skills: JSON.stringify(staff.skills),
    on_duty: staff.onDuty ? 1 : 0,
  };
  await db
    .insertInto('lead_staff')
    .values({ user_id: staff.userId, last_assigned_at: 0, ...values })
    .onConflict((conflict) => conflict.column('user_id').doUpdateSet(values))
    .execute();
}

export async function staffOf(db: LeadsDb, userId: string) {
  const row = await db
    .selectFrom('lead_staff')
    .selectAll()
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return null;

  return {
    userId: row.user_id,
    branch: row.branch,
    displayName: row.display_name,
    skills: JSON.parse(row.skills) as string[],
    onDuty: row.on_duty === 1,
  };
}

/**
 * The relationship manager on duty at the branch with the product's skill who has waited
 * longest for a lead (round-robin), or null for the branch's pool. The pick and its stamp
 * run in one transaction so two captures never land on the same turn.
 */
export async function pickAssignee(
  db: LeadsDb,
  branch: string,
  product: string,
  now: number,
): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const candidates = await trx
      .selectFrom('lead_staff')
      .innerJoin('users', 'users.id', 'lead_staff.user_id')
      .select(['lead_staff.user_id', 'lead_staff.skills', 'lead_staff.last_assigned_at'])
      .where('lead_staff.branch', '=', branch)
      .where('lead_staff.on_duty', '=', 1)
      .where('users.role', '=', 'relationship-manager')
      .orderBy('lead_staff.last_assigned_at')
      .orderBy('lead_staff.user_id')
      .execute();
    const chosen = candidates.find((row) => (JSON.parse(row.skills) as string[]).includes(product));
    if (!chosen) return null;

    await trx
      .updateTable('lead_staff')
      .set({ last_assigned_at: Math.max(now, chosen.last_assigned_at + 1) })
      .where('user_id', '=', chosen.user_id)
      .execute();
    return chosen.user_id;
  });
}

/** The branch managers a lead escalates to. */
export async function branchManagers(db: LeadsDb, branch: string): Promise<string[]> {
  const rows = await db
    .selectFrom('lead_staff')
    .innerJoin('users', 'users.id', 'lead_staff.user_id')
    .select('lead_staff.user_id')
    .where('lead_staff.branch', '=', branch)
    .where('users.role', '=', 'branch-manager')
    .execute();
  return rows.map((row) => row.user_id);
}
