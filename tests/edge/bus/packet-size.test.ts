import { connect as connectTcp } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, startBus } from '../../../edge/bus/index.ts';
import { deviceFilter, topic } from '../../../protocol/index.ts';
import { eventually, testContext } from '../../support/context.ts';

const branch = 'b1';
const context = testContext();
let bus: Bus;

beforeAll(async () => {
  bus = await startBus(
    {
      branch,
      port: 0,
      clients: [
        {
          username: 'door/3',
          password: 'pw-door',
          publish: [deviceFilter(branch, 'door/3')],
          subscribe: [],
        },
      ],
    },
    context,
  );
});

afterAll(() => bus.close());

const used = () => {
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers + memory.external;
};

/** A PUBLISH fixed header declaring `length` bytes to follow [MQTT-2.2.3]. */
function publishHeader(length: number): Buffer {
  const bytes = [0x30];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

describe('oversized packets', () => {
  it('closes a connection declaring a 50 MB packet before buffering it', async () => {
    const socket = connectTcp(bus.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    global.gc?.();
    const before = used();
    let peak = before;
    let sent = 0;

    socket.write(publishHeader(50 * 1024 * 1024));
    while (sent < 50 * 1024 * 1024 && !socket.destroyed) {
      const flushed = socket.write(chunk);
      sent += chunk.length;
      peak = Math.max(peak, used());
      if (!flushed) {
        await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
      }
    }
    await closed;

    console.info(`sent ${sent} bytes of a 50 MB packet; memory growth ${peak - before} bytes`);
    expect(sent).toBeLessThan(50 * 1024 * 1024);
    expect(peak - before).toBeLessThan(20 * 1024 * 1024);
    await eventually(
      () => context.lines.some((line) => line.msg === 'oversized packet refused'),
      'the refusal logged',
    );
  });

  it('still takes a packet within the limit from a logged-in device', async () => {
    const received: unknown[] = [];
    const off = await bus.subscribe(
      'deviceTelemetry',
      {},
      (message) => void received.push(message),
    );
    const door = await mqtt.connectAsync(bus.url, {
      username: 'door/3',
      password: 'pw-door',
      reconnectPeriod: 0,
    });
    const values = { note: 'x'.repeat(200 * 1024) };

    await door.publishAsync(
      topic('deviceTelemetry', { branch, device: 'door/3' }),
      JSON.stringify({ device: 'door/3', at: 1, kind: 'door', values }),
      { qos: 1 },
    );
    await eventually(() => received.length + bus.stats().rejected > 0, 'the message handled');

    expect(door.connected).toBe(true);
    await door.endAsync();
    await off();
  });
});
