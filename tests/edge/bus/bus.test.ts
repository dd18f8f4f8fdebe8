import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, startBus } from '../../../edge/bus/index.ts';
import type { DeviceTelemetry } from '../../../protocol/index.ts';
import { deviceFilter, topic, topicFilter } from '../../../protocol/index.ts';
import { eventually, testContext } from '../../support/context.ts';

const branch = 'b1';
const context = testContext();
let bus: Bus;

const telemetry = (device: string): DeviceTelemetry => ({
  device,
  at: 1,
  kind: 'door',
  values: { open: true },
});

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
        {
          username: 'cam+1',
          password: 'pw-cam',
          publish: [deviceFilter(branch, 'cam+1')],
          subscribe: [deviceFilter(branch, 'cam+1')],
        },
        {
          username: 'board',
          password: 'pw-board',
          publish: [],
          subscribe: [topicFilter('queueState', { branch })],
        },
      ],
    },
    context,
  );
});

afterAll(() => bus.close());

const connect = (username: string, password: string) =>
  mqtt.connectAsync(bus.url, { username, password, reconnectPeriod: 0, clientId: username });

describe('local bus', () => {
  it('delivers a device message that passes its schema to an in-process module', async () => {
    const received: DeviceTelemetry[] = [];
    const off = await bus.subscribe(
      'deviceTelemetry',
      {},
      (message) => void received.push(message),
    );
    const door = await connect('door/3', 'pw-door');

    await door.publishAsync(
      topic('deviceTelemetry', { branch, device: 'door/3' }),
      JSON.stringify(telemetry('door/3')),
      { qos: 1 },
    );
    await eventually(() => received.length === 1, 'the telemetry');

    expect(received[0]).toEqual(telemetry('door/3'));
    await door.endAsync();
    await off();
  });

  it("hands a device's QoS 1 message to each module once, before its acknowledgement", async () => {
    const order: string[] = [];
    const first = await bus.subscribe('deviceTelemetry', {}, () => void order.push('first'));
    const second = await bus.subscribe(
      'deviceTelemetry',
      { device: 'door/3' },
      () => void order.push('second'),
    );
    const door = await connect('door/3', 'pw-door');
    const name = topic('deviceTelemetry', { branch, device: 'door/3' });

    await door.publishAsync(name, JSON.stringify(telemetry('door/3')), { qos: 1 });
    order.push('acknowledged');
    await door.publishAsync(name, JSON.stringify(telemetry('door/3')), { qos: 0 });
    await eventually(() => order.length === 5, 'the QoS 0 message');
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Before the acknowledgement for QoS 1; a QoS 0 message comes in the broker's own order.
    expect(order.slice(0, 3)).toEqual(['first', 'second', 'acknowledged']);
    expect(order.slice(3).sort()).toEqual(['first', 'second']);
    await door.endAsync();
    await first();
    await second();
  });

  it('refuses a malformed message with one counted log line and keeps running', async () => {
    const received: unknown[] = [];
    const off = await bus.subscribe(
      'deviceTelemetry',
      {},
      (message) => void received.push(message),
    );
    const door = await connect('door/3', 'pw-door');
    const name = topic('deviceTelemetry', { branch, device: 'door/3' });
    const before = bus.stats().rejected;

    await door.publishAsync(name, '{"device": "door/3", "at": "yesterday"}', { qos: 1 });
    await door.publishAsync(name, 'not json at all', { qos: 1 });
    await door.publishAsync(name, JSON.stringify(telemetry('door/3')), { qos: 1 });
    await eventually(() => received.length === 1, 'the good message after the bad ones');

    // Both are counted; the log says it once per source and kind, with the first reason.
    expect(bus.stats().rejected - before).toBe(2);
    const refusals = context.lines.filter((line) => line.msg === 'message refused');
    expect(refusals.map((line) => [line.code, line.path])).toEqual([
      ['SB_ERR_INVALID_MESSAGE', 'at'],
    ]);
    await door.endAsync();
    await off();
  });

  it('refuses a login with a wrong password', async () => {
    await expect(connect('door/3', 'wrong')).rejects.toThrow(/Not authorized|Bad user/i);
    await expect(connect('nobody', 'pw-door')).rejects.toThrow();
  });

  it('closes the connection of a device publishing outside its own topics', async () => {
    const received: unknown[] = [];
    const off = await bus.subscribe(
      'deviceTelemetry',
      { device: 'cam+1' },
      (message) => void received.push(message),
    );
    const door = await connect('door/3', 'pw-door');
    const closed = new Promise<void>((resolve) => door.once('close', () => resolve()));

    door.publish(
      topic('deviceTelemetry', { branch, device: 'cam+1' }),
      JSON.stringify(telemetry('cam+1')),
      { qos: 1 },
    );
    await closed;

    expect(received).toEqual([]);
    door.end(true);
    await off();
  });

  it('negates a subscription beyond the client’s own filters', async () => {
    const board = await connect('board', 'pw-board');

    const granted = await board.subscribeAsync(topicFilter('queueState', { branch }));

    expect(granted[0]?.qos).toBe(0);
    // MQTT.js turns a SUBACK return code 0x80 into a rejected subscription.
    await expect(board.subscribeAsync(`sb/v1/${branch}/#`)).rejects.toThrow(/Subscribe error/);
    await board.endAsync();
  });

  it('never lets one device’s subscription match another whose id differs by a wildcard', async () => {
    const camera = await connect('cam+1', 'pw-cam');
    const seen: string[] = [];
    camera.on('message', (name) => seen.push(name));
    await camera.subscribeAsync(deviceFilter(branch, 'cam+1'));

    await bus.publish('deviceTelemetry', { device: 'cam 1' }, telemetry('cam 1'));
    await bus.publish('deviceTelemetry', { device: 'cam+1' }, telemetry('cam+1'));
    await eventually(() => seen.length === 1, 'the camera’s own message');

    expect(seen).toEqual([topic('deviceTelemetry', { branch, device: 'cam+1' })]);
    await camera.endAsync();
  });
});

