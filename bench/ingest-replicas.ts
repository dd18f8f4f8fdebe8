// Cloud ingest side by side: rows per second into SQLite and into PostgreSQL, by one replica
// process and by three sharing the store, each storing its own gateways' pulled batches of 500
// through the puller's transaction (records, cursor compare-and-set, hourly and daily rollups).
// Each replica is its own Node.js process; the clock runs from the moment all are ready.
// Run: node --import tsx bench/ingest-replicas.ts [GATEWAYSxRECORDS ...]   (default 12x2000)
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { storeBatch } from '../cloud/insights/index.ts';
import { openStore, type Store } from '../cloud/store/index.ts';
import { createRegistry, silentLogger, systemClock } from '../core/index.ts';
import { tempDir } from '../tests/support/context.ts';
import { enrolForBench, zoneRecords } from './insights-support.ts';

const pgUrl = process.env.SB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
const recordsPerPull = 500;

interface Job {
  url: string;
  schema?: string;
  gateways: string[];
  perGateway: number;
}

interface WorkerFigures {
  seconds: number;
  cpuSeconds: number;
  rssMb: number;
  stored: number;
}

/** A replica: opens the store, says it is ready, stores its gateways' batches on `go`. */
async function worker() {
  const job = JSON.parse(process.argv[3] ?? '{}') as Job;
  const store = await openStore({ url: job.url, schema: job.schema }, context);
  process.send?.('ready');
  await new Promise((resolve) => process.once('message', resolve));

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let stored = 0;
  let rss = process.memoryUsage().rss;
  await Promise.all(
    job.gateways.map(async (gateway) => {
      let after = 0;
      for (let start = 0; start < job.perGateway; start += recordsPerPull) {
        const records = zoneRecords(
          start,
          Math.min(recordsPerPull, job.perGateway - start),
          Date.UTC(2026, 0, 1),
        );
        const batch = { gateway, stream: 'audience' as const, after, records };
        const result = await storeBatch(store.db, batch, Date.now());
        if (!result) throw new Error(`${gateway}: cursor moved under the bench`);
        after = result.cursor;
        stored += result.stored;
        rss = Math.max(rss, process.memoryUsage().rss);
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const figures: WorkerFigures = {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssMb: Math.round(rss / 2 ** 20),
    stored,
  };
  process.send?.(figures);
  await store.close();
}

async function prepare(store: Store, gateways: string[]) {
  const rows = gateways.map((gateway) => ({ id: gateway, branch: `b-${gateway}` }));
  await enrolForBench(store.db, rows, 0);
  const cursors = gateways.map((gateway) => ({
    gateway,
    stream: 'audience',
    seq: 0,
    updated_at: 0,
  }));
  await store.db.insertInto('cursors').values(cursors).execute();
}

async function run(dialect: 'sqlite' | 'postgres', replicas: number, size: string) {
  const [gatewayCount, perGateway] = size.split('x').map(Number) as [number, number];
  const dir = tempDir('sb-bench-ingest-');
  const schema = `sb_bench_replicas_${randomBytes(4).toString('hex')}`;
  const url = dialect === 'sqlite' ? `sqlite:${join(dir.path, 'cloud.db')}` : pgUrl;
  const store = await openStore({ url, ...(dialect === 'postgres' ? { schema } : {}) }, context);
  const gateways = Array.from({ length: gatewayCount }, (_, index) => `gw-${index}`);
  await prepare(store, gateways);

  const children = Array.from({ length: replicas }, (_, index) => {
    const job: Job = {
      url,
      ...(dialect === 'postgres' ? { schema } : {}),
      gateways: gateways.filter((_, gateway) => gateway % replicas === index),
      perGateway,
    };
    return fork(process.argv[1] as string, ['worker', JSON.stringify(job)], {
      execArgv: ['--import', 'tsx'],
    });
  });
  const ready = children.map((child) => new Promise((resolve) => child.once('message', resolve)));
  await Promise.all(ready);
  const done = children.map(
    (child) =>
      new Promise<WorkerFigures>((resolve, reject) => {
        child.once('message', (figures) => resolve(figures as WorkerFigures));
        child.once('exit', (code) => code && reject(new Error(`replica exited ${code}`)));
      }),
  );
  const started = performance.now();
  for (const child of children) child.send('go');
  const figures = await Promise.all(done);
  const seconds = (performance.now() - started) / 1000;

  const records = gatewayCount * perGateway;
  const counted = await sql<{ n: number }>`select count(*) as n from records`.execute(store.db);
  if (Number(counted.rows[0]?.n) !== records) throw new Error('records lost or doubled');
  const bytes = dialect === 'postgres' ? await tableBytes(store) : null;
  if (dialect === 'postgres') await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
  await store.close();
  dir.remove();
  return {
    store: dialect,
    replicas,
    gateways: gatewayCount,
    records,
    seconds: +seconds.toFixed(2),
    recordsPerSecond: Math.round(records / seconds),
    cpuSecondsPerReplica: figures.map((entry) => +entry.cpuSeconds.toFixed(2)),
    peakRssMbPerReplica: figures.map((entry) => entry.rssMb),
    loadAverage: +(loadavg()[0] ?? 0).toFixed(1),
    ...(bytes
      ? {
          recordBytesPerRecord: Math.round(bytes.records / records),
          rollupBytesPerRecord: Math.round(bytes.rollups / records),
        }
      : {}),
  };
}

/** On-disk size with indexes of the raw records and of the hourly and daily rollups. */
async function tableBytes(store: Store) {
  const size = async (table: string) => {
    const result = await sql<{ bytes: number }>`
      select pg_total_relation_size(${table}::regclass) as bytes`.execute(store.db);
    return Number(result.rows[0]?.bytes ?? 0);
  };
  return {
    records: await size('records'),
    rollups: (await size('insights_hourly')) + (await size('insights_daily')),
  };
}

if (process.argv[2] === 'worker') {
  await worker();
} else {
  const sizes = process.argv.slice(2).filter((arg) => /^\d+x\d+$/.test(arg));
  const results: Awaited<ReturnType<typeof run>>[] = [];
  for (const size of sizes.length > 0 ? sizes : ['12x2000']) {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      for (const replicas of [1, 3]) {
        const result = await run(dialect, replicas, size);
        console.log(JSON.stringify(result));
        results.push(result);
      }
    }
  }
  const rate = (store: string, replicas: number, records: number) =>
    results.find((r) => r.store === store && r.replicas === replicas && r.records === records)
      ?.recordsPerSecond ?? 0;
  for (const records of new Set(results.map((result) => result.records))) {
    console.log(
      JSON.stringify({
        records,
        postgresOverSqlite1: +(rate('postgres', 1, records) / rate('sqlite', 1, records)).toFixed(
          2,
        ),
        sqlite3Over1: +(rate('sqlite', 3, records) / rate('sqlite', 1, records)).toFixed(2),
        postgres3Over1: +(rate('postgres', 3, records) / rate('postgres', 1, records)).toFixed(2),
        cpus: cpus().length,
        node: process.version,
      }),
    );
  }
}
