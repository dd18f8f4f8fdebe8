import type { Kysely } from 'kysely';
import { z } from 'zod';
import { UplinkRecord } from '../../protocol/index.ts';
import type { Database } from '../store/index.ts';
import { deriveFacts, type Fact } from './derive.ts';
import { gatewayBranch } from './ingest.ts';
import { addFacts } from './rollup.ts';
import { type InsightsDb, insightsDb } from './schema.ts';

const recordsPerRound = 2000;

/** A fact from the bank's own systems (a card approved, an account opened), once by its id. */
export const ExternalFact = z.strictObject({
  id: z.string().min(1).max(200),
  branch: z.string().min(1).max(200),
  at: z.number().int().nonnegative(),
  metric: z.string().min(1).max(100),
  dimension: z.string().max(200).default(''),
  value: z.number().finite().default(1),
});
export type ExternalFact = z.output<typeof ExternalFact>;

async function timeZoneOf(db: InsightsDb, branch: string) {
  const row = await db
    .selectFrom('branches')
    .select('time_zone')
    .where('id', '=', branch)
    .executeTakeFirst();
  return row?.time_zone ?? null;
}

/**
 * Adds facts from outside the records (conversions from the bank's systems) to the rollups,
 * each at most once per source and id, so an import sent twice counts once.
 * Returns how many were new.
 */
export async function recordExternalFacts(
  store: Kysely<Database>,
  source: string,
  facts: readonly ExternalFact[],
  now: number,
): Promise<number> {
  return insightsDb(store)
    .transaction()
    .execute(async (trx) => {
      let added = 0;
      for (const fact of facts) {
        const timeZone = await timeZoneOf(trx, fact.branch);
        if (!timeZone) continue;

        const inserted = await trx
          .insertInto('insights_external')
          .values({ source, ...fact })
          .onConflict((conflict) => conflict.columns(['source', 'id']).doNothing())
          .returning('id')
          .execute();
        if (inserted.length === 0) continue;

        await addFacts(trx, { id: fact.branch, timeZone }, [fact], 0, now);
        added += 1;
      }
      return added;
    });
}

async function rebuildStream(
  db: InsightsDb,
  gateway: string,
  stream: string,
  branch: { id: string; timeZone: string },
  now: number,
) {
  let count = 0;
  for (let after = -1; ; ) {
    const rows = await db
      .selectFrom('records')
      .select(['seq', 'kind', 'at', 'data'])
      .where('gateway', '=', gateway)
      .where('stream', '=', stream)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(recordsPerRound)
      .execute();
    if (rows.length === 0) return count;

    const records = rows.flatMap((row) => {
      const parsed = UplinkRecord.safeParse({ ...row, data: JSON.parse(row.data) });
      return parsed.success ? [parsed.data] : [];
    });
    await addFacts(db, branch, deriveFacts(records), records.length, now);
    count += records.length;
    after = rows.at(-1)?.seq ?? after;
  }
}

async function rebuildGateway(db: InsightsDb, gateway: string, now: number) {
  const branch = await gatewayBranch(db, gateway);
  if (!branch) return 0;

  const streams = await db
    .selectFrom('records')
    .select('stream')
    .distinct()
    .where('gateway', '=', gateway)
    .execute();
  let count = 0;
  for (const { stream } of streams) count += await rebuildStream(db, gateway, stream, branch, now);
  return count;
}

/**
 * Derives the rollups again from every stored record and external fact: after a new kind
 * got its deriver, or to check the live path. Runs in one transaction per call.
 */
export async function rebuildInsights(store: Kysely<Database>, now: number): Promise<number> {
  return insightsDb(store)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('insights_hourly').execute();
      await trx.deleteFrom('insights_daily').execute();
      await trx.deleteFrom('insights_progress').execute();
      const gateways = await trx.selectFrom('gateways').select('id').execute();
      let count = 0;
      for (const { id } of gateways) count += await rebuildGateway(trx, id, now);

      const external = await trx.selectFrom('insights_external').selectAll().execute();
      for (const fact of external) {
        const timeZone = await timeZoneOf(trx, fact.branch);
        if (timeZone) await addFacts(trx, { id: fact.branch, timeZone }, [fact as Fact], 0, now);
      }
      return count;
    });
}
