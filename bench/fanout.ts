// Campaign fan-out to N fleet-mode gateways in one process, embedded aedes cloud broker vs a
// private Mosquitto, side by side: from the publish call until HQ's rollout shows every
// branch applied. Each gateway is the simulator's fleet-mode gateway (edge/fleet-runtime.ts:
// its own SQLite file, aedes bus, sensing on a synthetic camera, queue, screens scheduler and
// uplink), enrolled with its one-time token; it verifies the Ed25519 signature, fetches the
// image over HTTP with its sha256 checked, applies it through its screens module and reports.
// Run: node --import tsx bench/fanout.ts [gateways ...] [--brokers embedded,mosquitto]
// (default 1000, both brokers). Each size and broker runs in a child process of its own, with
// progress lines; the parent prints one JSON line per run and a table with the ratios.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { startCloud } from '../cloud/index.ts';
import { createLogger, createRegistry, systemClock } from '../core/index.ts';
import type { Gateway } from '../edge/runtime.ts';
import { fleetCloudBranches, fleetGateways } from '../simulator/index.ts';
import { tempDir } from '../tests/support/context.ts';
import { privateMosquitto } from '../tests/support/mosquitto.ts';
import { freePort } from '../tests/support/services.ts';
import { cpuSeconds, memoryMb } from './proc.ts';

type BrokerKind = 'embedded' | 'mosquitto';

interface Figures {
  gateways: number;
  broker: BrokerKind;
  hostProcesses: number;
  setupSeconds: number;
  publishCallMs: number;
  appliedP50Ms: number;
  appliedP95Ms: number;
  appliedP99Ms: number;
  /** Null when some branch never reported applied within `settleLimitMs`. */
  allAppliedMs: number | null;
  /** Branches not applied, by state and reason: none in a good run. */
  notApplied: Record<string, number>;
  /** Cores the fleet used in the 10 s before publish, with nothing to fan out. */
  backgroundCores: { cloud: number; gatewayHosts: number };
  cpuSecondsDuringFanout: { cloud: number; gatewayHosts: number; mosquitto: number | null };
  peakRssMb: { cloud: number; gatewayHosts: number; mosquitto: number | null };
  /** Connections Linux dropped at a full accept queue during the fan-out, machine-wide. */
  listenOverflows: number;
  loadAverage: number[];
}

/** Gateways started at once in each host process: each start opens files and a bus port. */
const startBatch = 20;
/**
 * Gateways per host process: a fleet-mode gateway holds about seven file descriptors (its
 * SQLite file, WAL and shared memory, its bus's listening socket, its uplink's connection and
 * the broker's end of it), and a process may open 20,000 on this box.
 */
const gatewaysPerHost = 1250;
const password = 'bench password 1';
/** A fan-out still short of every branch this long after publish is reported as it stands. */
const settleLimitMs = 180_000;
const idleWindowMs = 10_000;
/**
 * A fleet not all online this long after the cloud started is reported as it stands and the
 * run stopped (FANOUT_START_LIMIT_S, default 1,800 s): where a broker stops is a figure too.
 */
const startLimitMs = Number(process.env.FANOUT_START_LIMIT_S ?? 1800) * 1000;

type HostMessage =
  | { kind: 'token'; id: number; branch: string }
  | { kind: 'started'; count: number }
  | { kind: 'connected'; count: number }
  | { kind: 'online' };

/** Warnings and errors only, kept beside the run's figures: a failed rollout says why there. */
function benchContext(name: string) {
  const logFile = join(process.env.FANOUT_LOG_DIR ?? tmpdir(), `sb-fanout-${name}.log`);
  const log = createLogger({ level: 'warn', destination: pino.destination(logFile) });
  return { clock: systemClock, log, registry: createRegistry({}) };
}

/**
 * A host process: fleet-mode gateways `first` to `first + count - 1`, enrolled with tokens
 * the cloud's process hands over, started in batches; exits when told.
 */
