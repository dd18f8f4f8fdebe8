import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Cloud, CloudConfig, startCloud } from '../cloud/index.ts';
import {
  loadConfigFile,
  type ModuleContext,
  type PacedClock,
  pacedClock,
  parseConfig,
  randomSecret,
} from '../core/index.ts';
import type { Gateway } from '../edge/runtime.ts';
import { Stream } from '../protocol/index.ts';
import {
  type Fleet,
  fleetCloudBranches,
  fleetCloudSettings,
  fleetGateways,
  startFleet,
} from '../simulator/index.ts';
import { exitOnConfigError, processContext, untilSignal } from './process.ts';
import type { SimulateOptions } from './serve.ts';

/** `simulate --branches N`: a cloud, N fleet-mode gateways and their customers, one clock. */
export async function runFleetCommand(options: SimulateOptions): Promise<void> {
  const branches = Number(options.branches);
  const speed = Number(options.speed);
  const seed = Number(options.seed);
  if (!Number.isInteger(branches) || branches < 1 || !(speed > 0) || !Number.isInteger(seed)) {
    console.error(
      'smartbranch: --branches must be a whole number above 0, --speed above 0, ' +
        '--seed a whole number',
    );
    process.exit(2);
  }

  const root = resolve(options.dataDir);
  const logFile = join(root, 'logs', 'fleet.log');
  // Held until every branch is up: all branches open at the same clock instant.
  const clock = pacedClock({ speed, held: true });
  const context = { ...processContext('fleet', logFile), clock };
  const cloud = await startCloud(cloudConfig(options, root, branches, speed), context);
  const gateways = fleetGateways({ root, seed, cloud, speed }, context);
  const fleet = await startFleet({ branches, startBranch: gateways.startBranch }, context);
  const startedAt = { real: Date.now(), clock: context.clock.now() };
  console.log(
    `fleet of ${branches} branches at ${speed}x, seed ${seed}; HQ ${cloud.httpUrl}/ ` +
      `(log ${logFile})`,
  );

  const status = setInterval(
    () => console.log(fleetStatus(fleet, context, startedAt)),
    Number(options.statusEvery) * 1000,
  );
  const finish = async () => {
    clearInterval(status);
    await finishFleet({ fleet, cloud, gateways: gateways.gateways(), options, context, startedAt });
  };

  if (options.duration === undefined) return untilSignal(context.log, finish);

  // The doors close at a clock instant, not a real one, so a seed gives the same day however
  // fast the machine is; the customers inside are then served before the totals are read.
  const done = closeAt(clock, fleet, Number(options.duration) * 1000 * speed).then(finish);
  await Promise.race([done, untilSignal(context.log, finish)]);
}

function closeAt(clock: PacedClock, fleet: Fleet, afterClockMs: number): Promise<void> {
  return new Promise((resolveClosed) =>
    clock.after(afterClockMs, () => {
      fleet.stopArrivals();
      resolveClosed();
    }),
  );
}

/** The cloud of the file given, with the fleet's branches added; else SQLite in the folder. */
function cloudConfig(
  options: SimulateOptions,
  root: string,
  branches: number,
  speed: number,
): CloudConfig {
  const fleetBranches = fleetCloudBranches(branches);
  try {
    if (!options.cloudConfig) {
      return parseConfig(
        'embedded fleet cloud',
        {
          http: { port: 0 },
          broker: { port: 0 },
          store: { url: `sqlite:${join(root, 'cloud.db')}` },
          admin: { username: 'admin', password: randomSecret(12) },
          branches: fleetBranches,
          ...fleetCloudSettings(speed),
        },
        CloudConfig,
      );
    }
    const config = loadConfigFile(options.cloudConfig, CloudConfig);
    const known = new Set(config.branches.map((branch) => branch.id));
    const missing = fleetBranches.filter((branch) => !known.has(branch.id));
    return { ...config, branches: [...config.branches, ...missing] };
  } catch (err) {
    return exitOnConfigError(err);
  }
}

interface Started {
  real: number;
  clock: number;
}

