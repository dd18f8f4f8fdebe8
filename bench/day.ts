/**
 * A simulated business day of N branches through the whole cloud, one cloud replica against
 * three: what each replica costs in CPU and memory to take a day in. Each run has its own
 * PostgreSQL schema (dropped afterwards) and its own Mosquitto (`mosquitto -c` on a free port);
 * the replicas are real `smartbranch cloud` processes on them, the branches are light clients
 * of the uplink protocol (or the real uplink) over an outbox holding the day, in a process of
 * their own. The cloud pulls the day over MQTT as in production and stores it in PostgreSQL;
 * the gateways push their live status meanwhile. `node --import tsx bench/day.ts --help`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { sql } from 'kysely';
import { openStore, type Store } from '../cloud/store/index.ts';
import { createRegistry, silentLogger, systemClock } from '../core/index.ts';
import { type Running, run } from '../tests/cli/run.ts';
import { tempDir } from '../tests/support/context.ts';
import { type PrivateMosquitto, privateMosquitto } from '../tests/support/mosquitto.ts';
import { freePort, pgUrl } from '../tests/support/services.ts';
import {
  dayBranchId,
  dayGatewayId,
  type GatewayKind,
  type HostJob,
  type HostMessage,
  recordsADay,
} from './day-gateways.ts';
import { brokerDrops, postgresMeter, replicaFigures } from './day-meters.ts';
import { type DayFigures, printTable } from './day-table.ts';
import { enrolForBench } from './insights-support.ts';
import { cpuSeconds, memoryMb } from './proc.ts';

interface Options {
  sizes: number[];
  replicas: number[];
  speed: number | null;
  statusIntervalMs: number;
  gatewaysPerHost: number;
  stallSeconds: number;
  gateways: GatewayKind;
  /** Mosquitto's `max_queued_messages`. */
  brokerQueue: number;
  /** Seconds the fleet is measured at rest before the day opens; 0 skips it. */
  idleSeconds: number;
  /** The replicas' `pull.intervalMs`; null leaves the product's default (2,000). */
  pullIntervalMs: number | null;
}

const help = `
The day: each branch's gateway holds one business day of a busy branch (12 open hours:
2 cameras' audience minutes, 4 zones' minutes, the door's counting line, hourly demographics,
flows and 6 screens' plays, the queue's minute records of 300 tickets, 20 coupon redemptions,
3 sealed leads: 5,915 records in 5 streams). With --speed max the whole day is there at once
and the cloud drains it as fast as it takes it; with --speed N the simulated clock runs N times
real time and a record is there once its minute has passed. The replicas run with the
product's defaults (pull every 2 s, 500 records, 5 s timeout) on a Mosquitto with its own,
unless --pull-interval-ms or --broker-queue say otherwise.

The gateways are light clients of the uplink protocol answering from ready JSON (default), or
the real uplink (--gateways uplink), whose two schema checks per answer cost ~20 µs a record
on the same cores as the cloud. Both push their live status every --status-interval-ms.

Before the day opens the fleet is measured at rest for --idle-seconds (statuses, pulls
answered empty): a real day holds 24 hours of that, the compressed day only minutes. Figures
per replica: cores at rest; CPU seconds (user + system, /proc) and peak RSS (VmHWM) from the
moment the day opens until every record is stored, the records each stored, and the CPU of
its PostgreSQL sessions; pulls that timed out, messages Mosquitto dropped for a full client
queue, records sent per record stored. The store is then checked to hold every record once.
`;

const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
/** The simulated day: Monday 5 January 2026, 08:00 to 20:00 in Shanghai. */
const opensAt = Date.UTC(2026, 0, 5, 0, 0);
const adminPassword = 'bench day admin 1';

const list = (value: string) =>
  value.split(',').map((part) => {
    const number = Number(part);
    if (!Number.isInteger(number) || number < 1) {
      throw new InvalidArgumentError('expected whole numbers separated by commas');
    }
    return number;
  });