async function host(job: { first: number; count: number; root: string; name: string }) {
  const cloudUrls = JSON.parse(process.env.FANOUT_CLOUD ?? '{}') as {
    httpUrl: string;
    brokerUrl: string;
  };
  const context = benchContext(job.name);
  // The runner that forked this host is gone (it failed): nobody will read these gateways.
  process.once('disconnect', () => process.exit(0));
  const send = (message: HostMessage) => process.send?.(message);
  const tokens = new Map<number, (token: string) => void>();
  let nextToken = 0;
  process.on('message', (message: { kind: string; id?: number; token?: string }) => {
    if (message.kind === 'token') tokens.get(message.id ?? -1)?.(message.token ?? '');
  });
  const cloud = {
    ...cloudUrls,
    createEnrolmentToken: (branch: string) =>
      new Promise<string>((resolve) => {
        const id = nextToken++;
        tokens.set(id, resolve);
        send({ kind: 'token', id, branch });
      }),
  };
  const fleet = fleetGateways({ root: job.root, seed: 1, cloud, speed: 1 }, context);
  for (let offset = 0; offset < job.count; offset += startBatch) {
    const size = Math.min(startBatch, job.count - offset);
    const indexes = Array.from({ length: size }, (_, k) => job.first + offset + k);
    await Promise.all(indexes.map((i) => fleet.startBranch(i)));
    send({ kind: 'started', count: offset + size });
  }
  const online = (gateway: Gateway) => gateway.stats().uplink.state === 'online';
  // The fleet lists its gateways by global index: this host's come after the others' holes.
  const mine = fleet.gateways().filter((gateway): gateway is Gateway => gateway !== undefined);
  let lastCount = 0;
  while (mine.some((gateway) => !online(gateway))) {
    await systemClock.sleep(200);
    if (Date.now() - lastCount < 10_000) continue;

    lastCount = Date.now();
    send({ kind: 'connected', count: mine.filter(online).length });
  }
  send({ kind: 'online' });

  // The figures are taken by then and the folder is thrown away: no need to stop each one.
  await new Promise((resolve) => process.once('message', resolve));
  process.exit(0);
}

/**
 * One run: the cloud (and its embedded broker, or a private Mosquitto) in this process, the
 * N fleet-mode gateways in host processes of at most `gatewaysPerHost`.
 */