describe('refused requests', () => {
  it('answers a kiosk request that fails its schema, naming the field', async () => {
    const kioskBus = await startBus(
      {
        branch,
        port: 0,
        clients: [
          {
            username: 'kiosk',
            password: 'pw-kiosk',
            publish: [topic('queueIssue', { branch })],
            subscribe: [topic('reply', { branch, client: 'kiosk-1' })],
          },
        ],
      },
      context,
    );
    const kiosk = await mqtt.connectAsync(kioskBus.url, {
      username: 'kiosk',
      password: 'pw-kiosk',
      reconnectPeriod: 0,
    });
    const replies: unknown[] = [];
    kiosk.on('message', (_name, payload) => replies.push(JSON.parse(payload.toString())));
    await kiosk.subscribeAsync(topic('reply', { branch, client: 'kiosk-1' }));

    await kiosk.publishAsync(
      topic('queueIssue', { branch }),
      JSON.stringify({
        requestId: 'r-9',
        replyTo: 'kiosk-1',
        service: 'cash',
        source: 'teleport',
      }),
      { qos: 1 },
    );
    await eventually(() => replies.length === 1, 'the refusal');

    expect(replies[0]).toMatchObject({
      correlationId: 'r-9',
      status: 'error',
      error: { code: 'SB_ERR_INVALID_MESSAGE', path: 'source' },
    });
    await kiosk.endAsync();
    await kioskBus.close();
  });
});

describe('clients held until the modules subscribe', () => {
  it('acknowledges a press sent before admission only once a subscriber has it', async () => {
    const heldBus = await startBus(
      {
        branch,
        port: 0,
        holdClients: true,
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
    const door = mqtt.connect(heldBus.url, {
      username: 'door/3',
      password: 'pw-door',
      reconnectPeriod: 0,
      clientId: 'door/3',
    });
    const acknowledged: boolean[] = [];
    // Sent at once: MQTT.js keeps it until the CONNACK, which a held client does not get.
    door.publish(
      topic('deviceTelemetry', { branch, device: 'door/3' }),
      JSON.stringify(telemetry('door/3')),
      { qos: 1 },
      (err) => acknowledged.push(!err),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(door.connected).toBe(false);

    const received: DeviceTelemetry[] = [];
    await heldBus.subscribe('deviceTelemetry', {}, (message) => void received.push(message));
    heldBus.admitClients();
    heldBus.admitClients();
    await eventually(() => acknowledged.length === 1, 'the acknowledgement');

    expect(acknowledged).toEqual([true]);
    expect(received).toEqual([telemetry('door/3')]);
    expect(
      context.lines
        .filter((line) => line.msg === 'local bus admitting clients')
        .map((line) => line.held),
    ).toEqual([1]);
    await door.endAsync();
    await heldBus.close();
  });

  it('closes with a client still held, and that client sees its connection end', async () => {
    const heldBus = await startBus({ branch, port: 0, holdClients: true, clients: [] }, context);
    const waiting = mqtt.connect(heldBus.url, { username: 'x', password: 'y', reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => waiting.once('close', () => resolve()));
    await eventually(() => heldBus.stats() !== undefined, 'the bus');
    await new Promise((resolve) => setTimeout(resolve, 100));

    await heldBus.close();
    await closed;

    expect(waiting.connected).toBe(false);
    waiting.end(true);
  });
});