function parseOptions(argv: string[]): Options {
  const program = new Command('bench/day.ts')
    .description('a simulated day of N branches through the cloud: CPU and memory per replica')
    .option('--sizes <list>', 'branches per run, comma-separated', list, [250, 1000])
    .option('--replicas <list>', 'cloud replicas per run, comma-separated', list, [1, 3])
    .option('--speed <max|N>', 'the whole day at once (max), or N times real time', 'max')
    .option('--status-interval-ms <ms>', "gateways' live status period (uplink default)", '5000')
    .option('--gateways <light|uplink>', 'light protocol clients, or the real uplink', 'light')
    .option('--gateways-per-host <n>', 'gateways per simulating process', '1000')
    .option('--broker-queue <n>', "Mosquitto's max_queued_messages per client", '1000')
    .option('--pull-interval-ms <ms>', "the replicas' pull.intervalMs (default 2000)")
    .option('--idle-seconds <s>', 'the fleet measured at rest before the day, 0 skips', '30')
    .option('--stall-seconds <s>', 'a run that stores nothing this long is given up', '120')
    .addHelpText('after', help)
    .parse(argv);
  const raw = program.opts<Record<string, unknown>>();
  return {
    sizes: raw.sizes as number[],
    replicas: raw.replicas as number[],
    speed: raw.speed === 'max' ? null : Number(raw.speed),
    statusIntervalMs: Number(raw.statusIntervalMs),
    gatewaysPerHost: Number(raw.gatewaysPerHost),
    stallSeconds: Number(raw.stallSeconds),
    gateways: raw.gateways === 'uplink' ? 'uplink' : 'light',
    brokerQueue: Number(raw.brokerQueue),
    idleSeconds: Number(raw.idleSeconds),
    pullIntervalMs: raw.pullIntervalMs === undefined ? null : Number(raw.pullIntervalMs),
  };
}

interface Replica {
  name: string;
  running: Running;
  pid: number;
  httpUrl: string;
}

interface Host {
  child: ChildProcess;
  sent: { records: number; pulls: number; statuses: number };
}

/** The first replica migrates the schema alone; the others start once it is up. */
async function startReplicas(count: number, configFile: string, runId: string, undo: Undo) {
  const start = async (index: number): Promise<Replica> => {
    const name = `r${index + 1}`;
    const separator = pgUrl.includes('?') ? '&' : '?';
    const running = run(['cloud', '--config', configFile], {
      env: {
        SB_CLOUD_REPLICA_ID: `${name}-${runId}`,
        // Names the replica's PostgreSQL sessions, so their CPU is told apart.
        SB_CLOUD_STORE_URL: `${pgUrl}${separator}application_name=sb-day-${runId}-${name}`,
      },
    });
    undo.push(() => stopOrKill(name, running));
    const match = await running.waitFor(/HQ page (http:\/\/127\.0\.0\.1:\d+)\//, 120_000);
    return { name, running, pid: running.child.pid ?? 0, httpUrl: match[1] as string };
  };
  const first = await start(0);
  const others = await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1)));
  return [first, ...others];
}

/**
 * Stops a replica as an operator would (SIGINT), and kills it when it has not ended within
 * 30 s: once, after a day at 30 s pulls with three replicas, one never ended, its connection
 * to the broker still open.
 */
async function stopOrKill(name: string, running: Running) {
  const stopped = await Promise.race([
    running.stop().then(() => true),
    systemClock.sleep(30_000).then(() => false),
  ]);
  if (stopped) return;

  console.log(`[replica ${name}] still running 30 s after SIGINT: killed`);
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  if (running.child.exitCode === null) running.child.kill('SIGKILL');
  if (running.child.exitCode === null) await exited;
}

function forkHosts(branches: number, options: Options, job: Omit<HostJob, 'first' | 'count'>) {
  const hosts: Host[] = [];
  for (let first = 0; first < branches; first += options.gatewaysPerHost) {
    const count = Math.min(options.gatewaysPerHost, branches - first);
    const path = new URL('./day-gateways.ts', import.meta.url).pathname;
    const child = fork(path, ['--host', JSON.stringify({ ...job, first, count })], {
      execArgv: ['--import', 'tsx'],
    });
    const host: Host = { child, sent: { records: 0, pulls: 0, statuses: 0 } };
    child.on('message', (message: HostMessage) => {
      if (message.kind === 'sent') host.sent = message;
    });
    hosts.push(host);
  }
  return hosts;
}

const online = (host: Host) =>
  new Promise<void>((resolve, reject) => {
    host.child.once('exit', (code) => reject(new Error(`gateway host exited ${code}`)));
    host.child.on('message', (message: HostMessage) => {
      if (message.kind === 'online') resolve();
    });
  });

/**
 * Until every gateway's status is stored and its pull lease held, spread over the replicas.
 * Leases move once a pull round, so a long pull interval takes a few of them.
 */
