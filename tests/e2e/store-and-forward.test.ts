import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CloudStats } from '../../cloud/index.ts';
import { hashPassword, parseConfig, scaledClock } from '../../core/index.ts';
import type { GatewayStats } from '../../edge/runtime.ts';
import { type QueueMinute, Stream, type UplinkRecord } from '../../protocol/index.ts';
import {
  type Simulator,
  SimulatorConfig,
  simulatorBusClients,
  startSimulator,
} from '../../simulator/index.ts';
import { eventually, tempDir, testContext } from '../support/context.ts';
import { type PrivateMosquitto, privateMosquitto } from '../support/mosquitto.ts';
import { freePort } from '../support/services.ts';
import { type TcpProxy, tcpProxy } from '../support/tcp-proxy.ts';
import { killAll, type Piece, type SharedClock, startPiece } from './pieces.ts';

// 120 times real time: an hour of branch activity passes in 30 seconds.
const speed = 120;
const shared: SharedClock = { speed, realBase: Date.now(), clockBase: Date.now() };
const clock = scaledClock({
  speed,
  startAt: shared.clockBase + (Date.now() - shared.realBase) * speed,
});
const minuteMs = 60_000;
const tenMinutesMs = 10 * minuteMs;
const dir = tempDir('sb-store-forward-');
const branch = 'saf-branch';
const gatewayId = 'saf-gw';
const logs = { cloud: join(dir.path, 'cloud.log'), gateway: join(dir.path, 'gateway.log') };

const simulatorShape = {
  seed: 21,
  branch,
  gateway: {
    brokerUrl: 'mqtt://127.0.0.1:1',
    clients: {
      kiosk: { username: 'kiosk', password: 'kiosk-pass' },
      door: { username: 'door', password: 'door-pass' },
      counter: { username: 'counter', password: 'counter-pass' },
    },
  },
  customers: { arrivalsPerHour: 30, serviceMix: { cash: 1 } },
  counters: [{ id: '1', serviceMinutesMean: 1 }],
};

let cloud: Piece | undefined;
let gateway: Piece | undefined;
let simulator: Simulator | undefined;
let proxy: TcpProxy | undefined;
let mosquitto: PrivateMosquitto | undefined;

afterAll(async () => {
  // A simulator whose gateway failed the test may wait on its broker: give it five seconds.
  await Promise.race([simulator?.stop(), new Promise((resolve) => setTimeout(resolve, 5000))]);
  killAll();
  await proxy?.close();
  await mosquitto?.kill();
  dir.remove();
});

async function cloudConfig(ports: { http: number; broker: number }, brokerUrl?: string) {
  return {
    http: { port: ports.http },
    broker: brokerUrl ? { url: brokerUrl } : { port: ports.broker },
    store: { url: `sqlite:${join(dir.path, brokerUrl ? 'cloud-external.db' : 'cloud.db')}` },
    admin: { username: 'admin', passwordHash: await hashPassword('saf-admin-pass') },
    // Clock ms: a pull round every quarter of a real second, answered within five.
    pull: { intervalMs: 30_000, timeoutMs: 600_000, limit: 200 },
    branches: [{ id: branch, name: 'Store and forward', timeZone: 'Asia/Shanghai' }],
  };
}

function gatewayConfig(options: {
  busPort: number;
  cloudHttp: number;
  proxyPort: number;
  token?: string;
  folder?: string;
}) {
  const simulatorConfig = parseConfig('sim', simulatorShape, SimulatorConfig);
  return {
    gateway: gatewayId,
    branch,
    branchName: 'Store and forward',
    dataDir: join(dir.path, options.folder ?? 'gateway'),
    http: { port: 0 },
    bus: { port: options.busPort, clients: simulatorBusClients(branch, simulatorConfig) },
    cameras: [{ id: 'cam-1', source: { kind: 'synthetic', seed: 5 }, fps: 1 }],
    queue: {
      timeZone: 'Asia/Shanghai',
      services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
      counters: [{ id: '1', name: 'Counter 1', services: ['cash'] }],
    },
    uplink: {
      cloudUrl: `http://127.0.0.1:${options.cloudHttp}`,
      brokerUrl: `mqtt://127.0.0.1:${options.proxyPort}`,
      statusIntervalMs: 60_000,
      retryMs: 300,
      keepaliveSeconds: 2,
      ...(options.token ? { enrolmentToken: options.token } : {}),
    },
  };
}

const cloudStats = () => (cloud as Piece).ask<CloudStats>('stats');
const gatewayStats = () => (gateway as Piece).ask<GatewayStats>('stats');

