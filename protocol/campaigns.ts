import { z } from 'zod';
import { Id } from './ids.ts';

/**
 * Marketing down and its answers up: rollout reports, remote commands and their
 * acknowledgements, module settings, benefit allotments and coupon redemptions. Shared by the
 * cloud's campaigns and fleet modules and the gateway's uplink.
 */
const Timestamp = z.number().int().nonnegative();
const Text = (max: number) => z.string().max(max);

/** A coupon code as printed and scanned: upper-case letters and digits, dashes allowed. */
export const CouponCode = z.string().regex(/^[A-Z0-9-]{6,40}$/, 'must be A-Z, 0-9 or -');

/** A redemption's idempotency key, made by the counter that redeems: a resend reuses it. */
export const RedemptionId = z.string().regex(/^[A-Za-z0-9._:-]{8,80}$/);

export const SponsorKind = z.enum(['bank', 'merchant', 'platform']);

/** What a benefit in a manifest shows on screens: never its stock or its code key. */
export const ManifestBenefit = z.strictObject({
  id: Id,
  name: Text(200),
  kind: z.enum(['coupon', 'voucher']),
  sponsor: SponsorKind,
  /** Face value in the smallest currency unit (fen, cent). Absent: not a money benefit. */
  valueMinor: z.number().int().nonnegative().optional(),
  validFrom: Timestamp.optional(),
  validTo: Timestamp.optional(),
});

/** How far a gateway got with one manifest version; the latest is retained per gateway. */
export const RolloutReport = z.strictObject({
  gateway: Id,
  version: z.number().int().positive(),
  state: z.enum(['downloading', 'applied', 'failed']),
  /** Why it failed: a bad signature, a missing asset, another branch's manifest... */
  reason: Text(300).optional(),
  at: Timestamp,
});

export const CommandAction = z.enum([
  'restart-module',
  'reload-config',
  'set-theme',
  'fetch-logs',
  'push-profile',
]);

/**
 * A remote command from HQ to one gateway; it answers on the command-ack channel. Signed like
 * a manifest with the cloud's Ed25519 key over every other field (`commandSigningBytes`), so
 * neither its branch, its gateway nor its sequence can be changed on the way.
 */
export const CommandRequest = z.strictObject({
  commandId: z.string().min(8).max(64),
  branch: Id,
  gateway: Id,
  /**
   * The cloud numbers each gateway's commands 1, 2, 3...; a gateway runs only a number above
   * the highest it has taken, so a recorded command played again is refused.
   */
  sequence: z.number().int().positive(),
  action: CommandAction,
  module: z.enum(['sensing', 'queue', 'screens', 'leads', 'automation', 'uplink']).optional(),
  theme: Id.optional(),
  /** For fetch-logs: how far back, in minutes. */
  minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional(),
  /** For push-profile: the device, and its new profile as firmware-config/ checks it. */
  device: Id.optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
  at: Timestamp,
  /** After this the gateway ignores it: the cloud has reported it timed out. */
  expiresAt: Timestamp,
  keyId: Text(64),
  signature: z.string().regex(/^[A-Za-z0-9+/=]+$/),
});

export const CommandAck = z.strictObject({
  commandId: z.string().min(8).max(64),
  gateway: Id,
  status: z.enum(['ok', 'error']),
  /** What the command returned: the log lines of fetch-logs, at most 200 KB. */
  data: z.unknown().optional(),
  error: z
    .strictObject({ code: z.string().regex(/^SB_ERR_[A-Z_]+$/), message: Text(500) })
    .optional(),
  at: Timestamp,
});

export const ModuleName = z.enum(['sensing', 'queue', 'screens', 'leads', 'automation']);

/** The modules a branch runs, as HQ switched them; retained, the newest version wins. */
export const ModuleSettings = z.strictObject({
  branch: Id,
  version: z.number().int().positive(),
  modules: z.partialRecord(ModuleName, z.boolean()),
  at: Timestamp,
});

/**
 * What a gateway runs after following HQ's module settings: pushed in its live status, so
 * the status answering a switch is its acknowledgement.
 */
export const ModulesRunning = z.strictObject({
  /** The settings version the gateway applied; 0 before HQ ever set any. */
  version: z.number().int().nonnegative(),
  running: z.array(ModuleName).max(5),
  /** Modules HQ switched on that this gateway cannot run, each with the reason. */
  unavailable: z.array(z.strictObject({ module: ModuleName, reason: Text(200) })).max(5),
});

/** The branch's share of each benefit's stock, for redemption with the cloud gone. */
export const AllotmentBenefit = z.strictObject({
  benefit: Id,
  name: Text(200),
  /** Coupons the branch may redeem in all, online and offline together. */
  allotted: z.number().int().nonnegative(),
  validFrom: Timestamp.optional(),
  validTo: Timestamp.optional(),
  /** Base64 key of the benefit's code tags: a gateway checks a code without the cloud. */
  codeKey: z.string().regex(/^[A-Za-z0-9+/=]{16,100}$/),
});

export const BenefitAllotment = z.strictObject({
  branch: Id,
  version: z.number().int().positive(),
  benefits: z.array(AllotmentBenefit).max(500),
  at: Timestamp,
});

/** A counter asks the cloud to redeem a coupon now, so a code used elsewhere is refused. */
export const RedeemRequest = z.strictObject({
  redemptionId: RedemptionId,
  gateway: Id,
  code: CouponCode,
  at: Timestamp,
});

export const RedeemReply = z.strictObject({
  redemptionId: RedemptionId,
  outcome: z.enum(['accepted', 'refused']),
  benefit: Id.optional(),
  reason: Text(200).optional(),
  at: Timestamp,
});

/** A redemption in the branch, online or offline: a record of a coupon, not of a person. */
export const CouponRedemption = z.strictObject({
  redemptionId: RedemptionId,
  code: CouponCode,
  benefit: Id,
  redeemedAt: Timestamp,
  /** True when the counter accepted it against the allotment without asking the cloud. */
  offline: z.boolean(),
});

export type CouponCode = z.output<typeof CouponCode>;
export type SponsorKind = z.output<typeof SponsorKind>;
export type ManifestBenefit = z.output<typeof ManifestBenefit>;
export type RolloutReport = z.output<typeof RolloutReport>;
export type CommandAction = z.output<typeof CommandAction>;
export type CommandRequest = z.output<typeof CommandRequest>;
export type CommandAck = z.output<typeof CommandAck>;
export type ModuleName = z.output<typeof ModuleName>;
export type ModuleSettings = z.output<typeof ModuleSettings>;
export type ModulesRunning = z.output<typeof ModulesRunning>;
export type AllotmentBenefit = z.output<typeof AllotmentBenefit>;
export type BenefitAllotment = z.output<typeof BenefitAllotment>;
export type RedeemRequest = z.output<typeof RedeemRequest>;
export type RedeemReply = z.output<typeof RedeemReply>;
export type CouponRedemption = z.output<typeof CouponRedemption>;
