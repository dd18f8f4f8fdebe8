/**
 * Fleet benchmark: N fleet-mode gateways with their customers against an embedded cloud, on
 * one paced clock at 60×, for a fixed real time; how far the clock fell behind, the clock time
 * it really covered, CPU per branch and clock minute, memory, and the machine's load.
 * Run: `node --import tsx bench/fleet.ts [branches...]` (default 10 50 100), one JSON line each;
 * FLEET_BENCH_SECONDS sets the real seconds per size (default 60).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, startCloud } from '../cloud/index.ts';
import { createRegistry, pacedClock, parseConfig, silentLogger } from '../core/index.ts';
import {
  fleetCloudBranches,
  fleetCloudSettings,
  fleetGateways,
  startFleet,
} from '../simulator/index.ts';

const speed = 60;
const seconds = Number(process.env.FLEET_BENCH_SECONDS ?? 60);

async function measure(branches: number) {
  const root = mkdtempSync(join(tmpdir(), 'sb-bench-fleet-'));
  const context = {
    clock: pacedClock({ speed, held: true }),
    log: silentLogger(),
    registry: createRegistry({ process: 'bench' }),
  };
  const cloud = await startCloud(
    parseConfig(
      'bench cloud',
      {
        http: { port: 0 },
        broker: { port: 0 },
        store: { url: `sqlite:${join(root, 'cloud.db')}` },
        admin: { username: 'admin', password: 'bench-admin-pw' },
        ...fleetCloudSettings(speed),
        branches: fleetCloudBranches(branches),
      },
      CloudConfig,
    ),
    context,
  );
  const startedAt = Date.now();
  const gateways = fleetGateways({ root, seed: 1, cloud, speed }, context);
  const fleet = await startFleet({ branches, startBranch: gateways.startBranch }, context);
  const startSeconds = (Date.now() - startedAt) / 1000;

  const clockBefore = context.clock.now();
  const loadBefore = loadavg()[0];
  const cpuBefore = process.cpuUsage();
  const wallBefore = Date.now();
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 1000);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  clearInterval(rssTimer);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = Date.now() - wallBefore;

  const result = {
    branches,
    speed,
    realSeconds: seconds,
    startSeconds,
    // What the clock really moved, not real time × speed: a fleet that falls behind shows.
    clockMinutes: Math.round((context.clock.now() - clockBefore) / 60_000),
    lag: fleet.lag(),
    cpuCores: (cpu.user + cpu.system) / 1000 / wallMs,
    cpuMsPerBranchClockMinute:
      (cpu.user + cpu.system) / 1000 / branches / ((context.clock.now() - clockBefore) / 60_000),
    loadAverage1m: [loadBefore ?? 0, loadavg()[0] ?? 0].map((load) => Math.round(load * 10) / 10),
    peakRssMb: Math.round(peakRss / 1e6),
    totals: fleet.totals(),
  };
  await fleet.stop();
  await cloud.stop();
  rmSync(root, { recursive: true, force: true });
  return result;
}

// One JSON line per size as it finishes, so a large size that runs out of time keeps the smaller.
const sizes = process.argv.slice(2).map(Number);
const cores = cpus().length;
for (const branches of sizes.length ? sizes : [10, 50, 100]) {
  console.log(JSON.stringify({ cores, ...(await measure(branches)) }));
}
