import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../core/index.ts';
import { decodeMessage, topicFilter } from '../../protocol/index.ts';
import {
  type Simulator,
  SimulatorConfig,
  type SimulatorConfigInput,
  simulatorBusClients,
  startSimulator,
} from '../../simulator/index.ts';
import { branch, type Gateway, startGateway } from '../edge/queue/harness.ts';
import { eventually, manualClock, tempDir, testContext } from '../support/context.ts';
import { simulatorGateway } from './support.ts';

const simulatorInput = (seed: number): SimulatorConfigInput => ({
  seed,
  branch,
  gateway: simulatorGateway,
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

const observer = {
  username: 'observer',
  password: 'observer-pw',
  publish: [],
  subscribe: [topicFilter('deviceState', { branch })],
};

async function startGatewayFor(config: SimulatorConfig, port = 0) {
  gateway = await startGateway({
    dir: dir.path,
    clock,
    port,
    clients: [...simulatorBusClients(branch, config), observer],
  });
}

async function startBoth(seed: number) {
  const config = SimulatorConfig.parse(simulatorInput(seed));
  await startGatewayFor(config);
  const simulator = await startSimulator(
    SimulatorConfig.parse({
      ...config,
      gateway: { ...config.gateway, brokerUrl: gateway.bus.url },
    }),
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
async function drain(simulator: Simulator, step = run) {
  simulator.stopArrivals();
  for (let minute = 0; minute < 600 && simulator.inBranch() > 0; minute++) await step(simulator, 1);
}

/** Moves the clock without waiting for answers that may never come (the broker is away). */
async function runLoose(simulator: Simulator, minutes: number, stepMs = 10_000) {
  for (let elapsed = 0; elapsed < minutes * 60_000; elapsed += stepMs) {
    await clock.advance(stepMs);
    await Promise.race([simulator.settled(), new Promise((resolve) => setTimeout(resolve, 20))]);
  }
}

/** The retained device states a client that connects now receives. */
async function retainedStates(url: string) {
  const client = await mqtt.connectAsync(url, {
    username: observer.username,
    password: observer.password,
    reconnectPeriod: 0,
  });
  const states = new Map<string, string>();
  client.on('message', (_topic, payload) => {
    const decoded = decodeMessage('deviceState', payload);
    if (decoded.ok) states.set(decoded.message.device, decoded.message.state);
  });
  await client.subscribeAsync(topicFilter('deviceState', { branch }), { qos: 1 });
  await eventually(() => states.size >= 2, 'the retained device states');
  await client.endAsync();
  return Object.fromEntries(states);
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
    expect(gateway.queue.stats()).toMatchObject({
      issued: stats.ticketsIssued,
      served: stats.ticketsServed,
      waiting: 0,
      called: 0,
    });
  });

  it("keeps playing after the gateway's broker restarts, answering every request once", async () => {
    const simulator = await startBoth(21);
    const config = SimulatorConfig.parse(simulatorInput(21));
    const port = gateway.bus.port;
    await run(simulator, 20);

    await gateway.stop();
    const beforeOutage = simulator.stats();
    await runLoose(simulator, 6);
    const duringOutage = simulator.stats();
    await startGatewayFor(config, port);
    await runLoose(simulator, 20);
    await drain(simulator, runLoose);

    const stats = simulator.stats();
    // Customers came in and asked for tickets while the broker was away.
    expect(duringOutage.ticketsRequested).toBeGreaterThan(beforeOutage.ticketsRequested);
    expect(duringOutage.ticketsIssued).toBe(beforeOutage.ticketsIssued);
    expect(stats).toMatchObject({
      ticketsRequested: stats.customersArrived,
      ticketsIssued: stats.customersArrived,
      ticketsServed: stats.customersArrived,
      errors: 0,
    });
    expect(simulator.inBranch()).toBe(0);
    expect(await retainedStates(gateway.bus.url)).toEqual({
      'sim-door': 'online',
      'sim-kiosk': 'online',
    });
  });

  it('plays the same day twice for the same seed, and another for another seed', async () => {
    const days: unknown[] = [];
    for (const seed of [5, 5, 6]) {
      const simulator = await startBoth(seed);
      await run(simulator, 45);
      const midway = simulator.stats();
      await drain(simulator);
      days.push({
        midway: { arrived: midway.customersArrived, requested: midway.ticketsRequested },
        drained: simulator.stats(),
        // The order of services the customers chose, as the queue numbered them.
        numbers: gateway.store.db
          .prepare('SELECT number FROM queue_tickets ORDER BY issued_at, seq')
          .pluck()
          .all(),
      });
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
