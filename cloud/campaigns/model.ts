import { z } from 'zod';
import {
  Id,
  Repeat,
  ScheduleWindow,
  ScreenTarget,
  ShareOfVoice,
  TargetRule,
} from '../../protocol/index.ts';

const Text = (max: number) => z.string().min(1).max(max);
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256');

export const Objective = z.enum([
  'app-sign-up',
  'app-activity',
  'card-application',
  'card-activation',
  'class-ii-account',
  'dormant-reactivation',
  'churn-win-back',
  'branch-visits',
  'product-leads',
]);
export type Objective = z.output<typeof Objective>;

/**
 * The funnel HQ shows for each objective: the coupon steps SmartBranch counts itself, then
 * the steps the bank's own systems report through the conversion import.
 */
export const funnelSteps: Record<Objective, readonly string[]> = {
  'app-sign-up': ['coupon-issued', 'coupon-redeemed', 'app-sign-up'],
  'app-activity': ['coupon-issued', 'coupon-redeemed', 'app-active'],
  'card-application': ['lead', 'card-application', 'card-approved'],
  'card-activation': ['coupon-issued', 'coupon-redeemed', 'card-activated'],
  'class-ii-account': ['lead', 'account-opened'],
  'dormant-reactivation': ['coupon-issued', 'coupon-redeemed', 'reactivated'],
  'churn-win-back': ['coupon-issued', 'coupon-redeemed', 'won-back'],
  'branch-visits': ['coupon-issued', 'coupon-redeemed', 'visit'],
  'product-leads': ['lead', 'lead-qualified', 'lead-converted'],
};

export const CampaignStatus = z.enum(['draft', 'scheduled', 'live', 'paused', 'ended']);
export type CampaignStatus = z.output<typeof CampaignStatus>;

/** A numeric attribute of a branch's catchment (e.g. `population3km`) within bounds. */
export const CatchmentCondition = z.strictObject({
  attribute: z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,59}$/),
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
});

/**
 * Which branches a campaign goes to. Every criterion given must hold (they combine with
 * AND); within one list any value matches. At least one criterion is required.
 */
export const BranchSelector = z
  .strictObject({
    branches: z.array(Id).min(1).max(5000).optional(),
    regions: z.array(Text(100)).min(1).max(100).optional(),
    tags: z.array(Text(60)).min(1).max(100).optional(),
    themes: z.array(Id).min(1).max(50).optional(),
    catchment: z.array(CatchmentCondition).min(1).max(10).optional(),
  })
  .refine((selector) => Object.keys(selector).length > 0, 'names no criterion');
export type BranchSelector = z.output<typeof BranchSelector>;

/** A content item; images and videos name an uploaded asset by its sha256. */
export const CampaignItem = z
  .strictObject({
    id: Id,
    type: z.enum(['image', 'video', 'web', 'template']),
    asset: Sha256.optional(),
    durationMs: z.number().int().min(1000).max(3_600_000).optional(),
    name: Text(200).optional(),
    url: z.url().max(2000).optional(),
    template: z.string().max(20_000).optional(),
    fields: z.record(z.string().max(60), z.string().max(2000)).optional(),
    repeat: Repeat.optional(),
  })
  .refine(
    (item) => (item.type === 'image' || item.type === 'video') === (item.asset !== undefined),
    { message: 'images and videos need an asset; web pages and templates none', path: ['asset'] },
  );
export type CampaignItem = z.output<typeof CampaignItem>;

/** A schedule whose date range does not run backwards: the end on or after the start. */
const CampaignSchedule = ScheduleWindow.refine(
  (schedule) => !schedule.startDate || !schedule.endDate || schedule.startDate <= schedule.endDate,
  { message: 'is before the start date', path: ['endDate'] },
);

export const CampaignInput = z.strictObject({
  id: Id,
  name: Text(200),
  objective: Objective,
  /** Higher plays first where campaigns overlap. Default 0. */
  priority: z.number().int().min(-1000).max(1000).default(0),
  items: z.array(CampaignItem).max(100).default([]),
  schedule: CampaignSchedule.optional(),
  target: ScreenTarget.optional(),
  rule: TargetRule.optional(),
  shareOfVoice: ShareOfVoice.optional(),
  branches: BranchSelector,
  /** Benefits drawn from the shared pool of the benefits centre. */
  benefits: z.array(Id).max(50).default([]),
  /** Where issued coupon codes are sent for the bank's app, SMS or mini-program. */
  webhookUrl: z.url().max(2000).optional(),
});
export type CampaignInput = z.output<typeof CampaignInput>;

export const CampaignPatch = CampaignInput.omit({ id: true }).partial();

export interface Campaign extends CampaignInput {
  status: CampaignStatus;
  createdAt: number;
  updatedAt: number;
}

export const RolloutState = z.enum(['pending', 'downloading', 'applied', 'failed', 'removed']);
export type RolloutState = z.output<typeof RolloutState>;

export { Sha256 };

/**
 * The status as of `now`: a scheduled campaign whose start date has come is live, and a live
 * or scheduled one past its end date has ended. Dates are compared as UTC calendar days; the
 * gateway's scheduler applies them exactly, in the branch's time zone.
 */
export function statusAt(campaign: Campaign, now: number): CampaignStatus {
  const today = new Date(now).toISOString().slice(0, 10);
  const { startDate, endDate } = campaign.schedule ?? {};
  if (campaign.status !== 'scheduled' && campaign.status !== 'live') return campaign.status;
  if (endDate !== undefined && endDate < today) return 'ended';
  if (startDate !== undefined && startDate > today) return 'scheduled';
  return 'live';
}
