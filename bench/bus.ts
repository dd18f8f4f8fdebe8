// The gateway's bus, embedded aedes against a Mosquitto started here, for the gateway's own
// message mix: N device clients (each with its own login and ACL) publish telemetry at
// QoS 0 (80 %), state changes at QoS 1 retained (15 %) and queue requests at QoS 1 (5 %);
// the gateway's modules hear them through the same `Bus` door either way. Each message
// carries its send time, so the figure is publish-to-handler latency, plus throughput.
// Run: npx tsx bench/bus.ts [clients=200] [messagesPerClient=100]
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { createRegistry, silentLogger, systemClock } from '../core/index.ts';
import {
  type Bus,
  type BusClient,
  connectExternalBus,
  mosquittoFiles,
  startBus,
} from '../edge/bus/index.ts';
import { encodeMessage, topic } from '../protocol/index.ts';
import { tempDir } from '../tests/support/context.ts';
import { freePort } from '../tests/support/services.ts';

const clientCount = Number(process.argv[2] ?? 200);
const perClient = Number(process.argv[3] ?? 100);
const branch = 'bench-bus';
const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
const gatewayLogin = { username: 'gateway', password: 'gateway password 1' };
const devices: BusClient[] = Array.from({ length: clientCount }, (_, index) => ({
  username: `device-${index}`,
  password: `device password ${index}`,
  publish: [
    topic('deviceTelemetry', { branch, device: `device-${index}` }),
    topic('deviceState', { branch, device: `device-${index}` }),
    topic('queueIssue', { branch }),
  ],
  subscribe: [topic('reply', { branch, client: `device-${index}` })],
}));

interface Figures {
  broker: string;
  clients: number;
  messages: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  lost: number;
}

async function measure(broker: string, bus: Bus, url: string): Promise<Figures> {
  const latencies: number[] = [];
  const hear = (at: number) => latencies.push(performance.now() - at);
  await bus.subscribe('deviceTelemetry', {}, (message) => hear(Number(message.values.sent)));
  await bus.subscribe('deviceState', {}, (message) => hear(Number(message.reason)));
  await bus.subscribe('queueIssue', {}, (message) => hear(Number(message.requestId)));
  const clients = await connectAll(url);

  const started = performance.now();
  await Promise.all(clients.map((client, index) => publishMix(client, index)));
  const expected = clientCount * perClient;
  const deadline = performance.now() + 60_000;
  while (latencies.length < expected && performance.now() < deadline) await systemClock.sleep(20);
  const seconds = (performance.now() - started) / 1000;

  await Promise.all(clients.map((client) => client.endAsync()));
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    broker,
    clients: clientCount,
    messages: latencies.length,
    seconds: +seconds.toFixed(2),
    perSecond: Math.round(latencies.length / seconds),
    p50Ms: +at(0.5).toFixed(1),
    p99Ms: +at(0.99).toFixed(1),
    lost: expected - latencies.length,
  };
}

async function connectAll(url: string): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  for (let index = 0; index < devices.length; index += 20) {
    const batch = devices.slice(index, index + 20).map((device) =>
      mqtt.connectAsync(url, {
        username: device.username,
        password: device.password,
        clientId: device.username,
        reconnectPeriod: 0,
      }),
    );
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

/** One device's share: every 20th a queue request, every 7th a retained state, else telemetry. */
async function publishMix(client: MqttClient, index: number) {
  const device = `device-${index}`;
  for (let sent = 0; sent < perClient; sent += 1) {
    const now = String(performance.now());
    if (sent % 20 === 19) {
      const request = {
        requestId: now,
        replyTo: device,
        service: 'cash',
        source: 'kiosk' as const,
      };
      await client.publishAsync(
        topic('queueIssue', { branch }),
        encodeMessage('queueIssue', request),
        {
          qos: 1,
        },
      );
    } else if (sent % 7 === 6) {
      const state = { device, at: Date.now(), state: 'online' as const, reason: now };
      await client.publishAsync(
        topic('deviceState', { branch, device }),
        encodeMessage('deviceState', state),
        {
          qos: 1,
          retain: true,
        },
      );
    } else {
      const telemetry = {
        device,
        at: Date.now(),
        kind: 'presence' as const,
        values: { sent: now },
      };
      client.publish(
        topic('deviceTelemetry', { branch, device }),
        encodeMessage('deviceTelemetry', telemetry),
        {
          qos: 0,
        },
      );
      // QoS 0 has no acknowledgement to wait for: yield now and then as a sensor's period would.
      if (sent % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

async function embedded(): Promise<Figures> {
  const bus = await startBus({ branch, port: 0, clients: devices }, context);
  try {
    return await measure('embedded aedes', bus, bus.url);
  } finally {
    await bus.close();
  }
}

async function mosquitto(): Promise<Figures> {
  const dir = tempDir('sb-bench-bus-');
  const port = await freePort();
  const files = mosquittoFiles({ branch, clients: devices, gateway: gatewayLogin });
  writeFileSync(join(dir.path, 'passwd'), files.passwords);
  writeFileSync(join(dir.path, 'acl'), files.acl);
  const conf = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous false',
    `password_file ${join(dir.path, 'passwd')}`,
    `acl_file ${join(dir.path, 'acl')}`,
    'persistence false',
    'user root',
    'max_queued_messages 100000',
  ];
  writeFileSync(join(dir.path, 'mosquitto.conf'), `${conf.join('\n')}\n`);
  const child = await startMosquitto(join(dir.path, 'mosquitto.conf'));
  const url = `mqtt://127.0.0.1:${port}`;
  const bus = await connectExternalBus({ branch, url, ...gatewayLogin }, context);
  try {
    return await measure('Mosquitto 2.0', bus, url);
  } finally {
    await bus.close();
    child.kill('SIGTERM');
    dir.remove();
  }
}

function startMosquitto(conf: string): Promise<ChildProcess> {
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  child.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (/running/.test(text)) resolve(child);
      else if (child.exitCode === null) return;
      else reject(new Error(`mosquitto exited: ${text}`));
      clearInterval(timer);
    }, 50);
  });
}

const aedesFigures = await embedded();
const mosquittoFigures = await mosquitto();
console.log(JSON.stringify(aedesFigures));
console.log(JSON.stringify(mosquittoFigures));
console.log(
  JSON.stringify({
    clients: clientCount,
    throughputMosquittoOverAedes: +(mosquittoFigures.perSecond / aedesFigures.perSecond).toFixed(2),
    p99MosquittoOverAedes: +(mosquittoFigures.p99Ms / aedesFigures.p99Ms).toFixed(2),
    cpus: cpus().length,
    node: process.version,
  }),
);
