import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import { BranchFilter, branchPlaces } from './branches.ts';
import { hourLabel } from './local-time.ts';
import type { InsightsDb } from './schema.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

export const SeriesQuery = z.strictObject({
  ...BranchFilter.shape,
  from: Day,
  to: Day,
  granularity: z.enum(['hour', 'day', 'week']).default('day'),
  metrics: z.array(z.string().min(1).max(100)).min(1).max(20),
  /** Only this zone, service, campaign...; absent: summed over all. */
  dimension: z.string().max(200).optional(),
});
export type SeriesQuery = z.output<typeof SeriesQuery>;

export interface SeriesPoint {
  /** `YYYY-MM-DD HH:00`, `YYYY-MM-DD` or the week's Monday `YYYY-MM-DD`, local time. */
  bucket: string;
  metric: string;
  value: number;
}

/**
 * A metric over time, summed over the branches, each bucketed in its own time zone: 09:00
 * is each branch's nine o'clock. A DST day has 23 or 25 hourly points for one branch.
 */
export async function series(db: InsightsDb, query: SeriesQuery): Promise<SeriesPoint[]> {
  const { from, to, granularity, metrics, dimension, ...filter } = query;
  if (from > to) throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'from is after to', 'to');

  const branches = (await branchPlaces(db, filter)).map((branch) => branch.id);
  if (branches.length === 0) return [];

  const points =
    granularity === 'hour'
      ? await hourly(db, branches, query)
      : await daily(db, branches, query, granularity === 'week' ? 'week' : 'day');
  return points.sort(
    (a, b) => a.bucket.localeCompare(b.bucket) || a.metric.localeCompare(b.metric),
  );
}

async function hourly(db: InsightsDb, branches: string[], query: SeriesQuery) {
  // One branch keeps the repeated hour of an autumn DST night apart by its instant.
  const apart = branches.length === 1;
  let select = db
    .selectFrom('insights_hourly')
    .select([
      'metric',
      'day',
      'hour',
      (eb) => eb.fn.min<number>('hour_at').as('at'),
      (eb) => eb.fn.sum<number>('value').as('value'),
    ])
    .where('branch', 'in', branches)
    .where('metric', 'in', query.metrics)
    .where('day', '>=', query.from)
    .where('day', '<=', query.to)
    .groupBy(['metric', 'day', 'hour']);
  if (apart) select = select.groupBy('hour_at');
  if (query.dimension !== undefined) select = select.where('dimension', '=', query.dimension);

  const rows = await select.orderBy('at').execute();
  const seen = new Map<string, number>();
  return rows.map((row) => {
    const label = hourLabel(row);
    const count = (seen.get(`${row.metric}${label}`) ?? 0) + 1;
    seen.set(`${row.metric}${label}`, count);
    // The second 02:00 of a night the clocks went back.
    const bucket = count > 1 ? `${label} (${count})` : label;
    return { bucket, metric: row.metric, value: Number(row.value) };
  });
}

async function daily(db: InsightsDb, branches: string[], query: SeriesQuery, by: 'day' | 'week') {
  let select = db
    .selectFrom('insights_daily')
    .select([by, 'metric', (eb) => eb.fn.sum<number>('value').as('value')])
    .where('branch', 'in', branches)
    .where('metric', 'in', query.metrics)
    .where('day', '>=', query.from)
    .where('day', '<=', query.to)
    .groupBy([by, 'metric']);
  if (query.dimension !== undefined) select = select.where('dimension', '=', query.dimension);

  const rows = await select.execute();
  return rows.map((row) => ({
    bucket: by === 'week' ? (row as { week: string }).week : (row as { day: string }).day,
    metric: row.metric,
    value: Number(row.value),
  }));
}
