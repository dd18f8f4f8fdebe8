import { isSmartBranchError } from '../../../core/index.ts';
import { CouponRedemption } from '../../../protocol/index.ts';
import type { ControlDb } from '../schema.ts';
import { redeem, rowId } from './redeem.ts';

export interface SyncFigures {
  applied: number;
  repeated: number;
  flagged: number;
}

/**
 * Applies the redemption records the puller stored, after this module's own cursor per
 * gateway. A code redeemed offline that the cloud already saw redeemed under another id, or
 * does not know, is kept as a conflict flagged for review; a resend changes nothing.
 */
export async function syncRedemptions(
  db: ControlDb,
  now: number,
  limit = 500,
): Promise<SyncFigures> {
  const figures: SyncFigures = { applied: 0, repeated: 0, flagged: 0 };
  for (const gateway of await gatewaysBehind(db)) {
    const cursor = await loadCursor(db, gateway.id);
    const records = await db
      .selectFrom('records')
      .select(['seq', 'data'])
      .where('gateway', '=', gateway.id)
      .where('stream', '=', 'redemptions')
      .where('seq', '>', cursor)
      .orderBy('seq')
      .limit(limit)
      .execute();
    for (const record of records) {
      await applyOne(db, gateway.branch, record.data, now, figures);
      await db
        .updateTable('redemption_sync')
        .set({ seq: record.seq })
        .where('gateway', '=', gateway.id)
        .execute();
    }
  }
  return figures;
}

/**
 * Gateways whose pulled redemptions go past this module's cursor, in one query: the puller's
 * cursor moves with the records it stores, so a gateway with nothing new costs nothing here
 * (a network of thousands of gateways was three queries each, every sync).
 */
function gatewaysBehind(db: ControlDb) {
  return db
    .selectFrom('cursors')
    .innerJoin('gateways', 'gateways.id', 'cursors.gateway')
    .leftJoin('redemption_sync', 'redemption_sync.gateway', 'cursors.gateway')
    .select(['gateways.id as id', 'gateways.branch as branch'])
    .where('cursors.stream', '=', 'redemptions')
    .where((eb) =>
      eb.or([
        eb('redemption_sync.seq', 'is', null),
        eb('cursors.seq', '>', eb.ref('redemption_sync.seq')),
      ]),
    )
    .orderBy('gateways.id')
    .execute();
}

async function loadCursor(db: ControlDb, gateway: string): Promise<number> {
  await db
    .insertInto('redemption_sync')
    .values({ gateway, seq: 0 })
    .onConflict((conflict) => conflict.column('gateway').doNothing())
    .execute();
  const row = await db
    .selectFrom('redemption_sync')
    .select('seq')
    .where('gateway', '=', gateway)
    .executeTakeFirstOrThrow();
  return row.seq;
}

async function applyOne(
  db: ControlDb,
  branch: string,
  data: string,
  now: number,
  figures: SyncFigures,
) {
  const parsed = CouponRedemption.safeParse(JSON.parse(data));
  if (!parsed.success) return;

  const record = parsed.data;
  try {
    const result = await redeem(
      db,
      {
        redemptionId: record.redemptionId,
        codes: [record.code],
        channel: 'branch-offline',
        branch,
        at: record.redeemedAt,
      },
      now,
    );
    if (result.repeated) figures.repeated += 1;
    else figures.applied += 1;
  } catch (err) {
    if (!isSmartBranchError(err)) throw err;

    const fresh = await flag(db, branch, record, err.code, now);
    if (fresh) figures.flagged += 1;
    else figures.repeated += 1;
  }
}

/** Keeps a conflicting offline redemption for review, once per redemption id and code. */
async function flag(
  db: ControlDb,
  branch: string,
  record: CouponRedemption,
  reason: string,
  now: number,
): Promise<boolean> {
  const result = await db
    .insertInto('redemptions')
    .values({
      redemption_id: rowId(record.redemptionId, record.code),
      code: record.code,
      benefit: record.benefit,
      channel: 'branch-offline',
      branch,
      merchant: null,
      outcome: 'conflict',
      reason,
      review: 1,
      at: record.redeemedAt,
      received_at: now,
    })
    .onConflict((conflict) => conflict.column('redemption_id').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Redemptions flagged for review: offline conflicts found at sync. */
export async function flaggedRedemptions(db: ControlDb) {
  return db.selectFrom('redemptions').selectAll().where('review', '=', 1).orderBy('at').execute();
}
