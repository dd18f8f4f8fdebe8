import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../core/index.ts';
import {
  type Fleet,
  fleetSeed,
  SimulatorConfig,
  type SimulatorConfigInput,
  type SimulatorStats,
  simulatorBusClients,
  startFleet,
} from '../../simulator/index.ts';
import { startGateway } from '../edge/queue/harness.ts';
import { manualClock, tempDir, testContext } from '../support/context.ts';
import { simulatorGateway } from './support.ts';

const branchConfig = (branch: string, seed: number): SimulatorConfigInput => ({
  seed,
  branch,
  gateway: simulatorGateway,
  customers: { arrivalsPerHour: 30, serviceMix: { cash: 2, cards: 1 } },
  counters: [
    { id: '3', serviceMinutesMean: 3 },
    { id: '4', serviceMinutesMean: 4 },
  ],
  idlePollSeconds: 30,
});

/** A fleet of `count` branches, each with its own bus, SQLite file and queue. */
async function fleetOf(count: number, seed: number, clock: ManualClock, folder: string) {
  return startFleet(
    {
      branches: count,
      startBranch: async (index) => {
        const branch = `fleet-${index}`;
        const config = SimulatorConfig.parse(branchConfig(branch, fleetSeed(seed, index)));
        const gateway = await startGateway({
          dir: join(folder, branch),
          clock,
          branch,
          clients: simulatorBusClients(branch, config),
        });
        return {
          simulator: { ...config, gateway: { ...config.gateway, brokerUrl: gateway.bus.url } },
          stop: () => gateway.stop(),
        };
      },
    },
    testContext(clock),
  );
}

async function play(fleet: Fleet, clock: ManualClock, minutes: number) {
  for (let elapsed = 0; elapsed < minutes * 60_000; elapsed += 10_000) {
    await clock.advance(10_000);
    await fleet.settled();
  }
}

describe('fleet', () => {
  it('gives the same totals for the same seed, with branches that differ from each other', async () => {
    const runs: { totals: SimulatorStats; branches: SimulatorStats[] }[] = [];
    for (const run of [1, 2]) {
      const folder = tempDir(`sb-fleet-${run}-`);
      const clock = manualClock();
      const fleet = await fleetOf(4, 9, clock, folder.path);
      await play(fleet, clock, 40);
      fleet.stopArrivals();
      for (let minute = 0; minute < 300 && fleet.inBranches() > 0; minute++) {
        await play(fleet, clock, 1);
      }
      runs.push({ totals: fleet.totals(), branches: fleet.branches().map((b) => b.stats) });
      await fleet.stop();
      folder.remove();
    }

    const [first, second] = runs;
    expect(second).toEqual(first);
    expect(first?.totals.customersArrived).toBeGreaterThan(40);
    const distinct = new Set((first?.branches ?? []).map((stats) => JSON.stringify(stats)));
    expect(distinct.size).toBe(4);
  });
});
