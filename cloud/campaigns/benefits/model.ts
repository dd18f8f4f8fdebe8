import { z } from 'zod';
import { CouponCode, Id, RedemptionId, SponsorKind } from '../../../protocol/index.ts';

const Text = (max: number) => z.string().min(1).max(max);
const Timestamp = z.number().int().nonnegative();
const Share = z.number().min(0).max(1);

export const SponsorInput = z.strictObject({ id: Id, name: Text(200), kind: SponsorKind });
export type SponsorInput = z.output<typeof SponsorInput>;

/** Who pays what share of a redeemed benefit's value; the shares add up to 1. */
export const CostShare = z
  .strictObject({ bank: Share.default(0), merchant: Share.default(0), platform: Share.default(0) })
  .refine(
    (share) => Math.abs(share.bank + share.merchant + share.platform - 1) < 1e-9,
    'shares must add up to 1',
  );

export const BenefitInput = z
  .strictObject({
    id: Id,
    name: Text(200),
    kind: z.enum(['coupon', 'voucher']),
    sponsor: Id,
    /** Face value in the smallest currency unit. Absent: a benefit without a money value. */
    valueMinor: z.number().int().nonnegative().optional(),
    costShare: CostShare,
    stock: z.strictObject({
      total: z.number().int().min(0).max(10_000_000),
      /** Reserved for each branch, for redemption with the cloud gone; the rest is shared. */
      perBranch: z.record(Id, z.number().int().min(0)).default({}),
    }),
    /** Coupons one customer may be issued. Default 1. */
    perCustomerLimit: z.number().int().min(1).max(1000).default(1),
    validFrom: Timestamp.optional(),
    validTo: Timestamp.optional(),
    /** Sponsors whose benefits this one combines with on one purchase; empty: exclusive. */
    stacksWith: z.array(SponsorKind).max(3).default([]),
  })
  .refine(
    (benefit) =>
      Object.values(benefit.stock.perBranch).reduce((sum, n) => sum + n, 0) <= benefit.stock.total,
    { message: 'per-branch stock exceeds the total', path: ['stock', 'perBranch'] },
  )
  .refine(
    (benefit) =>
      benefit.validFrom === undefined ||
      benefit.validTo === undefined ||
      benefit.validFrom < benefit.validTo,
    { message: 'must be after validFrom', path: ['validTo'] },
  );
export type BenefitInput = z.output<typeof BenefitInput>;

/** What the benefits row keeps as JSON; stock lives in its own columns. */
export type BenefitBody = Omit<BenefitInput, 'id' | 'sponsor' | 'stock'>;

export const IssueRequest = z.strictObject({
  /** Opaque customer references from the bank's app (hashed before storing), or a count. */
  customers: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional(),
  count: z.number().int().min(1).max(10_000).optional(),
  campaign: Id.optional(),
});

export const RedeemInput = z.strictObject({
  /** One purchase: the codes a customer hands over together; stacking rules apply. */
  codes: z.array(CouponCode).min(1).max(5),
  redemptionId: RedemptionId,
  /** The branch it is redeemed at, for a branch's own staff using the API. */
  branch: Id.optional(),
});
export type RedeemInput = z.output<typeof RedeemInput>;

export const SettlementQuery = z.strictObject({
  sponsor: Id.optional(),
  from: z.coerce.number().int().nonnegative(),
  to: z.coerce.number().int().positive(),
});