async function cursors(): Promise<Record<string, number>> {
  const stats = await cloudStats();
  const cursor = (stream: string) =>
    stats.streams.find((s) => s.gateway === gatewayId && s.stream === stream)?.cursor ?? 0;
  return Object.fromEntries(Stream.options.map((stream) => [stream, cursor(stream)]));
}

/** Waits until the cloud's audience cursor passes `seq`: records are flowing again. */
const pulledPast = (seq: number, what: string) =>
  eventually(async () => ((await cursors()).audience ?? 0) > seq, what, 60_000);

const lastSeq = async (stream = 'audience') => (await gatewayStats()).lastSeq[stream] ?? 0;

/** Lets `minutes` of branch time pass on the shared clock. */
const runFor = (minutes: number) => clock.sleep(minutes * minuteMs);

/**
 * The branch closes: arrivals stop, the simulator stops once every request it sent was
 * answered, and the last minutes close and are pulled. Then every stream must be in the
 * cloud as seq 1..n exactly once, equal to the gateway's records, and the tickets HQ counts
 * equal to those the simulator was given.
 */
async function closeAndCompare(minimumTickets: number) {
  if (!simulator || !gateway || !cloud) throw new Error('the branch is not running');
  simulator.stopArrivals();
  await runFor(15);
  await simulator.settled();
  const produced = simulator.stats();
  await simulator.stop();
  simulator = undefined;
  await runFor(3);
  await gateway.ask('flush');

  const final = await eventually(
    async () => {
      const stats = await gatewayStats();
      const now = await cursors();
      const done = Stream.options.every(
        (stream) => (now[stream] ?? 0) >= (stats.lastSeq[stream] ?? 0),
      );
      return done ? stats.lastSeq : null;
    },
    'the cloud to drain every stream',
    60_000,
  );

  for (const stream of Stream.options) {
    const pulled = await cloud.ask<UplinkRecord[]>('records', { gateway: gatewayId, stream });
    const local = await gateway.ask<{ records: UplinkRecord[] }>('outbox', { stream });
    const last = final[stream] ?? 0;

    // Sensing keeps counting meanwhile: the cloud may already hold a few records past `last`.
    expect(pulled.length).toBeGreaterThanOrEqual(last);
    expect(pulled.map((record) => record.seq)).toEqual(
      Array.from({ length: pulled.length }, (_, i) => i + 1),
    );
    expect(pulled).toEqual(local.records.slice(0, pulled.length));
  }
  const queue = await cloud.ask<UplinkRecord[]>('records', {
    gateway: gatewayId,
    stream: 'queue',
  });
  const minutes = queue.map((record) => record.data as QueueMinute);
  const sum = (field: 'issued' | 'served') => minutes.reduce((total, m) => total + m[field], 0);
  expect(produced.ticketsIssued).toBeGreaterThan(minimumTickets);
  expect(sum('issued')).toBe(produced.ticketsIssued);
  expect(sum('served')).toBe(produced.ticketsServed);
}