async function settled(store: Store, branches: number, replicas: number, pullIntervalMs: number) {
  const share = Math.ceil(branches / replicas);
  const attempts = Math.max(300, Math.ceil((10 * pullIntervalMs) / 500));
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const leases = await sql<{ owner: string; held: number }>`
      select owner, count(*)::int as held from pull_leases group by owner`.execute(store.db);
    const statuses = await sql<{ n: number }>`
      select count(*)::int as n from gateway_status`.execute(store.db);
    const held = leases.rows.reduce((sum, row) => sum + row.held, 0);
    const spread = leases.rows.length === replicas && leases.rows.every((row) => row.held <= share);
    if (held === branches && spread && statuses.rows[0]?.n === branches) return;

    await systemClock.sleep(500);
  }
  throw new Error('the gateways never all came online with their leases spread');
}

/** Records stored so far: every cursor stands on the last record stored of its stream. */
async function storedSoFar(store: Store): Promise<number> {
  const result = await sql<{ n: string | null }>`select sum(seq) as n from cursors`.execute(
    store.db,
  );
  return Number(result.rows[0]?.n ?? 0);
}

const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** Every record stored once: the records' count, and the tickets issued in the rollups. */
async function checkStored(store: Store, branches: number) {
  const day = recordsADay(opensAt);
  const count = await sql<{ n: number }>`select count(*)::int as n from records`.execute(store.db);
  const issued = await sql<{ n: number | null }>`
    select sum(value)::int as n from insights_hourly where metric = 'tickets.issued'`.execute(
    store.db,
  );
  const stored = count.rows[0]?.n ?? 0;
  const ticketsIssued = issued.rows[0]?.n ?? 0;
  return {
    expected: day.total * branches,
    stored,
    ticketsIssuedExpected: day.ticketsIssued * branches,
    ticketsIssued,
    exactlyOnce: stored === day.total * branches && ticketsIssued === day.ticketsIssued * branches,
  };
}

interface RunParts {
  store: Store;
  drops: Awaited<ReturnType<typeof brokerDrops>>;
  replicas: Replica[];
  hosts: Host[];
  mosquitto: PrivateMosquitto;
  runId: string;
}

/**
 * What the fleet costs with nothing to store, in cores: each gateway's status every 5 s and a
 * pull of each of its streams every 2 s, answered empty. A real day has 24 hours of this
 * besides its records; the compressed day only its few minutes.
 */
async function idleCores(parts: RunParts, seconds: number): Promise<DayFigures['idleCores']> {
  if (seconds <= 0) return null;

  const pids = [...parts.replicas.map((replica) => replica.pid), parts.mosquitto.pid];
  const before = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
  const postgres = postgresMeter(parts.store.db, parts.runId);
  await postgres.sample(true);
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    await systemClock.sleep(1000);
    await postgres.sample();
  }
  const span = (Date.now() - started) / 1000;
  const cores = (pid: number) => round((cpuSeconds(pid) - (before.get(pid) ?? 0)) / span, 3);
  const postgresSeconds = [...postgres.byReplica().values()].reduce((a, b) => a + b, 0);
  return {
    replicas: parts.replicas.map((replica) => cores(replica.pid)),
    postgres: round(postgresSeconds / span, 3),
    mosquitto: cores(parts.mosquitto.pid),
  };
}

/** Drains the day, printing a status line every 5 s; gives up when nothing moves for long. */
async function drain(parts: RunParts, label: string, total: number, options: Options) {
  const pids = [
    ...parts.replicas.map((replica) => replica.pid),
    ...parts.hosts.map((host) => host.child.pid ?? 0),
    parts.mosquitto.pid,
  ];
  const cpuAtGo = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
  const postgres = postgresMeter(parts.store.db, parts.runId);
  await postgres.sample(true);
  const loadAtGo = loadavg()[0] ?? 0;
  const goAt = Date.now();
  for (const host of parts.hosts) host.child.send({ kind: 'go' });

  // A pull that timed out is asked again a round later: a long interval stalls longer.
  const stallMs =
    Math.max(options.stallSeconds, 8 * ((options.pullIntervalMs ?? 2000) / 1000)) * 1000;
  let stored = 0;
  let movedAt = Date.now();
  let line: LineMark = { at: goAt, stored: 0, cpu: new Map(cpuAtGo) };
  while (stored < total) {
    await systemClock.sleep(1000);
    for (const replica of parts.replicas) {
      if (replica.running.child.exitCode !== null) {
        throw new Error(
          `replica ${replica.name} exited:\n${replica.running.output().slice(-3000)}`,
        );
      }
    }
    await postgres.sample();
    const now = await storedSoFar(parts.store);
    if (now > stored) movedAt = Date.now();
    stored = now;
    if (Date.now() - movedAt > stallMs) {
      throw new Error(`${label}: nothing stored for ${stallMs / 1000} s at ${stored}`);
    }
    if (Date.now() - line.at >= 5000 || stored >= total) {
      line = statusLine(parts, label, { total, stored, goAt, last: line });
    }
  }
  const seconds = (Date.now() - goAt) / 1000;
  // Taken now, before the figures are asked of the replicas, which costs them CPU too.
  const used = new Map(pids.map((pid) => [pid, cpuSeconds(pid) - (cpuAtGo.get(pid) ?? 0)]));
  const cpu = (pid: number) => round(used.get(pid) ?? 0);
  return { seconds, cpu, postgres: postgres.byReplica(), loadAtGo };
}

