/**
 * Insights benchmarks (issue 8) on PostgreSQL (SB_TEST_PG_URL), in a schema of their own:
 * ingest of pulled records through the puller's transaction (raw rows + rollups), and the
 * dashboard queries over 1,000 branches × 90 days of hourly rollups.
 * Run: `node --import tsx bench/insights.ts`. Prints one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { syncBranches } from '../cloud/fleet/index.ts';
import { openStore } from '../cloud/store/index.ts';
import { createRegistry, silentLogger, systemClock } from '../core/index.ts';
import type { UplinkRecord } from '../protocol/index.ts';
import { figures, insightsDb, loadCursorForBench, series, storeBatch } from './insights-support.ts';

const pgUrl = process.env.SB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `sb_bench_insights_${randomBytes(4).toString('hex')}`;
const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
const lineage = { model: 'm', modelVersion: '1', backend: 'wasm' } as const;

const percentile = (values: number[], share: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor(values.length * share))
  ] ?? 0;

function zoneRecords(start: number, count: number, at0: number): UplinkRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const minute = at0 + (start + index) * 60_000;
    return {
      seq: start + index + 1,
      at: minute,
      kind: 'audience.zone-minute',
      data: {
        camera: 'hall',
        zone: `zone-${index % 4}`,
        zoneKind: 'waiting',
        minute,
        frames: 60,
        entries: 2,
        exits: 2,
        occupancyMean: 3,
        occupancyMax: 4,
        visits: 2,
        dwellSeconds: { '0-5': 0, '5-15': 1, '15-30': 1, '30-60': 0, '60+': 0 },
        attentionSeconds: 4,
        source: 'synthetic',
        confidence: 0.9,
        lineage,
      },
    };
  });
}

async function benchIngest(store: Awaited<ReturnType<typeof openStore>>) {
  const gateways = 20;
  const perGateway = 5000;
  const batch = 500;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: gateways }, async (_, gateway) => {
      const id = `gw-${gateway}`;
      for (let start = 0; start < perGateway; start += batch) {
        const after = await loadCursorForBench(store.db, id, Date.now());
        await storeBatch(
          store.db,
          {
            gateway: id,
            stream: 'audience',
            after,
            records: zoneRecords(start, batch, Date.UTC(2026, 0, 1)),
          },
          Date.now(),
        );
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    records: gateways * perGateway,
    seconds,
    recordsPerSecond: Math.round((gateways * perGateway) / seconds),
  };
}

/** 1,000 branches × 90 days × 12 open hours × 4 metrics, generated inside PostgreSQL. */
async function seedRollups(client: pg.Client) {
  await client.query(`set search_path = ${schema}`);
  await client.query(`insert into branches (id, name, time_zone, region, tags, created_at)
    select 'b' || n, 'Branch ' || n, 'Asia/Shanghai', 'r' || (n % 10), '[]', 0
    from generate_series(1, 1000) n`);
  const metrics = `(values ('entries'), ('passers-by'), ('tickets.served'), ('impressions')) m(metric)`;
  await client.query(`insert into insights_hourly (branch, metric, dimension, hour_at, day, hour, weekday, value)
    select 'b' || b, m.metric, '', extract(epoch from d + make_interval(hours => h))::bigint * 1000,
      to_char(d, 'YYYY-MM-DD'), h, extract(isodow from d)::int, (b + h) % 50
    from generate_series(1, 1000) b, generate_series(timestamp '2026-01-01', timestamp '2026-03-31', '1 day') d,
      generate_series(8, 19) h, ${metrics}`);
  await client.query(`insert into insights_daily (branch, metric, dimension, day, week, value)
    select branch, metric, dimension, day, to_char(date_trunc('week', day::date), 'YYYY-MM-DD'), sum(value)
    from insights_hourly where branch not like 'bench-%' group by branch, metric, dimension, day`);
  await client.query('analyze');
  const { rows } = await client.query('select count(*)::int as hourly from insights_hourly');
  return rows[0].hourly as number;
}

async function timed(runs: number, query: () => Promise<unknown>) {
  const timings: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    await query();
    timings.push(performance.now() - started);
  }
  return {
    p50Ms: Math.round(percentile(timings, 0.5) * 10) / 10,
    p95Ms: Math.round(percentile(timings, 0.95) * 10) / 10,
  };
}

async function main() {
  const store = await openStore({ url: pgUrl, schema }, context);
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    // One branch per gateway, as in the field: gateways never contend for one rollup row.
    const benchBranches = Array.from({ length: 20 }, (_, index) => ({
      id: `bench-${index}`,
      name: 'Bench',
      timeZone: 'Asia/Shanghai',
      tags: [],
    }));
    await syncBranches(store.db, benchBranches, Date.now());
    for (let gateway = 0; gateway < 20; gateway += 1) {
      await store.db
        .insertInto('gateways')
        .values({
          id: `gw-${gateway}`,
          branch: `bench-${gateway}`,
          password_hash: 'x',
          version: '1',
          enrolled_at: 0,
          rotated_at: 0,
        })
        .execute();
    }
    const ingest = await benchIngest(store);
    const hourlyRows = await seedRollups(client);
    const db = insightsDb(store.db);
    const branch = await timed(50, () =>
      series(db, {
        branches: ['b17'],
        from: '2026-01-01',
        to: '2026-03-31',
        granularity: 'hour',
        metrics: ['entries', 'passers-by'],
      }),
    );
    const network = await timed(50, () =>
      series(db, {
        from: '2026-01-01',
        to: '2026-03-31',
        granularity: 'day',
        metrics: ['entries', 'passers-by'],
      }),
    );
    const region = await timed(50, () =>
      figures(db, { region: 'r3', from: '2026-01-01', to: '2026-03-31' }),
    );
    const weekly = await timed(50, () =>
      series(db, {
        from: '2026-01-01',
        to: '2026-03-31',
        granularity: 'week',
        metrics: ['entries'],
      }),
    );
    console.log(
      JSON.stringify(
        {
          ingest,
          hourlyRows,
          queries: {
            branchHourly90Days: branch,
            networkDaily90Days: network,
            regionFigures90Days: region,
            networkWeekly90Days: weekly,
          },
        },
        null,
        1,
      ),
    );
  } finally {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
    await client.end();
    await store.close();
  }
}

await main();
