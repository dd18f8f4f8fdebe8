import { afterEach, describe, expect, it } from 'vitest';
import { startDemoSimulator } from '../../cli/demo-run.ts';
import { systemClock } from '../../core/index.ts';
import { SimulatorConfig, simulatorBusClients } from '../../simulator/index.ts';
import { branch, type Gateway, startGateway } from '../edge/queue/harness.ts';
import { tempDir, testContext } from '../support/context.ts';

const dir = tempDir('sb-demo-sim-');
let gateway: Gateway | null = null;

afterEach(async () => {
  await gateway?.stop();
  dir.remove();
});

const config = (brokerUrl: string) =>
  SimulatorConfig.parse({
    seed: 1,
    branch,
    gateway: {
      brokerUrl,
      clients: {
        kiosk: { username: 'kiosk', password: 'kiosk-pw' },
        door: { username: 'door', password: 'door-pw' },
        counter: { username: 'counter', password: 'counter-pw' },
      },
    },
    customers: { arrivalsPerHour: 40, serviceMix: { cash: 1 } },
    counters: [{ id: '3', serviceMinutesMean: 3 }],
  });

describe('the demo simulator', () => {
  it('says in one line that the bus refused its login, and the demo goes on', async () => {
    // The kiosk's password on the bus is not the simulator's: a device took its login.
    const known = simulatorBusClients(branch, config('mqtt://127.0.0.1:1')).map((client) =>
      client.username === 'kiosk' ? { ...client, password: 'taken' } : client,
    );
    gateway = await startGateway({ dir: dir.path, clock: systemClock, clients: known });
    const said: string[] = [];

    const simulator = await startDemoSimulator(
      config(gateway.bus.url),
      testContext(),
      (line) => void said.push(line),
    );

    expect(simulator).toBeNull();
    expect(said).toEqual([
      'no simulated customers: credentials missing or wrong: ' +
        "the gateway bus refused the simulator's login kiosk",
    ]);
  });
});
