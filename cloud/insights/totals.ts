import type { InsightsDb } from './schema.ts';

/** Sums per metric and dimension: `totals.get(metric)?.get(dimension)`. */
export type Totals = Map<string, Map<string, number>>;

export function total(totals: Totals, metric: string, dimension?: string): number {
  const dimensions = totals.get(metric);
  if (!dimensions) return 0;
  if (dimension !== undefined) return dimensions.get(dimension) ?? 0;

  let sum = 0;
  for (const value of dimensions.values()) sum += value;
  return sum;
}

/** Metrics whose name starts with `prefix`, by what follows it, summed over dimensions. */
export function byPrefix(totals: Totals, prefix: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const metric of totals.keys()) {
    if (metric.startsWith(prefix)) found[metric.slice(prefix.length)] = total(totals, metric);
  }
  return found;
}

export function byDimension(totals: Totals, metric: string): Record<string, number> {
  return Object.fromEntries(totals.get(metric) ?? []);
}

/** Daily rollups summed over the branches and the local days `from`..`to` (both included). */
export async function dailyTotals(
  db: InsightsDb,
  branches: readonly string[],
  from: string,
  to: string,
): Promise<Totals> {
  if (branches.length === 0) return new Map();

  const rows = await db
    .selectFrom('insights_daily')
    .select(['metric', 'dimension', (eb) => eb.fn.sum<number>('value').as('value')])
    .where('branch', 'in', branches)
    .where('day', '>=', from)
    .where('day', '<=', to)
    .groupBy(['metric', 'dimension'])
    .execute();
  const totals: Totals = new Map();
  for (const row of rows) {
    const dimensions = totals.get(row.metric) ?? new Map<string, number>();
    dimensions.set(row.dimension, Number(row.value));
    totals.set(row.metric, dimensions);
  }
  return totals;
}

export const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