interface LineMark {
  at: number;
  stored: number;
  /** CPU seconds of each process at the last line. */
  cpu: Map<number, number>;
}

function statusLine(
  parts: RunParts,
  label: string,
  figures: { total: number; stored: number; goAt: number; last: LineMark },
): LineMark {
  const now = Date.now();
  const span = (now - figures.last.at) / 1000;
  const cpu = new Map(figures.last.cpu);
  const cores = (pid: number) => {
    const used = cpuSeconds(pid);
    cpu.set(pid, used);
    return ((used - (figures.last.cpu.get(pid) ?? used)) / span).toFixed(2);
  };
  const replicas = parts.replicas.map((replica) => cores(replica.pid)).join(' ');
  const hosts = parts.hosts.map((host) => cores(host.child.pid ?? 0)).join(' ');
  const sent = parts.hosts.reduce((sum, host) => sum + host.sent.records, 0);
  const rss = parts.replicas.map((replica) => memoryMb(replica.pid, 'VmRSS'));
  const rate = (figures.stored - figures.last.stored) / span;
  console.log(
    `[${label}] ${Math.round((now - figures.goAt) / 1000)} s: stored ` +
      `${thousands(figures.stored)} of ${thousands(figures.total)} ` +
      `(${Math.round((100 * figures.stored) / figures.total)} %, ${thousands(rate)}/s), ` +
      `sent ${thousands(sent)}, dropped by the broker ${thousands(parts.drops.latest())}; ` +
      `cores: replicas ${replicas}, gateways ${hosts}; ` +
      `replica RSS ${rss.join(' ')} MB; load ${(loadavg()[0] ?? 0).toFixed(1)}`,
  );
  return { at: now, stored: figures.stored, cpu };
}

/**
 * A pull interval other than the default, and a lease long enough for it: a replica renews its
 * heartbeat and leases once a pull round, so with the default `leaseTtlMs` (15 s) under a
 * longer interval the replicas count each other dead between rounds and never share out the
 * gateways (seen with 30 s: one replica kept all 1,000).
 */
function pullSettings(intervalMs: number) {
  return {
    pull: { intervalMs },
    replica: { leaseTtlMs: Math.max(15_000, 3 * intervalMs) },
  };
}

/** Undo steps of a run's set-up, run last first whatever happened. */
type Undo = Array<() => unknown>;

/** A fresh schema and broker, the replicas on them, the gateways connected. */
async function setUp(branches: number, replicaCount: number, options: Options, undo: Undo) {
  const runId = randomBytes(4).toString('hex');
  const schema = `sb_bench_day_${runId}`;
  const dir = tempDir('sb-bench-day-');
  undo.push(() => dir.remove());
  // $SYS figures every second, so the drop count is fresh when the day is stored.
  // Mosquitto's own default queue unless told: the README's 100,000 is measured beside it.
  const settings = ['sys_interval 1', `max_queued_messages ${options.brokerQueue}`];
  const mosquitto = await privateMosquitto(await freePort(), dir.path, settings);
  undo.push(() => mosquitto.kill());
  const store = await openStore({ url: pgUrl, schema }, context);
  undo.push(async () => {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(store.db);
    await store.close();
  });
  const gateways = Array.from({ length: branches }, (_, index) => ({
    id: dayGatewayId(index),
    branch: dayBranchId(index),
  }));
  await enrolForBench(store.db, gateways, Date.now());

  const configFile = join(dir.path, 'cloud.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      store: { url: pgUrl, schema },
      broker: { url: mosquitto.url, shareGroup: 'sb-day' },
      admin: { password: adminPassword },
      ...(options.pullIntervalMs === null ? {} : pullSettings(options.pullIntervalMs)),
    }),
  );
  const replicas = await startReplicas(replicaCount, configFile, runId, undo);
  const drops = await brokerDrops(mosquitto.url);
  undo.push(() => drops.close());
  const hosts = forkHosts(branches, options, {
    folder: dir.path,
    cloudUrl: replicas[0]?.httpUrl ?? '',
    brokerUrl: mosquitto.url,
    statusIntervalMs: options.statusIntervalMs,
    opensAt,
    speed: options.speed,
    kind: options.gateways,
  });
  undo.push(() => {
    for (const host of hosts) host.child.kill();
  });
  await Promise.all(hosts.map(online));
  await settled(store, branches, replicaCount, options.pullIntervalMs ?? 2000);
  return { store, drops, replicas, hosts, mosquitto, runId };
}

