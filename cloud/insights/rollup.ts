import { sql } from 'kysely';
import type { Fact } from './derive.ts';
import { localHour } from './local-time.ts';
import type { InsightsDb } from './schema.ts';

// 9 bound values a row: 500 rows stay far inside SQLite's and PostgreSQL's limits.
const rowsPerInsert = 500;

interface Bucket {
  metric: string;
  dimension: string;
  hourAt: number;
  day: string;
  hour: number;
  weekday: number;
  week: string;
  value: number;
}

/** Facts summed per metric, dimension and local hour, so each row is written once. */
function bucketsOf(timeZone: string, facts: readonly Fact[]) {
  const hourly = new Map<string, Bucket>();
  for (const fact of facts) {
    const local = localHour(timeZone, fact.at);
    const key = `${fact.metric}\u0000${fact.dimension}\u0000${local.hourAt}`;
    const bucket = hourly.get(key);
    if (bucket) bucket.value += fact.value;
    else
      hourly.set(key, {
        metric: fact.metric,
        dimension: fact.dimension,
        ...local,
        value: fact.value,
      });
  }

  const daily = new Map<string, Bucket>();
  for (const bucket of hourly.values()) {
    const key = `${bucket.metric}\u0000${bucket.dimension}\u0000${bucket.day}`;
    const day = daily.get(key);
    if (day) day.value += bucket.value;
    else daily.set(key, { ...bucket });
  }
  return { hourly: [...hourly.values()], daily: [...daily.values()] };
}

async function addHourly(db: InsightsDb, branch: string, buckets: Bucket[]) {
  for (let start = 0; start < buckets.length; start += rowsPerInsert) {
    const rows = buckets.slice(start, start + rowsPerInsert).map((bucket) => ({
      branch,
      metric: bucket.metric,
      dimension: bucket.dimension,
      hour_at: bucket.hourAt,
      day: bucket.day,
      hour: bucket.hour,
      weekday: bucket.weekday,
      value: bucket.value,
    }));
    await db
      .insertInto('insights_hourly')
      .values(rows)
      .onConflict((conflict) =>
        conflict
          .columns(['branch', 'metric', 'dimension', 'hour_at'])
          .doUpdateSet({ value: sql<number>`insights_hourly.value + excluded.value` }),
      )
      .execute();
  }
}

async function addDaily(db: InsightsDb, branch: string, buckets: Bucket[]) {
  for (let start = 0; start < buckets.length; start += rowsPerInsert) {
    const rows = buckets.slice(start, start + rowsPerInsert).map((bucket) => ({
      branch,
      metric: bucket.metric,
      dimension: bucket.dimension,
      day: bucket.day,
      week: bucket.week,
      value: bucket.value,
    }));
    await db
      .insertInto('insights_daily')
      .values(rows)
      .onConflict((conflict) =>
        conflict
          .columns(['branch', 'metric', 'dimension', 'day'])
          .doUpdateSet({ value: sql<number>`insights_daily.value + excluded.value` }),
      )
      .execute();
  }
}

/**
 * Adds facts to a branch's hourly and daily rollups. Additive, so the caller must hand each
 * fact over exactly once: the ingest does it inside the transaction that stores the record.
 */
export async function addFacts(
  db: InsightsDb,
  branch: { id: string; timeZone: string },
  facts: readonly Fact[],
  records: number,
  now: number,
): Promise<void> {
  const { hourly, daily } = bucketsOf(branch.timeZone, facts);
  await addHourly(db, branch.id, hourly);
  await addDaily(db, branch.id, daily);
  await db
    .insertInto('insights_progress')
    .values({ branch: branch.id, records, updated_at: now })
    .onConflict((conflict) =>
      conflict.column('branch').doUpdateSet({
        records: sql<number>`insights_progress.records + excluded.records`,
        updated_at: now,
      }),
    )
    .execute();
}
