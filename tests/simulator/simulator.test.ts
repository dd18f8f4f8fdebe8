import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../core/index.ts';
import {
  type Simulator,
  SimulatorConfig,
  type SimulatorConfigInput,
  simulatorBusClients,
  startSimulator,
} from '../../simulator/index.ts';
import { type Gateway, startGateway, branch } from '../edge/queue/harness.ts';
import { manualClock, tempDir, testContext } from '../support/context.ts';

const simulatorInput = (seed: number): SimulatorConfigInput => ({
  seed,
  branch,
  gateway: {
    brokerUrl: 'mqtt://127.0.0.1:1',
    clients: {
      kiosk: { username: 'sim-kiosk', password: 'kiosk-pw' },
      door: { username: 'sim-door', password: 'door-pw' },
      counter: { username: 'sim-counter', password: 'counter-pw' },
    },
  },
  customers: { arrivalsPerHour: 40, serviceMix: { cash: 3, cards: 1 } },
  counters: [
    { id: '3', serviceMinutesMean: 3 },
    { id: '4', serviceMinutesMean: 4 },
  ],
  idlePollSeconds: 30,
});

let dir: ReturnType<typeof tempDir>;
let clock: ManualClock;
let gateway: Gateway;
const running: Simulator[] = [];

beforeEach(() => {
  dir = tempDir('sb-sim-');
  clock = manualClock();
});

afterEach(async () => {
  for (const simulator of running.splice(0)) await simulator.stop();
  await gateway?.stop();
  dir.remove();
});

async function startBoth(seed: number, port = 0) {
  const config = SimulatorConfig.parse(simulatorInput(seed));
  gateway = await startGateway({ dir: dir.path, clock, port,
    clients: simulatorBusClients(branch, config) });
  const simulator = await startSimulator(
    SimulatorConfig.parse({ ...config, gateway: { ...config.gateway, brokerUrl: gateway.bus.url } }),
    testContext(clock),
  );
  running.push(simulator);
  return simulator;
}

/** Moves the clock in steps, letting every answer arrive before the next step. */
async function run(simulator: Simulator, minutes: number, stepMs = 10_000) {
  for (let elapsed = 0; elapsed < minutes * 60_000; elapsed += stepMs) {
    await clock.advance(stepMs);
    await simulator.settled();
  }
}

/** Stops arrivals and runs until everyone inside has been served and has left. */
async function drain(simulator: Simulator) {
  simulator.stopArrivals();
  for (let minute = 0; minute < 600 && simulator.inBranch() > 0; minute++) await run(simulator, 1);
}

describe('simulator', () => {
  it('gives customers tickets that the counters call and serve', async () => {
    const simulator = await startBoth(11);

    await run(simulator, 60);
    await drain(simulator);

    const stats = simulator.stats();
    expect(stats.customersArrived).toBeGreaterThan(10);
    expect(stats).toMatchObject({
      ticketsRequested: stats.customersArrived,
      ticketsIssued: stats.customersArrived,
      ticketsCalled: stats.customersArrived,
      ticketsServed: stats.customersArrived,
      doorEvents: 2 * stats.customersArrived,
      errors: 0,
    });
    expect(simulator.inBranch()).toBe(0);
    expect(gateway.queue.stats()).toMatchObject({ issued: stats.ticketsIssued,
      served: stats.ticketsServed, waiting: 0, called: 0 });
  });

  it('plays the same day twice for the same seed, and another for another seed', async () => {
    const days: unknown[] = [];
    for (const seed of [5, 5, 6]) {
      const simulator = await startBoth(seed);
      await run(simulator, 45);
      days.push({ ...simulator.stats(), inBranch: simulator.inBranch() });
      await simulator.stop();
      running.splice(0);
      await gateway.stop();
      dir.remove();
      dir = tempDir('sb-sim-');
    }

    expect(days[1]).toEqual(days[0]);
    expect(days[2]).not.toEqual(days[0]);
  });
});
