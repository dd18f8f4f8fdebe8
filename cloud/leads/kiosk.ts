import type { Logger } from '../../core/index.ts';
import type { LeadCapture, LeadsDb } from './schema.ts';
import { openLead, type SealKeys } from './sealed.ts';

const sourceOf = (gateway: string, seq: number) => `${gateway}:leads:${seq}`;

/**
 * Opens the sealed leads (kiosk or technician desk) the puller has stored and captures each
 * once: the uplink record's gateway and sequence are the lead's source, unique in the table,
 * so neither a resent record nor a second run adds a lead. A record that does not open, or names another
 * branch than its gateway's, is logged once and left alone.
 */
export async function importSealedLeads(
  db: LeadsDb,
  keys: SealKeys,
  capture: (input: LeadCapture) => Promise<{ id: string; duplicate: boolean }>,
  log: Logger,
  refused: Set<string> = refusedRecords,
): Promise<number> {
  const records = await db
    .selectFrom('records')
    .innerJoin('gateways', 'gateways.id', 'records.gateway')
    .select(['records.gateway', 'records.seq', 'records.data', 'gateways.branch'])
    .where('records.kind', '=', 'lead.sealed')
    .orderBy('records.seq')
    .execute();
  const taken = new Set(
    (
      await db
        .selectFrom('leads')
        .select('source_record')
        .where('source', 'in', ['kiosk', 'technician'])
        .execute()
    ).map((row) => row.source_record),
  );

  let imported = 0;
  for (const record of records) {
    const source = sourceOf(record.gateway, record.seq);
    if (taken.has(source) || refused.has(source)) continue;

    try {
      const lead = openLead((JSON.parse(record.data) as { sealed: string }).sealed, keys);
      if (lead.branch !== record.branch) throw new Error('lead names another branch');

      const result = await capture({ ...lead, sourceRecord: source });
      if (!result.duplicate) imported += 1;
    } catch (err) {
      refused.add(source);
      log.warn(
        { gateway: record.gateway, seq: record.seq, err: (err as Error).message },
        'kiosk lead refused',
      );
    }
  }

  return imported;
}

const refusedRecords = new Set<string>();
