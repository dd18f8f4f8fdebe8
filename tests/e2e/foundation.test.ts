import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cloud, CloudConfig, startCloud } from '../../cloud/index.ts';
import { type Clock, hashPassword, parseConfig, scaledClock } from '../../core/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../../edge/runtime.ts';
import { Stream } from '../../protocol/index.ts';
import {
  type Simulator,
  SimulatorConfig,
  simulatorBusClients,
  startSimulator,
} from '../../simulator/index.ts';
import { eventually, tempDir, testContext } from '../support/context.ts';
import { freePort } from '../support/services.ts';

// Thirty times real time: a clock minute passes every two seconds, so minute records flow.
const clock: Clock = scaledClock({ speed: 30 });
const dir = tempDir('sb-e2e-');
const branch = 'e2e-branch';
const queue = {
  timeZone: 'Asia/Shanghai',
  services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
  counters: [{ id: '1', name: 'Counter 1', services: ['cash'] }],
};

let cloud: Cloud;
let gateway: Gateway;
let simulator: Simulator;

afterAll(async () => {
  await simulator?.stop();
  await gateway?.stop();
  await cloud?.stop();
  dir.remove();
});

async function cloudConfig() {
  return parseConfig(
    'cloud',
    {
      http: { port: cloudHttpPort },
      broker: { port: cloudBrokerPort },
      store: { url: `sqlite:${join(dir.path, 'cloud.db')}` },
      admin: { username: 'admin', passwordHash: await hashPassword('e2e-admin-pass') },
      pull: { intervalMs: 3000 },
      branches: [{ id: branch, name: 'E2E branch', timeZone: 'Asia/Shanghai' }],
    },
    CloudConfig,
  );
}

const simulatorShape = {
  seed: 11,
  branch,
  gateway: {
    brokerUrl: 'mqtt://127.0.0.1:1',
    clients: {
      kiosk: { username: 'kiosk', password: 'kiosk-pass' },
      door: { username: 'door', password: 'door-pass' },
      counter: { username: 'counter', password: 'counter-pass' },
    },
  },
  customers: { arrivalsPerHour: 120, serviceMix: { cash: 1 } },
  counters: [{ id: '1', serviceMinutesMean: 2 }],
};

function gatewayConfig(token: string | undefined, busPort: number) {
  return parseConfig(
    'gateway',
    {
      gateway: 'e2e-gw',
      branch,
      branchName: 'E2E branch',
      dataDir: join(dir.path, 'gateway'),
      http: { port: 0 },
      bus: {
        port: busPort,
        clients: simulatorBusClients(branch, parseConfig('sim', simulatorShape, SimulatorConfig)),
      },
      cameras: [{ id: 'cam-1', source: { kind: 'synthetic', seed: 3 }, fps: 2 }],
      queue,
      uplink: {
        cloudUrl: `http://127.0.0.1:${cloudHttpPort}`,
        statusIntervalMs: 2000,
        ...(token ? { enrolmentToken: token } : {}),
      },
    },
    GatewayConfig,
  );
}

let cloudHttpPort = 0;
let cloudBrokerPort = 0;

const cursors = async (): Promise<Record<string, number>> => {
  const stats = await cloud.stats();
  const cursor = (stream: string) =>
    stats.streams.find((s) => s.gateway === 'e2e-gw' && s.stream === stream)?.cursor ?? 0;
  return Object.fromEntries(Stream.options.map((stream) => [stream, cursor(stream)]));
};

/** Waits until the cloud's cursor of every stream reached the given sequence numbers. */
async function cursorsAtLeast(target: Record<string, number>) {
  return eventually(
    async () => {
      const now = await cursors();
      const reached = (stream: string) => (now[stream] ?? 0) >= (target[stream] ?? 0);
      return Stream.options.every(reached) ? now : null;
    },
    'the cloud to drain every stream',
    60_000,
  );
}

describe('cloud, gateway and simulator end to end', () => {
  it('delivers every gateway record to the cloud exactly once across restarts of both', async () => {
    cloudHttpPort = await freePort();
    cloudBrokerPort = await freePort();
    const busPort = await freePort();
    const context = () => ({ ...testContext(clock) });

    cloud = await startCloud(await cloudConfig(), context());
    const token = await cloud.createEnrolmentToken(branch);
    gateway = await startGateway(gatewayConfig(token, busPort), context());
    simulator = await startSimulator(
      parseConfig(
        'sim',
        { ...simulatorShape, gateway: { ...simulatorShape.gateway, brokerUrl: gateway.busUrl } },
        SimulatorConfig,
      ),
      context(),
    );
    await eventually(
      async () => ((await cursors()).audience ?? 0) >= 2,
      'first records pulled',
      60_000,
    );

    // The gateway stops mid-run and comes back with its stored credentials, no token.
    await gateway.stop();
    gateway = await startGateway(gatewayConfig(undefined, busPort), context());
    const beforeCloudRestart = gateway.outbox.position('audience').lastSeq;
    await eventually(
      async () => ((await cursors()).audience ?? 0) > beforeCloudRestart,
      'records after the gateway restart',
      60_000,
    );

    // Then the cloud: same database, same ports; the pull resumes from its cursor.
    await cloud.stop();
    const whileCloudDown = gateway.outbox.position('audience').lastSeq;
    await eventually(
      () => gateway.outbox.position('audience').lastSeq > whileCloudDown + 1,
      'records buffered while the cloud is down',
      60_000,
    );
    cloud = await startCloud(await cloudConfig(), context());
    await eventually(
      async () => ((await cursors()).audience ?? 0) > whileCloudDown + 1,
      'buffered records pulled after the cloud restart',
      60_000,
    );

    await simulator.stop();
    await gateway.flush();
    const flushed = await cursorsAtLeast(
      Object.fromEntries(
        Stream.options.map((stream) => [stream, gateway.outbox.position(stream).lastSeq]),
      ),
    );

    // Sensing keeps counting while the cloud drains: compare everything up to the cursor.
    for (const stream of Stream.options) {
      const cursor = flushed[stream] ?? 0;
      const pulled = (await cloud.records('e2e-gw', stream)).filter((r) => r.seq <= cursor);
      const local = gateway.outbox.after(stream, 0, cursor);

      expect(pulled.map((record) => record.seq)).toEqual(
        Array.from({ length: cursor }, (_, index) => index + 1),
      );
      expect(pulled).toEqual(local);
    }
    expect(flushed.audience).toBeGreaterThan(4);
    expect(flushed.queue).toBeGreaterThan(0);
  }, 240_000);
});
