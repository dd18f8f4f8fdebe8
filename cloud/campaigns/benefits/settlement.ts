import type { ControlDb } from '../schema.ts';
import type { BenefitBody } from './model.ts';

export interface SettlementLine {
  benefit: string;
  sponsor: string;
  issued: number;
  redeemed: number;
  valueMinor: number;
  /** Redeemed value each party owes under the cost share, in minor units. */
  owed: { bank: number; merchant: number; platform: number };
}

/**
 * Per benefit of a sponsor (or all): coupons issued and redeemed in [from, to) and what each
 * party owes for the redeemed ones under the benefit's cost share.
 */
export async function settlement(
  db: ControlDb,
  period: { from: number; to: number; sponsor?: string | undefined },
) {
  let benefits = db.selectFrom('benefits').select(['id', 'sponsor', 'body']).orderBy('id');
  if (period.sponsor) benefits = benefits.where('sponsor', '=', period.sponsor);
  const rows = await benefits.execute();

  const lines: SettlementLine[] = [];
  for (const row of rows) {
    const body = JSON.parse(row.body) as BenefitBody;
    const issued = await countIssued(db, row.id, period);
    const redeemed = await countRedeemed(db, row.id, period);
    const valueMinor = (body.valueMinor ?? 0) * redeemed;
    lines.push({
      benefit: row.id,
      sponsor: row.sponsor,
      issued,
      redeemed,
      valueMinor,
      owed: {
        bank: Math.round(valueMinor * body.costShare.bank),
        merchant: Math.round(valueMinor * body.costShare.merchant),
        platform: Math.round(valueMinor * body.costShare.platform),
      },
    });
  }
  const totals = lines.reduce(
    (sum, line) => ({
      issued: sum.issued + line.issued,
      redeemed: sum.redeemed + line.redeemed,
      valueMinor: sum.valueMinor + line.valueMinor,
      bank: sum.bank + line.owed.bank,
      merchant: sum.merchant + line.owed.merchant,
      platform: sum.platform + line.owed.platform,
    }),
    { issued: 0, redeemed: 0, valueMinor: 0, bank: 0, merchant: 0, platform: 0 },
  );
  return { from: period.from, to: period.to, sponsor: period.sponsor ?? null, lines, totals };
}

async function countIssued(db: ControlDb, benefit: string, period: { from: number; to: number }) {
  const row = await db
    .selectFrom('coupons')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('benefit', '=', benefit)
    .where('issued_at', '>=', period.from)
    .where('issued_at', '<', period.to)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

async function countRedeemed(db: ControlDb, benefit: string, period: { from: number; to: number }) {
  const row = await db
    .selectFrom('redemptions')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('benefit', '=', benefit)
    .where('outcome', '=', 'accepted')
    .where('at', '>=', period.from)
    .where('at', '<', period.to)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
