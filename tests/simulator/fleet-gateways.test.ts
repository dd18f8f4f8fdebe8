import { afterEach, describe, expect, it } from 'vitest';
import { type Cloud, CloudConfig, startCloud } from '../../cloud/index.ts';
import { type ManualClock, pacedClock, parseConfig } from '../../core/index.ts';
import { startFleetGateway } from '../../edge/fleet-runtime.ts';
import type { Gateway } from '../../edge/runtime.ts';
import { Stream } from '../../protocol/index.ts';
import {
  type Fleet,
  fleetBranchId,
  fleetCloudBranches,
  fleetGatewayConfig,
  fleetGateways,
  type SimulatorStats,
  startFleet,
} from '../../simulator/index.ts';
import { manualClock, tempDir, testContext } from '../support/context.ts';

const folders: { remove: () => void }[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) folder.remove();
});

function embeddedCloud(root: string, branches: number, clock: ManualClock) {
  return startCloud(
    parseConfig(
      'fleet test cloud',
      {
        http: { port: 0 },
        broker: { port: 0 },
        store: { url: `sqlite:${root}/cloud.db` },
        admin: { username: 'admin', password: 'fleet-admin-pw' },
        branches: fleetCloudBranches(branches),
      },
      CloudConfig,
    ),
    testContext(clock),
  );
}

async function play(fleet: Fleet, clock: ManualClock, minutes: number) {
  for (let elapsed = 0; elapsed < minutes * 60_000; elapsed += 60_000) {
    await clock.advance(60_000);
    await fleet.settled();
  }
}

/** Every record each gateway stored has the cloud's cursor past it. */
async function drained(cloud: Cloud, gateways: Gateway[]) {
  const { streams } = await cloud.stats();
  return gateways.every((gateway) =>
    Stream.options.every((stream) => {
      const cursor =
        streams.find(
          (entry) => entry.gateway === gateway.stats().gateway && entry.stream === stream,
        )?.cursor ?? 0;
      return cursor >= gateway.outbox.position(stream).lastSeq;
    }),
  );
}

async function untilDrained(cloud: Cloud, gateways: Gateway[], clock: ManualClock) {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (await drained(cloud, gateways)) return true;

    await clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

interface Run {
  totals: SimulatorStats;
  branches: SimulatorStats[];
  drained: boolean;
  recordsStored: number;
}

/** Five fleet-mode gateways enrolled into an embedded cloud, half an hour of customers, then close. */
async function seededRun(seed: number): Promise<Run> {
  const folder = tempDir('sb-fleet-gw-');
  folders.push(folder);
  const clock = manualClock();
  const context = testContext(clock);
  const cloud = await embeddedCloud(folder.path, 5, clock);
  const gateways = fleetGateways({ root: folder.path, seed, cloud, arrivalsPerHour: 30 }, context);
  const fleet = await startFleet({ branches: 5, startBranch: gateways.startBranch }, context);

  await play(fleet, clock, 30);
  fleet.stopArrivals();
  for (let minute = 0; minute < 300 && fleet.inBranches() > 0; minute++) {
    await play(fleet, clock, 1);
  }
  for (const gateway of gateways.gateways()) await gateway.flush();
  const isDrained = await untilDrained(cloud, gateways.gateways(), clock);
  const recordsStored = gateways
    .gateways()
    .reduce(
      (sum, gateway) =>
        sum +
        Stream.options.reduce(
          (inner, stream) => inner + gateway.outbox.position(stream).lastSeq,
          0,
        ),
      0,
    );

  const run = {
    totals: fleet.totals(),
    branches: fleet.branches().map((b) => b.stats),
    drained: isDrained,
    recordsStored,
  };
  await fleet.stop();
  await cloud.stop();
  return run;
}

describe('fleet-mode gateways', () => {
  it('builds a gateway config with the synthetic camera, no Node-RED and system-picked ports', () => {
    const config = fleetGatewayConfig(7, { root: '/tmp/fleet', seed: 3 });

    expect(config.branch).toBe('fleet-007');
    expect(config.dataDir).toBe('/tmp/fleet/fleet-007');
    expect(config.automation).toBeUndefined();
    expect(config.uplink).toBeUndefined();
    expect([config.http.port, config.bus.port]).toEqual([0, 0]);
    expect(config.cameras.map((camera) => camera.source.kind)).toEqual(['synthetic']);
    expect(config.bus.clients.map((client) => client.username)).toEqual([
      'kiosk',
      'door',
      'counter',
    ]);
  });

  it('gives identical totals for the same seed twice, and every branch reaches the cloud', async () => {
    const first = await seededRun(21);
    const second = await seededRun(21);

    expect(second.totals).toEqual(first.totals);
    expect(second.branches).toEqual(first.branches);
    expect(first.totals.customersArrived).toBeGreaterThan(30);
    expect(first.totals.ticketsServed).toBe(first.totals.ticketsIssued);
    expect(first.totals.errors).toBe(0);
    expect(first.branches.every((stats) => stats.customersArrived > 0)).toBe(true);
    expect([first.drained, second.drained]).toEqual([true, true]);
    expect(first.recordsStored).toBeGreaterThan(5 * 30);
  }, 480_000);

  it('runs the real queue, store and bus with no web server, and refuses Node-RED', async () => {
    const folder = tempDir('sb-fleet-mode-');
    folders.push(folder);
    const context = testContext(manualClock());
    const config = fleetGatewayConfig(2, { root: folder.path, seed: 4 });
    const gateway = await startFleetGateway(config, context);

    expect(gateway.httpUrl).toBe('');
    expect(gateway.busUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(gateway.stats().queue?.waiting).toBe(0);
    expect(gateway.modules().running).toEqual(['sensing', 'queue', 'screens']);
    expect(gateway.stats().cameras.map((camera) => camera.source)).toEqual(['synthetic']);
    await gateway.stop();

    await expect(
      startFleetGateway({ ...config, automation: {} } as typeof config, context),
    ).rejects.toMatchObject({ code: 'SB_ERR_INVALID_CONFIG' });
  });

  it('gives identical totals for the same seed on a sped-up paced clock', async () => {
    const run = async () => {
      const folder = tempDir('sb-fleet-paced-');
      folders.push(folder);
      const clock = pacedClock({ speed: 600, held: true });
      const context = testContext(clock);
      const gateways = fleetGateways({ root: folder.path, seed: 5, arrivalsPerHour: 60 }, context);
      const fleet = await startFleet({ branches: 3, startBranch: gateways.startBranch }, context);

      // Arrivals end at a clock instant, not a real one; those inside are then served.
      await new Promise<void>((resolve) =>
        clock.after(20 * 60_000, () => {
          fleet.stopArrivals();
          resolve();
        }),
      );
      while (fleet.inBranches() > 0) await clock.sleep(60_000);
      await fleet.settled();
      const totals = fleet.totals();
      await fleet.stop();
      return totals;
    };

    const first = await run();
    const second = await run();

    expect(second).toEqual(first);
    expect(first.customersArrived).toBeGreaterThan(30);
    expect(first.ticketsServed).toBe(first.ticketsIssued);
  }, 120_000);

  it('names branches so that their ids sort as their indexes', () => {
    expect([fleetBranchId(0), fleetBranchId(42), fleetBranchId(123)]).toEqual([
      'fleet-000',
      'fleet-042',
      'fleet-123',
    ]);
  });
});
