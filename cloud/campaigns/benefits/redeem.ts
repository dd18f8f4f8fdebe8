import { SmartBranchError } from '../../../core/index.ts';
import type { ControlDb, ControlTrx } from '../schema.ts';
import type { BenefitBody } from './model.ts';

export type Channel = 'branch' | 'branch-offline' | 'merchant' | 'api';

export interface Redemption {
  redemptionId: string;
  codes: string[];
  channel: Channel;
  branch?: string | undefined;
  /** A merchant may redeem only the coupons of its own sponsor. */
  sponsor?: string | undefined;
  at: number;
}

export interface Redeemed {
  redemptionId: string;
  benefits: string[];
  /** True when this redemption id had been taken before: nothing happened again. */
  repeated: boolean;
}

interface CouponRow {
  code: string;
  benefit: string;
  redemption_id: string | null;
  sponsor: string;
  kind: string;
  body: string;
}

export const rowId = (redemptionId: string, code: string) => `${redemptionId}:${code}`;

/**
 * Redeems the coupons of one purchase, all or none, in one transaction: each coupon once,
 * within its validity, combinable with the others, and taking one unit of stock from the
 * branch's allotment or else the shared stock by a conditional decrement, so concurrent
 * redemptions never take the stock below zero. A resent redemption id changes nothing.
 */
export async function redeem(db: ControlDb, request: Redemption, now: number): Promise<Redeemed> {
  return db.transaction().execute(async (trx) => {
    const coupons = await loadCoupons(trx, request.codes);
    const repeated = coupons.every((coupon) => coupon.redemption_id === request.redemptionId);
    if (repeated) return done(request, coupons, true);

    checkCoupons(coupons, request);
    // One lock order for every purchase, so two redemptions of the same pair never deadlock.
    const ordered = [...coupons].sort((a, b) => (a.code < b.code ? -1 : 1));
    for (const coupon of ordered) {
      await takeStock(trx, coupon.benefit, request.branch);
      await markRedeemed(trx, coupon.code, request.redemptionId, request.at);
      await trx
        .insertInto('redemptions')
        .values({
          redemption_id: rowId(request.redemptionId, coupon.code),
          code: coupon.code,
          benefit: coupon.benefit,
          channel: request.channel,
          branch: request.branch ?? null,
          merchant: request.sponsor ?? null,
          outcome: 'accepted',
          reason: null,
          review: 0,
          at: request.at,
          received_at: now,
        })
        .execute();
    }
    return done(request, coupons, false);
  });
}

function done(request: Redemption, coupons: CouponRow[], repeated: boolean): Redeemed {
  return {
    redemptionId: request.redemptionId,
    benefits: coupons.map((c) => c.benefit),
    repeated,
  };
}

async function loadCoupons(db: ControlTrx, codes: readonly string[]): Promise<CouponRow[]> {
  const rows = await db
    .selectFrom('coupons')
    .innerJoin('benefits', 'benefits.id', 'coupons.benefit')
    .innerJoin('sponsors', 'sponsors.id', 'benefits.sponsor')
    .select([
      'coupons.code',
      'coupons.benefit',
      'coupons.redemption_id',
      'benefits.sponsor',
      'sponsors.kind',
      'benefits.body',
    ])
    .where('coupons.code', 'in', [...codes])
    .execute();
  return codes.map((code, index) => {
    const row = rows.find((candidate) => candidate.code === code);
    if (!row) throw new SmartBranchError('SB_ERR_NOT_FOUND', `coupon ${code}`, `codes.${index}`);

    return row;
  });
}

function checkCoupons(coupons: CouponRow[], request: Redemption) {
  for (const [index, coupon] of coupons.entries()) {
    const path = `codes.${index}`;
    if (coupon.redemption_id !== null)
      throw new SmartBranchError('SB_ERR_ALREADY_REDEEMED', coupon.code, path);
    if (request.sponsor && coupon.sponsor !== request.sponsor)
      throw new SmartBranchError('SB_ERR_FORBIDDEN', 'another sponsor', path);

    const body = JSON.parse(coupon.body) as BenefitBody;
    const early = body.validFrom !== undefined && request.at < body.validFrom;
    const late = body.validTo !== undefined && request.at > body.validTo;
    if (early || late) throw new SmartBranchError('SB_ERR_NOT_VALID_NOW', coupon.benefit, path);
  }

  checkStacking(coupons);
}

/**
 * Benefits combine on one purchase only when each one's rules accept the other's sponsor,
 * and never two of the same benefit.
 */
function checkStacking(coupons: CouponRow[]) {
  for (const [i, a] of coupons.entries()) {
    for (const b of coupons.slice(i + 1)) {
      const aRules = (JSON.parse(a.body) as BenefitBody).stacksWith;
      const bRules = (JSON.parse(b.body) as BenefitBody).stacksWith;
      const allowed =
        a.benefit !== b.benefit &&
        aRules.includes(b.kind as never) &&
        bRules.includes(a.kind as never);
      if (!allowed) {
        throw new SmartBranchError('SB_ERR_NOT_COMBINABLE', `${a.benefit} with ${b.benefit}`);
      }
    }
  }
}

/** One unit from the branch's allotment while it lasts, else from the shared stock. */
async function takeStock(db: ControlTrx, benefit: string, branch: string | undefined) {
  if (branch) {
    const fromAllotment = await db
      .updateTable('benefit_allotments')
      .set((eb) => ({ used: eb('used', '+', 1) }))
      .where('benefit', '=', benefit)
      .where('branch', '=', branch)
      .whereRef('used', '<', 'allotted')
      .executeTakeFirst();
    if (Number(fromAllotment.numUpdatedRows) === 1) return;
  }

  const shared = await db
    .updateTable('benefits')
    .set((eb) => ({ stock_free: eb('stock_free', '-', 1) }))
    .where('id', '=', benefit)
    .where('stock_free', '>', 0)
    .executeTakeFirst();
  if (Number(shared.numUpdatedRows) !== 1) {
    throw new SmartBranchError('SB_ERR_OUT_OF_STOCK', benefit);
  }
}

async function markRedeemed(db: ControlTrx, code: string, redemptionId: string, at: number) {
  const result = await db
    .updateTable('coupons')
    .set({ redeemed_at: at, redemption_id: redemptionId })
    .where('code', '=', code)
    .where('redemption_id', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new SmartBranchError('SB_ERR_ALREADY_REDEEMED', code);
  }
}
