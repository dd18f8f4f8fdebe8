import { z } from 'zod';
import { addDays } from '../../core/index.ts';
import { BranchFilter, branchPlaces } from './branches.ts';
import type { InsightsConfig } from './config.ts';
import { daysBetween } from './local-time.ts';
import type { InsightsDb } from './schema.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

export const AnomalyQuery = z.strictObject({
  ...BranchFilter.shape,
  from: Day,
  to: Day,
  metric: z.enum(['footfall', 'conversion']).default('footfall'),
});
export type AnomalyQuery = z.output<typeof AnomalyQuery>;

export interface Anomaly {
  branch: string;
  metric: 'footfall' | 'conversion';
  day: string;
  /** Local hour 0..23, or null for the whole day. */
  hour: number | null;
  value: number;
  baseline: number;
  /** 1 − value / baseline: 0.4 is a 40% drop. */
  drop: number;
}

/** Sums per local day and hour (the hour -1 holds the day), of entries and conversions. */
async function hourlyValues(db: InsightsDb, branch: string, from: string, to: string) {
  const rows = await db
    .selectFrom('insights_hourly')
    .select(['metric', 'day', 'hour', (eb) => eb.fn.sum<number>('value').as('value')])
    .where('branch', '=', branch)
    .where('metric', 'in', ['entries', 'tickets.issued', 'qr.scans'])
    .where('day', '>=', from)
    .where('day', '<=', to)
    .groupBy(['metric', 'day', 'hour'])
    .execute();
  const entries = new Map<string, number>();
  const converted = new Map<string, number>();
  for (const row of rows) {
    const target = row.metric === 'entries' ? entries : converted;
    for (const key of [`${row.day} ${row.hour}`, `${row.day} -1`]) {
      target.set(key, (target.get(key) ?? 0) + Number(row.value));
    }
  }
  return { entries, converted };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

type Values = Awaited<ReturnType<typeof hourlyValues>>;

function valueAt(values: Values, metric: Anomaly['metric'], key: string): number | null {
  const entries = values.entries.get(key);
  if (metric === 'footfall') return entries ?? null;
  if (!entries) return null;
  return (values.converted.get(key) ?? 0) / entries;
}

/**
 * Hours and days whose footfall (entries) or conversion (tickets and QR scans per entry)
 * fell below `share` × the median of the same weekday and hour over the previous weeks.
 * A week without data for that slot does not count towards the baseline.
 */
export async function anomalies(
  db: InsightsDb,
  query: AnomalyQuery,
  config: InsightsConfig['anomalies'],
): Promise<Anomaly[]> {
  const { from, to, metric, ...filter } = query;
  const found: Anomaly[] = [];
  for (const branch of await branchPlaces(db, filter)) {
    const values = await hourlyValues(db, branch.id, addDays(from, -7 * config.weeks), to);
    for (const day of daysBetween(from, to)) {
      for (let hour = -1; hour < 24; hour += 1) {
        const anomaly = judge(values, metric, day, hour, config);
        if (anomaly) found.push({ branch: branch.id, metric, day, ...anomaly });
      }
    }
  }
  return found;
}

function judge(
  values: Values,
  metric: Anomaly['metric'],
  day: string,
  hour: number,
  config: InsightsConfig['anomalies'],
) {
  const history: number[] = [];
  for (let week = 1; week <= config.weeks; week += 1) {
    const past = valueAt(values, metric, `${addDays(day, -7 * week)} ${hour}`);
    if (past !== null) history.push(past);
  }
  if (history.length === 0) return null;

  const baseline = median(history);
  const footfallBase =
    metric === 'footfall'
      ? baseline
      : median(
          [1, 2, 3, 4].map((week) => values.entries.get(`${addDays(day, -7 * week)} ${hour}`) ?? 0),
        );
  if (footfallBase < config.minBaseline || baseline <= 0) return null;

  const value = valueAt(values, metric, `${day} ${hour}`) ?? 0;
  if (value >= config.share * baseline) return null;

  return { hour: hour < 0 ? null : hour, value, baseline, drop: 1 - value / baseline };
}
