import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/index.ts';
import { shippedFlows } from '../../edge/automation/index.ts';
import { topic } from '../../protocol/index.ts';
import {
  type Simulator,
  SimulatorConfig,
  simulatorBusClients,
  startSimulator,
} from '../../simulator/index.ts';
import { branch, startUiGateway, type UiHarness } from '../edge/ui/harness.ts';
import { eventually, testContext } from '../support/context.ts';

let gateway: UiHarness;
let simulator: Simulator;

const simulatorShape = (brokerUrl: string) =>
  parseConfig(
    'sim',
    {
      seed: 5,
      branch,
      gateway: {
        brokerUrl,
        clients: {
          kiosk: { username: 'sim-kiosk', password: 'kiosk-pass' },
          door: { username: 'sim-door', password: 'door-pass' },
          counter: { username: 'sim-counter', password: 'counter-pass' },
        },
      },
      // A rush: ten customers a second straight to the kiosk, one slow counter.
      customers: { arrivalsPerHour: 36_000, serviceMix: { cash: 1 }, walkToKioskSeconds: 0 },
      counters: [{ id: '1', serviceMinutesMean: 60 }],
    },
    SimulatorConfig,
  );

describe('the shipped flows, in the embedded Node-RED against the simulator', () => {
  beforeAll(async () => {
    const clients = simulatorBusClients(branch, simulatorShape('mqtt://127.0.0.1:1'));
    // A camera on its own box, publishing the waiting zone's head count as sensing does.
    const camera = {
      username: 'waiting-camera',
      password: 'camera-pass',
      publish: [topic('zoneAudience', { branch, zone: 'waiting' })],
    };
    gateway = await startUiGateway({ automation: true, busClients: [...clients, camera] });
  });
  afterAll(async () => {
    await simulator?.stop();
    await gateway?.stop();
  });

  it('are loaded on first start, one tab each', async () => {
    const flows = await (await gateway.api('/flows/flows')).json();
    const tabs = flows
      .filter((node: { type: string }) => node.type === 'tab')
      .map((node: { label: string }) => node.label);
    expect(tabs).toEqual(['Closing time', 'Waiting-zone overflow', 'Welcome on entry']);
    expect(flows).toHaveLength(shippedFlows().length);
  });

  // Before the simulator's rush, so the only overflow on the bus is the zone's.
  it('alert when the waiting zone holds 12 people, and send screens back when it eases', async () => {
    const overrides = await gateway.observe('screenOverride');
    const camera = await mqtt.connectAsync(gateway.gateway.busUrl, {
      username: 'waiting-camera',
      password: 'camera-pass',
      reconnectPeriod: 0,
    });
    const count = (people: number) =>
      camera.publishAsync(
        topic('zoneAudience', { branch, zone: 'waiting' }),
        JSON.stringify({ zone: 'waiting', at: Date.now(), people }),
        { qos: 1 },
      );

    // The zone's first reading passes the flow's change filter: 11 is no overflow, a cancel.
    await count(11);
    await eventually(() => overrides.some((entry) => entry.cancel), 'the first reading');
    const before = overrides.length;
    await count(12);
    const patience = await eventually(
      () =>
        overrides
          .slice(before)
          .find((entry) => entry.title.startsWith('Thank you for your patience')),
      'the overflow override',
    );
    expect(patience).toMatchObject({ minutes: 15 });
    const alerts = await (await gateway.api('/api/alerts')).json();
    expect(alerts.map((alert: { message: string }) => alert.message)).toContain(
      '12 people in the waiting zone',
    );

    // 12 again changes nothing; 4 sends the screens back to their programme.
    await count(12);
    await count(4);
    const patienceAt = overrides.indexOf(patience);
    await eventually(() => overrides.length > patienceAt + 1, 'the cancel');
    const rest = overrides.slice(patienceAt + 1);
    expect(rest.map((entry) => Boolean(entry.cancel))).toEqual([true]);
    await camera.endAsync();
  });

  it('greet an entry, alert on a queue overflow and ask screens for patience', async () => {
    const overrides = await gateway.observe('screenOverride');
    simulator = await startSimulator(simulatorShape(gateway.gateway.busUrl), testContext());

    const welcome = await eventually(
      () => overrides.find((entry) => entry.title.startsWith('Welcome')),
      'the welcome override',
      20_000,
    );
    expect(welcome).toMatchObject({ minutes: 0.25, text: expect.stringContaining('kiosk') });
    expect(welcome.screens).toBeUndefined();

    const patience = await eventually(
      () => overrides.find((entry) => entry.title.startsWith('Thank you for your patience')),
      'the overflow override',
      30_000,
    );
    expect(patience.minutes).toBe(15);
    const alerts = await (await gateway.api('/api/alerts')).json();
    expect(alerts[0]).toMatchObject({
      title: 'Waiting zone overflow',
      message: expect.stringMatching(/^\d+ tickets waiting$/),
    });
    expect(Number(alerts[0].message.split(' ')[0])).toBeGreaterThanOrEqual(10);
    // Greetings are paced: one per 2 minutes however many come in.
    expect(overrides.filter((entry) => entry.title.startsWith('Welcome'))).toHaveLength(1);
    simulator.stopArrivals();
  });

  it('close the branch on schedule: closing notice on every screen, lights off', async () => {
    const overrides = await gateway.observe('screenOverride');
    const commands = await gateway.observe('deviceCommand');

    // The inject node's button in the editor: what its 18:00 schedule does.
    expect((await gateway.api('/flows/inject/sb-closing-at', { method: 'POST' })).status).toBe(200);
    await eventually(() => overrides.length && commands.length, 'closing messages');
    expect(overrides[0]).toMatchObject({ title: 'Closed · 已结束营业', minutes: 720 });
    expect(commands[0]).toMatchObject({ action: 'switch', on: false });
  });
});
