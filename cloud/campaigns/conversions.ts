import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import { CouponCode, Id } from '../../protocol/index.ts';
import { parseCsv } from './csv.ts';
import { type Campaign, funnelSteps } from './model.ts';
import type { ControlDb } from './schema.ts';

const Step = z.string().regex(/^[a-z][a-z0-9-]{1,40}$/);

/** A conversion in the bank's own systems, keyed by campaign, branch and coupon or lead. */
export const ConversionRow = z
  .strictObject({
    /** The bank's own reference; default `{step}:{couponCode or leadId}`. */
    reference: z.string().min(1).max(120).optional(),
    branch: Id,
    step: Step,
    couponCode: CouponCode.optional(),
    leadId: z.string().min(1).max(80).optional(),
    at: z.number().int().nonnegative(),
  })
  .refine((row) => row.couponCode !== undefined || row.leadId !== undefined, {
    message: 'needs couponCode or leadId',
    path: ['couponCode'],
  });
export type ConversionRow = z.output<typeof ConversionRow>;

export const ConversionImport = z.strictObject({ rows: z.array(ConversionRow).min(1).max(1000) });

export const TargetsInput = z.strictObject({
  targets: z
    .array(
      z.strictObject({
        branch: Id,
        step: Step,
        target: z.number().int().min(1).max(10_000_000),
        from: z.number().int().nonnegative(),
        to: z.number().int().positive(),
      }),
    )
    .max(10_000),
});

/** CSV columns: reference, branch, step, coupon_code, lead_id, at (epoch ms or ISO 8601). */
export function conversionsFromCsv(text: string): ConversionRow[] {
  const records = parseCsv(text);
  // The JSON import takes at least one row; a CSV of a header alone (or of no CSV) neither.
  if (records.length === 0) {
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'rows: no row under the header', 'rows');
  }

  return records.map((fields, index) => {
    const at = /^\d+$/.test(fields.at ?? '') ? Number(fields.at) : Date.parse(fields.at ?? '');
    const candidate = {
      ...(fields.reference ? { reference: fields.reference } : {}),
      branch: fields.branch,
      step: fields.step,
      ...(fields.coupon_code ? { couponCode: fields.coupon_code } : {}),
      ...(fields.lead_id ? { leadId: fields.lead_id } : {}),
      at: Number.isFinite(at) ? at : -1,
    };
    const parsed = ConversionRow.safeParse(candidate);
    if (parsed.success) return parsed.data;

    const issue = parsed.error.issues[0];
    const path = `rows.${index}.${issue?.path.join('.') ?? ''}`;
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `${path}: ${issue?.message}`, path);
  });
}

/** Stores conversions; an import sent again stores nothing twice. Returns how many were new. */
export async function importConversions(
  db: ControlDb,
  campaign: string,
  rows: readonly ConversionRow[],
  now: number,
): Promise<{ received: number; stored: number }> {
  let stored = 0;
  await db.transaction().execute(async (trx) => {
    for (const row of rows) {
      const result = await trx
        .insertInto('campaign_conversions')
        .values({
          campaign,
          reference: row.reference ?? `${row.step}:${row.couponCode ?? row.leadId}`,
          branch: row.branch,
          step: row.step,
          coupon_code: row.couponCode ?? null,
          lead_id: row.leadId ?? null,
          at: row.at,
          imported_at: now,
        })
        .onConflict((conflict) => conflict.columns(['campaign', 'reference']).doNothing())
        .executeTakeFirst();
      stored += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
  });
  return { received: rows.length, stored };
}

/** A campaign's targets as `saveTargets` took them, for an editor to show them again. */
export async function campaignTargets(db: ControlDb, campaign: string) {
  const rows = await db
    .selectFrom('campaign_targets')
    .selectAll()
    .where('campaign', '=', campaign)
    .orderBy('branch')
    .orderBy('step')
    .orderBy('from_at')
    .execute();
  return rows.map((row) => ({
    branch: row.branch,
    step: row.step,
    target: row.target,
    from: row.from_at,
    to: row.to_at,
  }));
}

export async function saveTargets(
  db: ControlDb,
  campaign: string,
  targets: z.output<typeof TargetsInput>['targets'],
) {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('campaign_targets').where('campaign', '=', campaign).execute();
    for (const target of targets) {
      await trx
        .insertInto('campaign_targets')
        .values({
          campaign,
          branch: target.branch,
          step: target.step,
          target: target.target,
          from_at: target.from,
          to_at: target.to,
        })
        .onConflict((conflict) =>
          conflict.columns(['campaign', 'branch', 'step', 'from_at']).doUpdateSet({
            target: target.target,
            to_at: target.to,
          }),
        )
        .execute();
    }
  });
}

type Counts = { total: number; perBranch: Record<string, number> };

/**
 * The campaign's funnel over [from, to): each step of its objective counted per branch, and
 * each target with what happened in its own period.
 */
export async function funnel(
  db: ControlDb,
  campaign: Campaign,
  period: { from: number; to: number },
) {
  const steps = [];
  for (const step of funnelSteps[campaign.objective]) {
    steps.push({ step, ...(await stepCounts(db, campaign.id, step, period)) });
  }
  const targets = await db
    .selectFrom('campaign_targets')
    .selectAll()
    .where('campaign', '=', campaign.id)
    .orderBy('branch')
    .orderBy('step')
    .execute();
  const progress = [];
  for (const target of targets) {
    const counts = await stepCounts(db, campaign.id, target.step, {
      from: target.from_at,
      to: target.to_at,
    });
    const actual = counts.perBranch[target.branch] ?? 0;
    progress.push({
      branch: target.branch,
      step: target.step,
      target: target.target,
      from: target.from_at,
      to: target.to_at,
      actual,
      share: actual / target.target,
    });
  }
  return { campaign: campaign.id, objective: campaign.objective, steps, targets: progress };
}

async function stepCounts(
  db: ControlDb,
  campaign: string,
  step: string,
  period: { from: number; to: number },
): Promise<Counts> {
  if (step === 'coupon-issued') {
    const row = await db
      .selectFrom('coupons')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('campaign', '=', campaign)
      .where('issued_at', '>=', period.from)
      .where('issued_at', '<', period.to)
      .executeTakeFirstOrThrow();
    return { total: Number(row.count), perBranch: {} };
  }

  const rows =
    step === 'coupon-redeemed'
      ? await db
          .selectFrom('redemptions')
          .innerJoin('coupons', 'coupons.code', 'redemptions.code')
          .select(['redemptions.branch as branch', (eb) => eb.fn.countAll<number>().as('count')])
          .where('coupons.campaign', '=', campaign)
          .where('redemptions.outcome', '=', 'accepted')
          .where('redemptions.at', '>=', period.from)
          .where('redemptions.at', '<', period.to)
          .groupBy('redemptions.branch')
          .execute()
      : await db
          .selectFrom('campaign_conversions')
          .select(['branch', (eb) => eb.fn.countAll<number>().as('count')])
          .where('campaign', '=', campaign)
          .where('step', '=', step)
          .where('at', '>=', period.from)
          .where('at', '<', period.to)
          .groupBy('branch')
          .execute();
  const perBranch: Record<string, number> = {};
  for (const row of rows) perBranch[row.branch ?? '(none)'] = Number(row.count);
  const total = Object.values(perBranch).reduce((sum, n) => sum + n, 0);
  return { total, perBranch };
}
