/**
 * Insights benchmarks on PostgreSQL (SB_TEST_PG_URL), each in a schema of its own: ingest of
 * pulled records through the puller's path (`storeBatch`: cursor, raw records keyed by
 * gateway, stream and sequence, hourly and daily rollups, one transaction a batch), and the
 * dashboard queries over 1,000 branches × 90 days of hourly rollups.
 *
 * Run: `node --import tsx bench/insights.ts [GATEWAYSxRECORDS ...] [--ingest-only]`, for
 * example `bench/insights.ts 20x5000 100x2000` (the default). Prints one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { type Database, openStore, type Store } from '../cloud/store/index.ts';
import { createRegistry, silentLogger, systemClock } from '../core/index.ts';
import {
  enrolForBench,
  figures,
  insightsDb,
  loadCursorForBench,
  series,
  storeBatch,
  zoneRecords,
} from './insights-support.ts';
import { cpuSeconds } from './proc.ts';

const usage = `usage: node --import tsx bench/insights.ts [GATEWAYSxRECORDS ...] [--ingest-only]
  GATEWAYSxRECORDS  gateways pulled at once and records each (default: 20x5000 100x2000)
  --ingest-only     skip the dashboard queries over 1,000 branches x 90 days`;

const pgUrl = process.env.SB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const applicationName = `sb-bench-insights-${randomBytes(3).toString('hex')}`;
const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
// The puller's default pull limit.
const recordsPerPull = 500;

const percentile = (values: number[], share: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor(values.length * share))
  ] ?? 0;

async function openBenchStore() {
  const schema = `sb_bench_insights_${randomBytes(4).toString('hex')}`;
  const separator = pgUrl.includes('?') ? '&' : '?';
  const url = `${pgUrl}${separator}application_name=${applicationName}`;
  const store = await openStore({ url, schema }, context);
  const drop = async () => {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
    await store.close();
  };
  return { store, schema, drop };
}

/** CPU seconds used so far by this run's PostgreSQL backends, by process id. */
async function backendSeconds(db: Kysely<Database>) {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity where application_name = ${applicationName}`.execute(db);
  const seconds = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      seconds.set(pid, cpuSeconds(pid));
    } catch {
      // A backend that ended meanwhile: its time is lost to the figure, which stays a floor.
    }
  }
  return seconds;
}

/** Gateways spread over the branches in turn. */
function enrol(store: Store, gateways: number, branches: number) {
  const rows = Array.from({ length: gateways }, (_, gateway) => ({
    id: `gw-${gateway}`,
    branch: `bench-${gateway % branches}`,
  }));
  return enrolForBench(store.db, rows, 0);
}

/**
 * Every gateway's stream pulled at once, as the puller does: its cursor read once, then
 * each answer stored from where the last one left it.
 */
async function benchIngest(gateways: number, perGateway: number, branches: number) {
  const { store, drop } = await openBenchStore();
  try {
    await enrol(store, gateways, branches);
    const at0 = Date.UTC(2026, 0, 1);
    const pgBefore = await backendSeconds(store.db);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: gateways }, async (_, gateway) => {
        const id = `gw-${gateway}`;
        let after = await loadCursorForBench(store.db, id, Date.now());
        for (let start = 0; start < perGateway; start += recordsPerPull) {
          // Made as each answer arrives, and dropped once stored, as the puller holds them.
          const records = zoneRecords(start, Math.min(recordsPerPull, perGateway - start), at0);
          const stored = await storeBatch(
            store.db,
            { gateway: id, stream: 'audience', after, records },
            Date.now(),
          );
          if (!stored || stored.stored !== records.length) throw new Error(`${id}: lost a batch`);
          after = stored.cursor;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    let pgSeconds = 0;
    for (const [pid, used] of await backendSeconds(store.db)) {
      pgSeconds += used - (pgBefore.get(pid) ?? 0);
    }

    const records = gateways * perGateway;
    const { rows } = await sql<{ hourly: number }>`
      select count(*)::int as hourly from insights_hourly`.execute(store.db);
    return {
      gateways,
      branches,
      records,
      hourlyRows: rows[0]?.hourly,
      seconds: Math.round(seconds * 100) / 100,
      recordsPerSecond: Math.round(records / seconds),
      nodeCpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
      postgresCpuSeconds: Math.round(pgSeconds * 100) / 100,
      loadAverage: loadavg()[0]?.toFixed(1),
    };
  } finally {
    await drop();
  }
}

/** 1,000 branches × 90 days × 12 open hours × 4 metrics, generated inside PostgreSQL. */
async function seedRollups(client: pg.Client, schema: string) {
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
    from insights_hourly group by branch, metric, dimension, day`);
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

async function benchQueries() {
  const { store, schema, drop } = await openBenchStore();
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const hourlyRows = await seedRollups(client, schema);
    const db = insightsDb(store.db);
    const period = { from: '2026-01-01', to: '2026-03-31' };
    const branchHourly90Days = await timed(50, () =>
      series(db, {
        branches: ['b17'],
        ...period,
        granularity: 'hour',
        metrics: ['entries', 'passers-by'],
      }),
    );
    const networkDaily90Days = await timed(50, () =>
      series(db, { ...period, granularity: 'day', metrics: ['entries', 'passers-by'] }),
    );
    const regionFigures90Days = await timed(50, () => figures(db, { region: 'r3', ...period }));
    const networkWeekly90Days = await timed(50, () =>
      series(db, { ...period, granularity: 'week', metrics: ['entries'] }),
    );
    return {
      hourlyRows,
      branchHourly90Days,
      networkDaily90Days,
      regionFigures90Days,
      networkWeekly90Days,
      loadAverage: loadavg()[0]?.toFixed(1),
    };
  } finally {
    await client.end();
    await drop();
  }
}

function parseSizes(args: string[]) {
  return args.map((arg) => {
    const match = /^(\d+)x(\d+)$/.exec(arg);
    if (!match) {
      console.error(`not a size: ${arg}\n${usage}`);
      process.exit(2);
    }
    return { gateways: Number(match[1]), perGateway: Number(match[2]) };
  });
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(usage);
    return;
  }
  const ingestOnly = args.includes('--ingest-only');
  const given = parseSizes(args.filter((arg) => !arg.startsWith('--')));
  const sizes = given.length > 0 ? given : parseSizes(['20x5000', '100x2000']);

  const ingest = [];
  for (const { gateways, perGateway } of sizes) {
    console.error(`ingest: ${gateways} gateways x ${perGateway} records, one branch each`);
    ingest.push(await benchIngest(gateways, perGateway, gateways));
  }
  // Every gateway feeding one branch: their batches contend for the same rollup rows.
  const first = sizes[0];
  if (first) {
    console.error(`ingest: ${first.gateways} gateways x ${first.perGateway} records, one branch`);
    ingest.push(await benchIngest(first.gateways, first.perGateway, 1));
  }
  if (ingestOnly) {
    console.log(JSON.stringify({ ingest }, null, 1));
    return;
  }

  console.error('queries: seeding 1,000 branches x 90 days of hourly rollups');
  const queries = await benchQueries();
  console.log(JSON.stringify({ ingest, queries }, null, 1));
}

await main();