function fleetStatus(fleet: Fleet, context: ModuleContext, startedAt: Started): string {
  const totals = fleet.totals();
  const seconds = Math.round((Date.now() - startedAt.real) / 1000);
  const minutes = Math.round((context.clock.now() - startedAt.clock) / 60_000);
  const lag = fleet.lag();
  return (
    `[${seconds}s] clock +${minutes} min · arrived ${totals.customersArrived}, ` +
    `issued ${totals.ticketsIssued}, served ${totals.ticketsServed}, inside ` +
    `${fleet.inBranches()} · clock ${(lag.share * 100).toFixed(2)}% behind ` +
    `(${(lag.behindMs / 1000).toFixed(1)} s) · errors ${totals.errors}`
  );
}

interface Finish {
  fleet: Fleet;
  cloud: Cloud;
  gateways: Gateway[];
  options: SimulateOptions;
  context: ModuleContext;
  startedAt: Started;
}

/**
 * Lets the customers inside finish, closes the open minutes, waits for the cloud to confirm
 * them, then stops and reports.
 */
async function finishFleet(run: Finish) {
  run.fleet.stopArrivals();
  // The lag of the day as played, before the quiet end lets the clock catch up.
  const lag = run.fleet.lag();
  const served = await waitForCustomers(run.fleet, 120_000);
  for (const gateway of run.gateways) await gateway.flush();
  // A loaded box pulls slowly; the cloud is given two minutes before the run says it failed.
  const drained = await waitForFleetDrain(run.cloud, run.gateways, 120_000);
  const summary = {
    branches: run.gateways.length,
    speed: Number(run.options.speed),
    seed: Number(run.options.seed),
    realSeconds: Math.round((Date.now() - run.startedAt.real) / 1000),
    clockMinutes: Math.round((run.context.clock.now() - run.startedAt.clock) / 60_000),
    totals: run.fleet.totals(),
    lag,
    everyCustomerServed: served,
    drained,
    memoryMb: Math.round(process.memoryUsage().rss / 1e6),
  };
  await run.fleet.stop();
  await run.cloud.stop();

  if (run.options.summary) {
    writeFileSync(run.options.summary, `${JSON.stringify(summary, null, 2)}\n`);
  }
  console.log(
    `fleet stopped: ${JSON.stringify(summary.totals)}; clock ` +
      `${(lag.share * 100).toFixed(2)}% behind real time; every customer served: ${served}; ` +
      `every record at the cloud: ${drained}`,
  );
  process.exitCode = drained && served ? 0 : 1;
}

/** Whether every customer inside left, served, before the real time ran out. */
async function waitForCustomers(fleet: Fleet, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (fleet.inBranches() > 0 && Date.now() < deadline) {
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  await fleet.settled();
  return fleet.inBranches() === 0;
}

/** Whether the cloud confirmed every record of every gateway before the real time ran out. */
export async function waitForFleetDrain(cloud: Cloud, gateways: Gateway[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let nextLine = Date.now() + 5000;
  let behind: string[] = [];
  while (Date.now() < deadline) {
    behind = await recordsBehind(cloud, gateways);
    if (behind.length === 0) return true;

    if (Date.now() >= nextLine) {
      console.log(`waiting for the cloud to take ${behind.length} streams' last records`);
      nextLine += 5000;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  console.log(`not at the cloud in time: ${behind.slice(0, 10).join(', ')}`);
  return false;
}

/** `gateway stream: cursor/last` for each stream whose last record the cloud has not taken. */
async function recordsBehind(cloud: Cloud, gateways: Gateway[]): Promise<string[]> {
  const { streams } = await cloud.stats();
  const cursors = new Map(
    streams.map((entry) => [`${entry.gateway} ${entry.stream}`, entry.cursor]),
  );
  return gateways.flatMap((gateway) =>
    Stream.options.flatMap((stream) => {
      const name = `${gateway.stats().gateway} ${stream}`;
      const cursor = cursors.get(name) ?? 0;
      const last = gateway.outbox.position(stream).lastSeq;
      return cursor >= last ? [] : [`${name}: ${cursor}/${last}`];
    }),
  );
}
