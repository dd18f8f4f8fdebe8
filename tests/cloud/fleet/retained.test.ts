import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexRetained } from '../../../cloud/fleet/retained.ts';

let broker: Aedes;
let server: net.Server;
let url: string;
const clients: MqttClient[] = [];

beforeAll(async () => {
  broker = await Aedes.createBroker();
  indexRetained(broker);
  server = net.createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of clients) await client.endAsync(true);
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function client() {
  const connected = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  clients.push(connected);
  return connected;
}

/** The retained messages a fresh subscriber gets, waiting for a marker published after. */
async function retainedFor(filters: string[]): Promise<string[]> {
  const reader = await client();
  const received: string[] = [];
  const marker = `marker/${clients.length}`;
  const done = new Promise<void>((resolve) => {
    reader.on('message', (name, payload, packet) => {
      if (name === marker) resolve();
      else if (packet.retain) received.push(`${name}=${payload.toString()}`);
    });
  });
  await reader.subscribeAsync([...filters, marker], { qos: 1 });
  await reader.publishAsync(marker, 'end', { qos: 1 });
  await done;
  return received;
}

describe('retained messages kept by topic', () => {
  it('hands a subscriber the latest of an exact topic and all under a wildcard', async () => {
    const writer = await client();
    await writer.publishAsync('sb/v1/north/manifest', 'one', { qos: 1, retain: true });
    await writer.publishAsync('sb/v1/north/manifest', 'two', { qos: 1, retain: true });
    await writer.publishAsync('sb/v1/north/status', 'up', { qos: 1, retain: true });
    await writer.publishAsync('sb/v1/south/status', 'down', { qos: 1, retain: true });

    expect(await retainedFor(['sb/v1/north/manifest', 'sb/v1/east/manifest'])).toEqual([
      'sb/v1/north/manifest=two',
    ]);
    expect((await retainedFor(['sb/v1/+/status'])).sort()).toEqual([
      'sb/v1/north/status=up',
      'sb/v1/south/status=down',
    ]);
    expect(await retainedFor(['sb/v1/north/#'])).toHaveLength(2);
  });

  it('hands a message once when an exact filter and a wildcard both match it', async () => {
    const writer = await client();
    await writer.publishAsync('sb/v1/east/settings', 'dark', { qos: 1, retain: true });

    expect(await retainedFor(['sb/v1/east/settings', 'sb/v1/east/#', 'sb/v1/+/settings'])).toEqual([
      'sb/v1/east/settings=dark',
    ]);
  });

  it('forgets a topic whose retained message was cleared with an empty payload', async () => {
    const writer = await client();
    await writer.publishAsync('sb/v1/west/manifest', 'one', { qos: 1, retain: true });
    await writer.publishAsync('sb/v1/west/manifest', '', { qos: 1, retain: true });

    expect(await retainedFor(['sb/v1/west/manifest', 'sb/v1/west/#'])).toEqual([]);
  });
});