async function runOne(count: number, kind: BrokerKind): Promise<Figures | null> {
  const name = `${kind}-${count}`;
  const context = benchContext(`${name}-cloud`);
  const dir = tempDir('sb-bench-fanout-');
  const mosquitto =
    kind === 'mosquitto' ? await privateMosquitto(await freePort(), dir.path) : null;
  // Its process ends with the run: the broker and the folder go then, failed or not, and the
  // hosts leave on their own.
  process.once('exit', () => {
    if (mosquitto?.pid) process.kill(mosquitto.pid, 'SIGKILL');
    dir.remove();
  });
  const progress = (text: string) => console.log(`[${kind} ${count}] ${text}`);
  const setupStarted = performance.now();
  const elapsed = () => `${((performance.now() - setupStarted) / 1000).toFixed(0)} s`;

  const cloud = await startCloud(
    {
      store: { url: `sqlite:${dir.path}/cloud.db` },
      admin: { password },
      // Pulls are not what is measured: one round a day keeps them out of the fan-out (a
      // round every ten minutes landed in a run's publish window after a 20-minute start).
      pull: { intervalMs: 86_400_000 },
      broker: mosquitto ? { url: mosquitto.url } : {},
      branches: fleetCloudBranches(count),
    },
    context,
  );
  const hosts = Array.from({ length: Math.ceil(count / gatewaysPerHost) }, (_, index) => {
    const first = index * gatewaysPerHost;
    const job = {
      first,
      count: Math.min(gatewaysPerHost, count - first),
      root: dir.path,
      name: `${name}-host${index}`,
    };
    return fork(new URL(import.meta.url).pathname, ['--host', JSON.stringify(job)], {
      execArgv: ['--max-old-space-size=8192', '--import', 'tsx'],
      env: {
        ...process.env,
        FANOUT_CLOUD: JSON.stringify({ httpUrl: cloud.httpUrl, brokerUrl: cloud.brokerUrl }),
      },
    });
  });
  const started = hosts.map(() => 0);
  const connected = hosts.map(() => 0);
  let lastStartedLine = 0;
  let lastConnectedLine = 0;
  const online = hosts.map(
    (child, index) =>
      new Promise<void>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`gateway host ${index} exited ${code}`)));
        child.on('message', (message: HostMessage) => {
          if (message.kind === 'token') {
            void cloud.createEnrolmentToken(message.branch).then((token) => {
              child.send({ kind: 'token', id: message.id, token });
            });
          } else if (message.kind === 'started') {
            started[index] = message.count;
            const total = started.reduce((sum, n) => sum + n, 0);
            if (total - lastStartedLine >= 250 || total === count) {
              lastStartedLine = total;
              progress(
                `${total} gateways started, ${elapsed()}, RSS ${rssGiB(hosts)} GiB, load ${load()}`,
              );
            }
          } else if (message.kind === 'connected') {
            connected[index] = message.count;
            if (performance.now() - lastConnectedLine < 30_000) return;

            lastConnectedLine = performance.now();
            progress(`${sum(connected)} of ${count} online, ${elapsed()}, load ${load()}`);
          } else if (message.kind === 'online') {
            connected[index] = Math.min(gatewaysPerHost, count - index * gatewaysPerHost);
            resolve();
          }
        });
      }),
  );
  const allOnline = Promise.all(online);
  allOnline.catch(() => {});
  const limit = systemClock.sleep(startLimitMs).then(() => 'limit' as const);
  if ((await Promise.race([allOnline, limit])) === 'limit') {
    progress(`start-up limit: ${sum(connected)} of ${count} online after ${elapsed()}`);
    for (const child of hosts) child.kill('SIGKILL');
    await cloud.stop();
    return null;
  }
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  progress(`all ${count} online after ${elapsed()}`);

  const api = await hqApi(cloud.httpUrl);
  const picture = Buffer.concat([Buffer.from('\x89PNG'), Buffer.alloc(64 * 1024, 7)]);
  const asset = (await api.post('/api/assets', picture, 'image/png')) as { sha256: string };
  await api.post('/api/campaigns', {
    id: 'fanout',
    name: 'Fan-out',
    objective: 'branch-visits',
    items: [{ id: 'fanout-pic', type: 'image', asset: asset.sha256 }],
    branches: { tags: ['fleet'] },
  });

  const pids = { hosts: hosts.map((child) => child.pid ?? 0), mosquitto: mosquitto?.pid ?? 0 };
  // What the fleet costs with nothing to fan out (statuses, sensing, queue refreshes), so the
  // fan-out's own CPU can be told apart from the background's.
  const idleCpu = (() => {
    const cloud = process.cpuUsage();
    const gatewayHosts = sum(pids.hosts.map(cpuSeconds));
    return () => ({
      cloud: (process.cpuUsage(cloud).user + process.cpuUsage(cloud).system) / 1e6,
      gatewayHosts: sum(pids.hosts.map(cpuSeconds)) - gatewayHosts,
    });
  })();
  await systemClock.sleep(idleWindowMs);
  const idle = idleCpu();
  const backgroundCores = {
    cloud: +(idle.cloud / (idleWindowMs / 1000)).toFixed(3),
    gatewayHosts: +(idle.gatewayHosts / (idleWindowMs / 1000)).toFixed(3),
  };
  progress(`background before publish: ${JSON.stringify(backgroundCores)} cores`);
  const cpuBefore = process.cpuUsage();
  const hostsCpuBefore = sum(pids.hosts.map(cpuSeconds));
  const mosquittoCpuBefore = mosquitto ? cpuSeconds(pids.mosquitto) : 0;
  const overflowsBefore = listenOverflows();
  const publishedAt = Date.now();
  const published = performance.now();
  await api.post('/api/campaigns/fanout/publish', {});
  const publishCallMs = performance.now() - published;
  let rollout = await api.rollout();
  let lastLine = performance.now();
  const settled = () => (rollout.counts.applied ?? 0) + (rollout.counts.failed ?? 0) >= count;
  const givenUpAt = published + settleLimitMs;
  while (!settled() && performance.now() < givenUpAt) {
    // Each poll reads every branch's row: once a second keeps HQ's own load out of the figure.
    await systemClock.sleep(1000);
    rollout = await api.rollout();
    if (performance.now() - lastLine > 2000) {
      lastLine = performance.now();
      const seconds = ((lastLine - published) / 1000).toFixed(1);
      progress(`${seconds} s after publish: ${JSON.stringify(rollout.counts)}`);
    }
  }
  const cloudCpu = process.cpuUsage(cpuBefore);
  const hostsCpu = sum(pids.hosts.map(cpuSeconds)) - hostsCpuBefore;
  const mosquittoCpu = mosquitto ? cpuSeconds(pids.mosquitto) - mosquittoCpuBefore : null;

  // Each branch's time is when HQ stored its applied report, on HQ's own clock.
  const latencies = rollout.branches
    .filter((branch) => branch.state === 'applied')
    .map((branch) => branch.updatedAt - publishedAt)
    .sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0;
  const figures: Figures = {
    gateways: count,
    broker: kind,
    hostProcesses: hosts.length,
    setupSeconds: Math.round(setupSeconds),
    publishCallMs: Math.round(publishCallMs),
    appliedP50Ms: quantile(0.5),
    appliedP95Ms: quantile(0.95),
    appliedP99Ms: quantile(0.99),
    allAppliedMs: latencies.length === count ? quantile(1) : null,
    notApplied: notApplied(rollout),
    backgroundCores,
    cpuSecondsDuringFanout: {
      cloud: +((cloudCpu.user + cloudCpu.system) / 1e6).toFixed(2),
      gatewayHosts: +hostsCpu.toFixed(2),
      mosquitto: mosquittoCpu === null ? null : +mosquittoCpu.toFixed(2),
    },
    peakRssMb: {
      cloud: peakRssMb(process.pid),
      gatewayHosts: sum(pids.hosts.map(peakRssMb)),
      mosquitto: mosquitto ? peakRssMb(pids.mosquitto) : null,
    },
    listenOverflows: listenOverflows() - overflowsBefore,
    loadAverage: loadavg().map((load) => +load.toFixed(1)),
  };

  console.log(JSON.stringify(figures));
  progress('stopping');
  await Promise.all(
    hosts.map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.send({ kind: 'stop' });
        }),
    ),
  );
  await cloud.stop();
  return figures;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

