import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import { WaitBucket, type WaitHistogram, waitPercentileSeconds } from '../../protocol/index.ts';
import { BranchFilter, branchPlaces } from './branches.ts';
import { counterPrefix, waitHistogramMetric } from './derive.ts';
import type { InsightsDb } from './schema.ts';
import { byDimension, byPrefix, dailyTotals, ratio, type Totals, total } from './totals.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

/** A period in each branch's own calendar, both days included. */
export const Period = z
  .strictObject({ from: Day, to: Day })
  .refine((period) => period.from <= period.to, { message: 'from is after to', path: ['to'] });
export type Period = z.output<typeof Period>;

export const FiguresQuery = z.strictObject({ ...BranchFilter.shape, from: Day, to: Day });
export type FiguresQuery = z.output<typeof FiguresQuery>;

/** The mean of each camera's occupancy, summed over cameras: people in the branch. */
function occupancyMean(totals: Totals): number | null {
  const minutes = totals.get('occupancy.minutes');
  if (!minutes || minutes.size === 0) return null;

  let people = 0;
  for (const [camera, count] of minutes) {
    people += total(totals, 'occupancy.person-minutes', camera) / count;
  }
  return people;
}

function perDimension(
  totals: Totals,
  metrics: Record<string, string>,
): Array<{ key: string } & Record<string, number>> {
  const keys = new Set<string>();
  for (const metric of Object.values(metrics)) {
    for (const key of totals.get(metric)?.keys() ?? []) keys.add(key);
  }
  return [...keys].sort().map(
    (key) =>
      ({
        key,
        ...Object.fromEntries(
          Object.entries(metrics).map(([name, metric]) => [name, total(totals, metric, key)]),
        ),
      }) as { key: string } & Record<string, number>,
  );
}

/**
 * The queue figures of one service or counter (`dimension`), or of all of them. The p90 is
 * read from the summed wait histograms, so it counts only records that carried one.
 */
function queueKpis(totals: Totals, prefix: string, dimension: string | undefined) {
  const sum = (metric: string) => total(totals, `${prefix}${metric}`, dimension);
  const served = sum('tickets.served');
  const histogram: WaitHistogram = {};
  for (const bucket of WaitBucket.options) {
    const count = sum(`${waitHistogramMetric}${bucket}`);
    if (count > 0) histogram[bucket] = count;
  }
  return {
    served,
    noShows: sum('no-shows'),
    waitSecondsMean: ratio(sum('wait.seconds'), served),
    waitSecondsP90: waitPercentileSeconds(histogram, 0.9),
    serviceSecondsMean: ratio(sum('service.seconds'), sum('service.timed')),
    withinTargetShare: ratio(sum('wait.within-target'), served),
    estimateErrorSecondsMean: ratio(sum('estimate.error-seconds'), sum('estimate.count')),
  };
}

const dimensionsOf = (totals: Totals, metrics: string[]) =>
  [...new Set(metrics.flatMap((metric) => [...(totals.get(metric)?.keys() ?? [])]))].sort();

/** One row per service seen in the period, with its tickets issued. */
function serviceRows(totals: Totals) {
  const services = dimensionsOf(totals, ['tickets.issued', 'tickets.served', 'no-shows']);
  return services.map((service) => ({
    service,
    issued: total(totals, 'tickets.issued', service),
    ...queueKpis(totals, '', service),
  }));
}

/**
 * One row per counter seen in the period. Counter ids are a branch's own, so over several
 * branches a row sums the counters of that id.
 */
function counterRows(totals: Totals) {
  const metrics = [`${counterPrefix}tickets.served`, `${counterPrefix}no-shows`];
  return dimensionsOf(totals, metrics).map((counter) => ({
    counter,
    ...queueKpis(totals, counterPrefix, counter),
  }));
}

/** The figures HQ reads for some branches over a period, from the daily rollups. */
export function figuresOf(totals: Totals) {
  return {
    passersBy: total(totals, 'passers-by'),
    entries: total(totals, 'entries'),
    occupancyMean: occupancyMean(totals),
    dwellSeconds: byPrefix(totals, 'dwell-seconds:'),
    dwellMinutes: byPrefix(totals, 'dwell-minutes:'),
    servicePointVisits: byDimension(totals, 'service-point.visits'),
    queue: {
      issued: total(totals, 'tickets.issued'),
      ...queueKpis(totals, '', undefined),
      services: serviceRows(totals),
      counters: counterRows(totals),
    },
    campaigns: perDimension(totals, {
      plays: 'plays',
      impressions: 'impressions',
      attentionSeconds: 'attention-seconds',
      couponsIssued: 'coupons.issued',
      couponsRedeemed: 'coupons.redeemed',
    }),
    coupons: {
      issued: total(totals, 'coupons.issued'),
      // The gateways' redemption records, per benefit, and any sent as external facts.
      redeemed: total(totals, 'benefit.redemptions') + total(totals, 'coupons.redeemed'),
      redeemedOffline: total(totals, 'benefit.redemptions-offline'),
      redeemedByBenefit: byDimension(totals, 'benefit.redemptions'),
    },
    demographics: {
      people: total(totals, 'demographics.people'),
      ages: byDimension(totals, 'demographics.age'),
      genders: byDimension(totals, 'demographics.gender'),
    },
  };
}
export type Figures = ReturnType<typeof figuresOf>;

/** The branches a filter names; an empty answer for a filter that matches none. */
export async function filteredBranches(db: InsightsDb, filter: BranchFilter) {
  return branchPlaces(db, filter);
}

export async function figures(db: InsightsDb, query: FiguresQuery) {
  const { from, to, ...filter } = query;
  if (from > to) throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'from is after to', 'to');

  const branches = await branchPlaces(db, filter);
  const totals = await dailyTotals(
    db,
    branches.map((branch) => branch.id),
    from,
    to,
  );
  return { from, to, branches: branches.map((branch) => branch.id), ...figuresOf(totals) };
}
