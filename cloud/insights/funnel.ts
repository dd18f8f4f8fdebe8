import { z } from 'zod';
import { BranchFilter, branchPlaces } from './branches.ts';
import type { InsightsDb } from './schema.ts';
import { dailyTotals, ratio, type Totals, total } from './totals.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

export const FunnelQuery = z.strictObject({
  ...BranchFilter.shape,
  from: Day,
  to: Day,
  campaign: z.string().min(1).max(200).optional(),
});
export type FunnelQuery = z.output<typeof FunnelQuery>;

/** The steps in order, each with the metrics it counts. */
export const funnelSteps = [
  { step: 'passers-by', metrics: ['passers-by'] },
  { step: 'entered', metrics: ['entries'] },
  { step: 'watched', metrics: ['impressions'] },
  { step: 'engaged', metrics: ['tickets.issued', 'qr.scans'] },
  { step: 'lead', metrics: ['leads'] },
  { step: 'converted', metrics: ['conversions'] },
] as const;

export interface FunnelStep {
  step: (typeof funnelSteps)[number]['step'];
  count: number;
  /** Share of the step before; null for the first or after an empty step. */
  rate: number | null;
  /** Share of the first step. */
  ofFirst: number | null;
}

function stepsOf(count: (metric: string) => number): FunnelStep[] {
  const counts = funnelSteps.map(({ step, metrics }) => ({
    step,
    count: metrics.reduce((sum, metric) => sum + count(metric), 0),
  }));
  const first = counts[0]?.count ?? 0;
  return counts.map((entry, index) => ({
    ...entry,
    rate: index === 0 ? null : ratio(entry.count, counts[index - 1]?.count ?? 0),
    ofFirst: index === 0 ? null : ratio(entry.count, first),
  }));
}

/** Footfall of the hours a campaign played in, so its funnel starts with who could see it. */
async function campaignHoursTotals(
  db: InsightsDb,
  branches: string[],
  query: FunnelQuery & { campaign: string },
): Promise<Totals> {
  const played = db
    .selectFrom('insights_hourly')
    .select(['branch', 'hour_at'])
    .where('metric', '=', 'plays')
    .where('dimension', '=', query.campaign)
    .where('branch', 'in', branches)
    .where('day', '>=', query.from)
    .where('day', '<=', query.to);
  const rows = await db
    .selectFrom('insights_hourly as facts')
    .innerJoin(played.as('played'), (join) =>
      join
        .onRef('played.branch', '=', 'facts.branch')
        .onRef('played.hour_at', '=', 'facts.hour_at'),
    )
    .select(['facts.metric', (eb) => eb.fn.sum<number>('facts.value').as('value')])
    .where('facts.metric', 'in', ['passers-by', 'entries', 'tickets.issued'])
    .groupBy('facts.metric')
    .execute();
  return new Map(rows.map((row) => [row.metric, new Map([['', Number(row.value)]])]));
}

/**
 * Passers-by → entered → watched a screen → took a ticket or scanned a QR → lead →
 * converted, per branch. For a campaign, footfall and tickets count only the hours it played
 * in, and the screen, QR, lead and conversion steps only its own.
 */
export async function funnel(db: InsightsDb, query: FunnelQuery) {
  const { from, to, campaign, ...filter } = query;
  const branches = await branchPlaces(db, filter);
  const rows = [];
  for (const branch of branches) {
    const totals = await dailyTotals(db, [branch.id], from, to);
    if (!campaign) {
      rows.push({ branch: branch.id, steps: stepsOf((metric) => total(totals, metric)) });
      continue;
    }

    const hours = await campaignHoursTotals(db, [branch.id], { ...query, campaign });
    const count = (metric: string) =>
      hours.has(metric) || ['passers-by', 'entries', 'tickets.issued'].includes(metric)
        ? total(hours, metric)
        : total(totals, metric, campaign);
    rows.push({ branch: branch.id, steps: stepsOf(count) });
  }
  return { from, to, campaign: campaign ?? null, branches: rows };
}