function rssGiB(hosts: ChildProcess[]) {
  const bytes = sum(hosts.map((child) => memoryMb(child.pid ?? 0, 'VmRSS')));
  return ((bytes + process.memoryUsage().rss / 2 ** 20) / 1024).toFixed(2);
}

/** A process's peak resident memory (VmHWM), in MB. */
const peakRssMb = (pid: number) => memoryMb(pid, 'VmHWM');

interface Rollout {
  counts: Record<string, number>;
  branches: Array<{ branch: string; state: string; reason: string | null; updatedAt: number }>;
}

function notApplied(rollout: Rollout): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const branch of rollout.branches) {
    if (branch.state === 'applied') continue;
    const key = branch.reason ? `${branch.state}: ${branch.reason}` : branch.state;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** HQ's API as a marketer's browser uses it: a login cookie, JSON bodies. */
async function hqApi(httpUrl: string) {
  const login = await fetch(`${httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${httpUrl}${path}`, {
      ...init,
      headers: { cookie, ...(init.headers as Record<string, string>) },
    });
    const body = (await response.json()) as unknown;
    if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  };
  return {
    post: (path: string, body: unknown, type = 'application/json') =>
      call(path, {
        method: 'POST',
        headers: { 'content-type': type },
        body: Buffer.isBuffer(body) ? new Blob([new Uint8Array(body)]) : JSON.stringify(body),
      }),
    rollout: () => sentAgain(() => call('/api/campaigns/fanout/rollout') as Promise<Rollout>),
  };
}

