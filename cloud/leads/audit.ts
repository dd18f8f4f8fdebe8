import { randomUUID } from 'node:crypto';
import type { LeadsDb } from './schema.ts';

export interface Reader {
  id: string;
  role: string;
}

/** Every read of personal data leaves one row: who, when, what for, which leads. */
export async function recordRead(
  db: LeadsDb,
  reader: Reader,
  action: string,
  leadIds: string[],
  at: number,
): Promise<void> {
  if (leadIds.length === 0) return;

  await db
    .insertInto('lead_audit')
    .values({
      id: randomUUID(),
      at,
      user_id: reader.id,
      role: reader.role,
      action,
      lead_ids: JSON.stringify(leadIds),
    })
    .execute();
}

export async function auditTrail(db: LeadsDb, options: { leadId?: string; limit?: number }) {
  let query = db.selectFrom('lead_audit').selectAll().orderBy('at', 'desc');
  if (options.leadId) query = query.where('lead_ids', 'like', `%"${options.leadId}"%`);
  const rows = await query.limit(options.limit ?? 500).execute();
  return rows.map((row) => ({
    at: row.at,
    userId: row.user_id,
    role: row.role,
    action: row.action,
    leadIds: JSON.parse(row.lead_ids) as string[],
  }));
}