describe('store and forward under faults', () => {
  it('delivers every record exactly once through cloud kills, gateway kills and a broken link', async () => {
    const ports = { http: await freePort(), broker: await freePort() };
    const busPort = await freePort();
    cloud = await startPiece('cloud', await cloudConfig(ports), shared, logs.cloud);
    proxy = await tcpProxy(ports.broker, { lossRate: 0.3, lossDelayMs: 150 });
    const token = await cloud.ask<string>('token', { branch });
    const gatewayAt = (withToken: boolean) =>
      gatewayConfig({
        busPort,
        cloudHttp: ports.http,
        proxyPort: proxy?.port ?? 0,
        ...(withToken ? { token } : {}),
      });
    // The gateway's clock runs ten minutes ahead of the cloud's all along.
    const skewed = { ...shared, skewMs: tenMinutesMs };
    const startGateway = (withToken = false) =>
      startPiece('gateway', gatewayAt(withToken), skewed, logs.gateway);
    gateway = await startGateway(true);
    simulator = await startSimulator(
      parseConfig(
        'sim',
        {
          ...simulatorShape,
          gateway: { ...simulatorShape.gateway, brokerUrl: `mqtt://127.0.0.1:${busPort}` },
        },
        SimulatorConfig,
      ),
      testContext(clock),
    );
    await pulledPast(1, 'first records pulled');

    // The cloud reports the gateway's clock as ten minutes ahead.
    const skew = await eventually(
      async () => (await cloudStats()).perGateway.find((g) => g.gateway === gatewayId)?.clockSkewMs,
      'a status with the skew',
    );
    expect(Math.abs(skew - tenMinutesMs)).toBeLessThan(minuteMs);

    // Cloud SIGKILLed for 60 minutes of branch activity, then started on the same database.
    await cloud.kill();
    const whileCloudDown = await lastSeq();
    await runFor(25);

    // The gateway reboots in the middle of the outage: its buffer is still there after.
    const beforeReboot = (await gatewayStats()).backlog;
    await gateway.kill();
    gateway = await startGateway();
    const afterReboot = (await gatewayStats()).backlog;
    for (const stream of Stream.options) {
      expect(afterReboot[stream] ?? 0).toBeGreaterThanOrEqual(beforeReboot[stream] ?? 0);
    }
    await runFor(35);
    expect(await lastSeq()).toBeGreaterThan(whileCloudDown + 40);
    expect((await gatewayStats()).backlog.audience).toBeGreaterThan(40);
    cloud = await startPiece('cloud', await cloudConfig(ports), shared, logs.cloud);
    await pulledPast(whileCloudDown + 40, 'the hour buffered while the cloud was down');

    // Gateway SIGKILLed as its pull answer leaves: the cloud stores it, the confirmation
    // (the next pull's `after`) never reaches the gateway.
    let killedInPull = false;
    proxy.onChunk((direction, chunk) => {
      if (killedInPull || direction !== 'up' || !chunk.includes('uplink/pull/response')) return;
      if (!chunk.includes('"records":[{')) return;
      killedInPull = true;
      gateway?.child.kill('SIGKILL');
    });
    await eventually(() => killedInPull, 'a pull answer in flight', 60_000);
    await new Promise((resolve) => gateway?.child.once('exit', resolve));
    const afterPullKill = (await cursors()).audience ?? 0;
    gateway = await startGateway();
    await pulledPast(afterPullKill, 'records after the gateway restart');

    // SIGKILL while sensing, the queue and the simulator write, twice.
    for (const pause of [700, 300]) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      await gateway.kill();
      gateway = await startGateway();
    }
    expect(await gateway.ask('integrity')).toBe('ok');
    await pulledPast(await lastSeq(), 'records after the kills while writing');

    // The link: cut, stalled, half-open and lossy, each for a while, then restored.
    for (const [mode, realMs] of [
      ['drop', 3000],
      ['stall', 2000],
      ['half-open', 5000],
      ['lossy', 6000],
    ] as const) {
      const before = await lastSeq();
      proxy.mode(mode);
      await new Promise((resolve) => setTimeout(resolve, realMs));
      proxy.mode('pass');
      await pulledPast(before, `records after the link was ${mode}`);
    }

    await closeAndCompare(30);
    expect(proxy.accepted()).toBeGreaterThan(5);

    // No secret of the run reached either process's log.
    const credentials = JSON.parse(
      readFileSync(join(dir.path, 'gateway', 'credentials.json'), 'utf8'),
    ) as { broker: { password: string } };
    const secrets = [
      'saf-admin-pass',
      'kiosk-pass',
      'door-pass',
      'counter-pass',
      token,
      credentials.broker.password,
      'PRIVATE KEY',
    ];
    for (const file of [logs.cloud, logs.gateway]) {
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('started');
      for (const secret of secrets)
        expect(text.includes(secret), `${secret} in ${file}`).toBe(false);
    }
  }, 420_000);
  it('keeps every record through a SIGKILL and restart of an external Mosquitto broker', async () => {
    killAll();
    mosquitto = await privateMosquitto(await freePort(), dir.path);
    const ports = { http: await freePort(), broker: 0 };
    const busPort = await freePort();
    cloud = await startPiece('cloud', await cloudConfig(ports, mosquitto.url), shared, logs.cloud);
    const token = await cloud.ask<string>('token', { branch });
    gateway = await startPiece(
      'gateway',
      gatewayConfig({
        busPort,
        cloudHttp: ports.http,
        proxyPort: mosquitto.port,
        folder: 'gateway-external',
        token,
      }),
      shared,
      logs.gateway,
    );
    simulator = await startSimulator(
      parseConfig(
        'sim',
        {
          ...simulatorShape,
          gateway: { ...simulatorShape.gateway, brokerUrl: `mqtt://127.0.0.1:${busPort}` },
        },
        SimulatorConfig,
      ),
      testContext(clock),
    );
    await pulledPast(1, 'first records pulled through Mosquitto');

    await mosquitto.kill();
    const whileBrokerDown = await lastSeq();
    await runFor(20);
    await mosquitto.start();
    await pulledPast(whileBrokerDown + 15, 'records buffered while the broker was down');

    await closeAndCompare(5);
  }, 300_000);
});