/**
 * Sends a read again when its connection was reset: the cloud shares this process's event
 * loop, and when a fan-out keeps the loop busy past the server's keep-alive timeout, the
 * server closes an idle connection just as the next poll goes out on it.
 */
async function sentAgain<T>(request: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      // fetch fails with a TypeError only when no answer came.
      if (attempt >= tries || !(err instanceof TypeError)) throw err;
    }
  }
}

/** TcpExt ListenOverflows from /proc/net/netstat: a header line of names, then values. */
function listenOverflows(): number {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const names = lines.find((line) => line.startsWith('TcpExt:'))?.split(' ') ?? [];
  const values = lines.filter((line) => line.startsWith('TcpExt:'))[1]?.split(' ') ?? [];
  return Number(values[names.indexOf('ListenOverflows')] ?? 0);
}

/** Runs each size and broker in a child process, then prints the side-by-side table. */
async function main() {
  const args = process.argv.slice(2);
  const brokersFlag = args.indexOf('--brokers');
  const brokers = (brokersFlag >= 0 ? (args[brokersFlag + 1] ?? '') : 'embedded,mosquitto')
    .split(',')
    .filter((name): name is BrokerKind => name === 'embedded' || name === 'mosquitto');
  const sizes = args.filter(
    (arg, index) => /^\d+$/.test(arg) && (brokersFlag < 0 || index !== brokersFlag + 1),
  );
  const results: Figures[] = [];
  console.log(
    `fan-out: ${sizes.join(', ') || 1000} gateways × ${brokers.join(' vs ')}; ` +
      `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.version}, ` +
      `load ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
  );
  for (const size of sizes.length ? sizes.map(Number) : [1000]) {
    for (const broker of brokers) {
      const figures = await child(size, broker);
      if (figures) results.push(figures);
    }
  }

  console.log('\ngateways  broker     setup s  publish ms  p50 ms  p99 ms  all ms  peak RSS MB');
  for (const figures of results) {
    console.log(
      [
        String(figures.gateways).padStart(8),
        figures.broker.padEnd(9),
        String(figures.setupSeconds).padStart(8),
        String(figures.publishCallMs).padStart(10),
        String(figures.appliedP50Ms).padStart(6),
        String(figures.appliedP99Ms).padStart(6),
        String(figures.allAppliedMs ?? 'never').padStart(6),
        String(sum(Object.values(figures.peakRssMb).map(Number))).padStart(11),
      ].join('  '),
    );
  }
  for (const size of new Set(results.map((figures) => figures.gateways))) {
    const pair = (kind: BrokerKind) =>
      results.find((figures) => figures.gateways === size && figures.broker === kind);
    const embedded = pair('embedded');
    const external = pair('mosquitto');
    if (embedded && external) {
      const ratio = (external.appliedP99Ms / embedded.appliedP99Ms).toFixed(2);
      console.log(`${size}: p99 Mosquitto ÷ embedded = ${ratio}`);
    }
  }
}

function child(size: number, broker: BrokerKind): Promise<Figures | null> {
  const heap = Math.max(4096, Math.ceil(size * 4));
  const runner = spawn(
    process.execPath,
    [
      `--max-old-space-size=${heap}`,
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      '--one',
      String(size),
      broker,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let figures: Figures | null = null;
  let pending = '';
  runner.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{')) figures = JSON.parse(line) as Figures;
      console.log(line);
    }
  });
  return new Promise((resolve) => {
    runner.once('exit', (code) => {
      if (code !== 0) console.log(`[${broker} ${size}] ended with code ${code}`);
      resolve(figures);
    });
  });
}

if (process.argv[2] === '--host') {
  await host(JSON.parse(process.argv[3] ?? '{}'));
} else if (process.argv[2] === '--one') {
  // A run stopped by hand ends through 'exit' too, which takes its broker and folder along.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));
  await runOne(Number(process.argv[3]), process.argv[4] as BrokerKind);
  process.exit(0);
} else {
  await main();
}
