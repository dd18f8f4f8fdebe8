import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../core/index.ts';
import type { DeviceState, DeviceTelemetry } from '../../protocol/index.ts';
import {
  type Simulator,
  SimulatorConfig,
  simulatorBusClients,
  startSimulator,
} from '../../simulator/index.ts';
import { branch, type Gateway, startGateway } from '../edge/queue/harness.ts';
import { eventually, manualClock, tempDir, testContext } from '../support/context.ts';
import { simulatorGateway } from './support.ts';

const config = SimulatorConfig.parse({
  seed: 3,
  branch,
  gateway: simulatorGateway,
  customers: { arrivalsPerHour: 120, serviceMix: { cash: 1 } },
  counters: [{ id: '3', serviceMinutesMean: 2 }],
});

let dir: ReturnType<typeof tempDir>;
let clock: ManualClock;
let gateway: Gateway;
let simulator: Simulator;
let states: DeviceState[];
let doorEvents: DeviceTelemetry[];

beforeEach(async () => {
  dir = tempDir('sb-sim-faults-');
  clock = manualClock();
  gateway = await startGateway({
    dir: dir.path,
    clock,
    clients: simulatorBusClients(branch, config),
  });
  states = [];
  doorEvents = [];
  await gateway.bus.subscribe('deviceState', {}, (state) => void states.push(state));
  await gateway.bus.subscribe('deviceTelemetry', {}, (event) => void doorEvents.push(event));
  simulator = await startSimulator(
    { ...config, gateway: { ...config.gateway, brokerUrl: gateway.bus.url } },
    testContext(clock),
  );
});

afterEach(async () => {
  await simulator.stop();
  await gateway.stop();
  dir.remove();
});

async function run(minutes: number) {
  for (let elapsed = 0; elapsed < minutes * 60_000; elapsed += 10_000) {
    await clock.advance(10_000);
    await simulator.settled();
  }
}

/** Telemetry and states are not requests: wait until what was sent has arrived. */
const arrived = (what: string, check: () => boolean) => eventually(check, what);

const lastState = (device: string) => states.filter((state) => state.device === device).at(-1);

describe('simulated faults', () => {
  it('silences a dead door sensor and says so in its retained state', async () => {
    simulator.fault('door-offline', true);
    const arrivedBefore = simulator.stats().customersArrived;
    await run(30);

    await arrived('the offline state', () => lastState('sim-door')?.state === 'offline');
    expect(simulator.stats().customersArrived).toBeGreaterThan(arrivedBefore);
    expect(doorEvents).toEqual([]);
    expect(lastState('sim-door')).toMatchObject({
      state: 'offline',
      reason: 'simulated fault: door-offline',
    });

    simulator.fault('door-offline', false);
    await run(10);
    await arrived('door events again', () => doorEvents.length > 0);
    expect(lastState('sim-door')?.state).toBe('online');
  });

  it('bounces a flapping door sensor twice after each real event, as degraded', async () => {
    simulator.fault('door-flapping', true);
    await run(20);
    await arrived('every door event', () => doorEvents.length === simulator.stats().doorEvents);

    expect(lastState('sim-door')?.state).toBe('degraded');
    expect(doorEvents.length % 3).toBe(0);
    expect(doorEvents.length).toBeGreaterThan(0);
  });

  it('sends customers away without a ticket while the kiosk is down', async () => {
    simulator.fault('kiosk-offline', true);
    await run(30);
    await arrived('the kiosk state', () => lastState('sim-kiosk')?.state === 'offline');

    expect(simulator.stats().customersArrived).toBeGreaterThan(10);
    expect(simulator.stats().ticketsRequested).toBe(0);
    expect(lastState('sim-kiosk')?.state).toBe('offline');
    expect(gateway.queue.stats().issued).toBe(0);
  });
});