/** One run: set up, open the day, wait until it is stored, take the figures, clean up. */
async function runDay(branches: number, replicaCount: number, options: Options) {
  const label = `${branches} branches, ${replicaCount} replica${replicaCount === 1 ? '' : 's'}`;
  const setupStarted = Date.now();
  const undo: Undo = [];
  try {
    const parts = await setUp(branches, replicaCount, options, undo);
    const setupSeconds = (Date.now() - setupStarted) / 1000;
    console.log(`[${label}] set up in ${Math.round(setupSeconds)} s`);
    const idle = await idleCores(parts, options.idleSeconds);
    if (idle) console.log(`[${label}] at rest, cores: ${JSON.stringify(idle)}; the day opens`);

    const total = recordsADay(opensAt).total * branches;
    const drained = await drain(parts, label, total, options);
    return await figuresOf(parts, { branches, total, setupSeconds, idle, ...drained });
  } finally {
    for (const step of undo.reverse()) await step();
  }
}

async function figuresOf(
  parts: RunParts,
  run: {
    branches: number;
    total: number;
    setupSeconds: number;
    idle: DayFigures['idleCores'];
    seconds: number;
    cpu: (pid: number) => number;
    postgres: Map<string, number>;
    loadAtGo: number;
  },
): Promise<DayFigures> {
  // Waits out the broker's next figure, and the gateways' last report of what they sent.
  const droppedByBroker = await parts.drops.final();
  const perReplica = [];
  for (const replica of parts.replicas) {
    perReplica.push({
      name: replica.name,
      cpuSeconds: run.cpu(replica.pid),
      peakRssMb: memoryMb(replica.pid, 'VmHWM'),
      postgresCpuSeconds: round(run.postgres.get(replica.name) ?? 0),
      ...(await replicaFigures(replica.httpUrl)),
    });
  }
  const checks = await checkStored(parts.store, run.branches);
  return {
    branches: run.branches,
    replicas: parts.replicas.length,
    records: run.total,
    setupSeconds: Math.round(run.setupSeconds),
    idleCores: run.idle,
    seconds: round(run.seconds, 1),
    recordsPerSecond: Math.round(run.total / run.seconds),
    perReplica,
    gatewaysCpuSeconds: round(
      parts.hosts.reduce((sum, host) => sum + run.cpu(host.child.pid ?? 0), 0),
    ),
    gatewaysPeakRssMb: parts.hosts.reduce(
      (sum, host) => sum + memoryMb(host.child.pid ?? 0, 'VmHWM'),
      0,
    ),
    mosquittoCpuSeconds: run.cpu(parts.mosquitto.pid),
    mosquittoPeakRssMb: memoryMb(parts.mosquitto.pid, 'VmHWM'),
    statusesSent: parts.hosts.reduce((sum, host) => sum + host.sent.statuses, 0),
    recordsSent: parts.hosts.reduce((sum, host) => sum + host.sent.records, 0),
    droppedByBroker,
    checks,
    loadAverage: [round(run.loadAtGo, 1), round(loadavg()[0] ?? 0, 1)],
  };
}

async function main() {
  const options = parseOptions(process.argv);
  const speed = options.speed === null ? 'the whole day at once' : `${options.speed}× real time`;
  console.log(
    `a simulated day: ${options.sizes.join(', ')} branches × ${options.replicas.join(' vs ')} ` +
      `replicas, ${speed}; ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
      `${process.version}, load ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
  );
  const results: DayFigures[] = [];
  for (const branches of options.sizes) {
    for (const replicas of options.replicas) {
      try {
        const figures = await runDay(branches, replicas, options);
        console.log(JSON.stringify(figures));
        results.push(figures);
      } catch (err) {
        console.log(`[${branches} × ${replicas}] failed: ${(err as Error).message}`);
      }
    }
  }
  printTable(results);
}

await main();
process.exit(0);
