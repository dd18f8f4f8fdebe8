import { sql } from 'kysely';
import { dialectOf } from '../store/index.ts';
import type { Fact } from './derive.ts';
import { localHour } from './local-time.ts';
import type { InsightsDb } from './schema.ts';

// SQLite: 9 bound values a row, so 500 rows stay far inside its limit of 32766.
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

function entryOf<Key, Value>(map: Map<Key, Value>, key: Key, create: () => Value): Value {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** Facts summed per metric, dimension and local hour, so each row is written once. */
function hourlyOf(timeZone: string, facts: readonly Fact[]): Bucket[] {
  // Nested by local hour, metric and dimension, so no key string is built per fact; the
  // facts of one record share its instant, so the zone is consulted once per record.
  const hours = new Map<number, Map<string, Map<string, Bucket>>>();
  const buckets: Bucket[] = [];
  let lastAt = Number.NaN;
  let local = localHour(timeZone, 0);
  for (const fact of facts) {
    if (fact.at !== lastAt) {
      local = localHour(timeZone, fact.at);
      lastAt = fact.at;
    }
    const metrics = entryOf(hours, local.hourAt, () => new Map<string, Map<string, Bucket>>());
    const dimensions = entryOf(metrics, fact.metric, () => new Map<string, Bucket>());
    const bucket = dimensions.get(fact.dimension);
    if (bucket) {
      bucket.value += fact.value;
      continue;
    }
    const created = { metric: fact.metric, dimension: fact.dimension, ...local, value: fact.value };
    dimensions.set(fact.dimension, created);
    buckets.push(created);
  }
  return buckets;
}

/** Hourly buckets summed per local day. */
function dailyOf(hourly: readonly Bucket[]): Bucket[] {
  const daily = new Map<string, Bucket>();
  for (const bucket of hourly) {
    const key = `${bucket.metric}\u0000${bucket.dimension}\u0000${bucket.day}`;
    const day = daily.get(key);
    if (day) day.value += bucket.value;
    else daily.set(key, { ...bucket });
  }
  return [...daily.values()];
}

async function addHourly(db: InsightsDb, branch: string, buckets: readonly Bucket[]) {
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

async function addDaily(db: InsightsDb, branch: string, buckets: readonly Bucket[]) {
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
 * Adds a branch's hourly buckets, the daily sums grouped from them and its progress in one
 * statement: the buckets travel as column arrays, PostgreSQL unnests and groups them, and
 * the rows are upserted in key order so two batches of one branch never deadlock.
 */
async function addOnPostgres(
  db: InsightsDb,
  branch: string,
  hourly: readonly Bucket[],
  records: number,
  now: number,
) {
  const column = <Key extends keyof Bucket>(key: Key) => hourly.map((bucket) => bucket[key]);
  await sql`
    with bucket as (
      select * from unnest(
        ${column('metric')}::text[], ${column('dimension')}::text[],
        ${column('hourAt')}::bigint[], ${column('day')}::text[], ${column('hour')}::integer[],
        ${column('weekday')}::integer[], ${column('week')}::text[], ${column('value')}::float8[]
      ) as bucket(metric, dimension, hour_at, day, hour, weekday, week, value)
    ), hourly as (
      insert into insights_hourly (branch, metric, dimension, hour_at, day, hour, weekday, value)
      select ${branch}, metric, dimension, hour_at, day, hour, weekday, value from bucket
      order by metric, dimension, hour_at
      on conflict (branch, metric, dimension, hour_at)
        do update set value = insights_hourly.value + excluded.value
    ), daily as (
      insert into insights_daily (branch, metric, dimension, day, week, value)
      select ${branch}, metric, dimension, day, min(week), sum(value) from bucket
      group by metric, dimension, day
      order by metric, dimension, day
      on conflict (branch, metric, dimension, day)
        do update set value = insights_daily.value + excluded.value
    )
    insert into insights_progress (branch, records, updated_at)
    values (${branch}, ${records}, ${now})
    on conflict (branch) do update
      set records = insights_progress.records + excluded.records, updated_at = excluded.updated_at
  `.execute(db);
}

async function addOnSqlite(
  db: InsightsDb,
  branch: string,
  hourly: readonly Bucket[],
  records: number,
  now: number,
) {
  await addHourly(db, branch, hourly);
  await addDaily(db, branch, dailyOf(hourly));
  await db
    .insertInto('insights_progress')
    .values({ branch, records, updated_at: now })
    .onConflict((conflict) =>
      conflict.column('branch').doUpdateSet({
        records: sql<number>`insights_progress.records + excluded.records`,
        updated_at: now,
      }),
    )
    .execute();
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
  const hourly = hourlyOf(branch.timeZone, facts);
  const add = dialectOf(db) === 'postgres' ? addOnPostgres : addOnSqlite;
  await add(db, branch.id, hourly, records, now);
}
