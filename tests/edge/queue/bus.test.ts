import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusClient } from '../../../edge/bus/index.ts';
import {
  decodeMessage,
  type QueueEvent,
  type QueueState,
  type Reply,
  topic,
  topicFilter,
} from '../../../protocol/index.ts';
import { eventually, manualClock, tempDir } from '../../support/context.ts';
import { branch, type Gateway, requestId, startGateway } from './harness.ts';

const clients: BusClient[] = [
  {
    username: 'kiosk-1',
    password: 'pw',
    publish: [topicFilter('queueIssue', { branch })],
    subscribe: [topicFilter('reply', { branch, client: 'kiosk-1' })],
  },
  {
    username: 'counters',
    password: 'pw',
    publish: [topicFilter('queueCounterCommand', { branch })],
    subscribe: [topicFilter('reply', { branch })],
  },
  {
    username: 'board',
    password: 'pw',
    publish: [],
    subscribe: [topicFilter('queueState', { branch }), topicFilter('queueEvent', { branch })],
  },
  {
    username: 'operator',
    password: 'pw',
    publish: [topicFilter('queueState', { branch })],
    subscribe: [],
  },
  {
    username: 'door',
    password: 'pw',
    publish: [topicFilter('deviceTelemetry', { branch })],
    subscribe: [],
  },
];

const dir = tempDir('sb-queue-bus-');
const clock = manualClock();
let gateway: Gateway;
const open: MqttClient[] = [];

beforeAll(async () => {
  gateway = await startGateway({ dir: dir.path, clock, clients });
});

afterAll(async () => {
  await Promise.all(open.map((client) => client.endAsync(true)));
  await gateway.stop();
  dir.remove();
});

async function connect(username: string, to: Gateway = gateway) {
  const client = await mqtt.connectAsync(to.bus.url, {
    username,
    password: 'pw',
    reconnectPeriod: 0,
    clientId: `${username}-${requestId()}`,
  });
  open.push(client);
  return client;
}

/** Every message on `filter`, decoded as `channel`, as it arrives. */
async function listen<C extends 'reply' | 'queueEvent' | 'queueState'>(
  client: MqttClient,
  channel: C,
  filter: string,
) {
  const received: ReturnType<typeof decodeMessage<C>>[] = [];
  client.on('message', (name, payload) => {
    if (name.startsWith(filter.replace(/\/\+.*$/, '').replace(/\/#$/, ''))) {
      received.push(decodeMessage(channel, payload));
    }
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return received;
}

const okMessages = <T>(list: { ok: boolean; message?: T }[]) =>
  list.filter((entry) => entry.ok).map((entry) => entry.message as T);

const issueTopic = topic('queueIssue', { branch });
const commandTopic = (counter: string) => topic('queueCounterCommand', { branch, counter });
const publishJson = (client: MqttClient, name: string, body: unknown) =>
  client.publishAsync(name, JSON.stringify(body), { qos: 1 });

describe('queue on the bus', () => {
  it('answers a kiosk on its reply topic and tells boards through an event and retained state', async () => {
    const kiosk = await connect('kiosk-1');
    const board = await connect('board');
    const replies = await listen(kiosk, 'reply', topic('reply', { branch, client: 'kiosk-1' }));
    const events = await listen(board, 'queueEvent', topic('queueEvent', { branch }));

    await publishJson(kiosk, issueTopic, {
      requestId: 'k1-1',
      replyTo: 'kiosk-1',
      service: 'cash',
      source: 'kiosk',
    });
    await eventually(() => replies.length === 1 && events.length === 1, 'reply and event');

    const reply = okMessages<Reply>(replies)[0];
    expect(reply).toMatchObject({
      correlationId: 'k1-1',
      status: 'ok',
      data: { number: 'A001', service: 'cash', state: 'waiting' },
    });
    expect(okMessages<QueueEvent>(events)[0]).toMatchObject({
      type: 'issued',
      ticket: { number: 'A001' },
    });

    const late = await connect('board');
    const states = await listen(late, 'queueState', topic('queueState', { branch }));
    await eventually(() => states.length >= 1, 'retained state');
    expect(okMessages<QueueState>(states)[0]?.waiting).toContainEqual({
      service: 'cash',
      count: 1,
    });
  });

  it('refuses a malformed kiosk message with a logged reason and changes nothing', async () => {
    const kiosk = await connect('kiosk-1');
    const before = { stats: gateway.queue.stats(), rejected: gateway.bus.stats().rejected };

    await publishJson(kiosk, issueTopic, { replyTo: 'kiosk-1', service: 'cash', source: 'kiosk' });
    await kiosk.publishAsync(issueTopic, 'not json at all', { qos: 1 });
    await eventually(() => gateway.bus.stats().rejected === before.rejected + 2, 'two refusals');

    // The bus logs a source's refusals once a minute per topic and code; both are counted.
    const refusals = gateway.context.lines.filter((line) => line.msg === 'message refused');
    expect(refusals.map((line) => [line.code, line.path])).toEqual([
      ['SB_ERR_INVALID_MESSAGE', 'requestId'],
    ]);
    expect(gateway.queue.stats()).toEqual(before.stats);
  });

  it('answers an unknown service with its code and path and issues nothing', async () => {
    const kiosk = await connect('kiosk-1');
    const replies = await listen(kiosk, 'reply', topic('reply', { branch, client: 'kiosk-1' }));
    const before = gateway.queue.stats();

    await publishJson(kiosk, issueTopic, {
      requestId: 'k1-bad',
      replyTo: 'kiosk-1',
      service: 'VIP+',
      source: 'kiosk',
    });
    await eventually(() => replies.length === 1, 'the error reply');

    expect(okMessages<Reply>(replies)[0]).toMatchObject({
      correlationId: 'k1-bad',
      status: 'error',
      error: { code: 'SB_ERR_UNKNOWN_SERVICE', path: 'service' },
    });
    expect(gateway.queue.stats()).toEqual(before);
  });

  it('gives a double call-next its one ticket twice while another counter gets the next one', async () => {
    // A gateway of its own, so that the queue starts from A001 as in the field case.
    const own = tempDir('sb-queue-bus-double-');
    const fresh = await startGateway({ dir: own.path, clock: manualClock(), clients });
    const counters = await connect('counters', fresh);
    const board = await connect('board', fresh);
    const replies = await listen(counters, 'reply', topicFilter('reply', { branch }));
    const events = await listen(board, 'queueEvent', topic('queueEvent', { branch }));
    const first = fresh.queue.issue({ requestId: requestId(), service: 'cash', source: 'kiosk' });
    const second = fresh.queue.issue({
      requestId: requestId(),
      service: 'cash',
      source: 'kiosk',
    });

    const double = { requestId: 'c3-click', replyTo: 'c3', action: 'call-next' };
    await publishJson(counters, commandTopic('3'), double);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all([
      publishJson(counters, commandTopic('3'), double),
      publishJson(counters, commandTopic('4'), {
        requestId: 'c4-1',
        replyTo: 'c4',
        action: 'call-next',
      }),
    ]);
    await eventually(() => replies.length === 3, 'three answers');

    const answers = okMessages<Reply>(replies);
    const held = (id: string) =>
      answers
        .filter((reply) => reply.correlationId === id)
        .map((reply) => (reply.data as { number: string }).number);
    expect([first.number, second.number]).toEqual(['A001', 'A002']);
    expect(held('c3-click')).toEqual(['A001', 'A001']);
    expect(held('c4-1')).toEqual(['A002']);
    const called = () => okMessages<QueueEvent>(events).filter((event) => event.type === 'called');
    await eventually(() => called().length >= 2, 'the call events');
    const calls = called();
    expect(calls.map((event) => event.ticket.number).sort()).toEqual(['A001', 'A002']);
    const announced = calls.find((event) => event.ticket.number === 'A001')?.announcement;
    expect(announced?.length).toBeGreaterThan(0);

    expect(fresh.queue.command('3', { requestId: requestId(), action: 'end' })?.state).toBe(
      'served',
    );
    fresh.queue.issue({ requestId: requestId(), service: 'cash', source: 'kiosk' });
    expect(fresh.queue.command('3', { requestId: requestId(), action: 'call-next' })?.counter).toBe(
      '3',
    );
    await Promise.all([counters.endAsync(true), board.endAsync(true)]);
    await fresh.stop();
    own.remove();
  });

  it('never gives one ticket to two counters calling at the same moment', async () => {
    await drainQueue();
    const counters = await connect('counters');
    const replies = await listen(counters, 'reply', topicFilter('reply', { branch }));
    for (let index = 0; index < 20; index++) {
      gateway.queue.issue({ requestId: requestId(), service: 'cash', source: 'kiosk' });
    }

    // Each counter ends what it holds before calling, so every call takes a fresh ticket.
    const burst = ['3', '4'].flatMap((counter) =>
      Array.from({ length: 10 }, () => [
        publishJson(counters, commandTopic(counter), { requestId: requestId(), action: 'end' }),
        publishJson(counters, commandTopic(counter), {
          requestId: requestId(),
          replyTo: `c${counter}`,
          action: 'call-next',
        }),
      ]).flat(),
    );
    await Promise.all(burst);
    await eventually(() => replies.length === 20, 'twenty answers');

    const numbers = okMessages<Reply>(replies).map((reply) => (reply.data as { id: string }).id);
    expect(new Set(numbers).size).toBe(20);
  });

  it('puts the state back after a zero-byte retained message, and refuses one without the right', async () => {
    const watching = await connect('board');
    const seen = await listen(watching, 'queueState', topic('queueState', { branch }));
    await eventually(() => seen.length >= 1, 'the retained state');
    const operator = await connect('operator');
    await operator.publishAsync(topic('queueState', { branch }), '', { qos: 1, retain: true });
    await eventually(() => seen.length >= 2, 'the empty message');
    const cleared = seen.length;
    await clock.advance(1000);
    await eventually(() => seen.length > cleared, 'the state republished within 1 s');
    await clock.advance(2000);

    const board = await connect('board');
    const states = await listen(board, 'queueState', topic('queueState', { branch }));
    await eventually(() => states.length >= 1, 'the state again');
    expect(seen[cleared - 1]?.ok).toBe(false);
    expect(seen[cleared]).toMatchObject({ ok: true, message: { day: expect.any(String) } });
    expect(states[0]?.ok).toBe(true);
    expect([watching.connected, operator.connected]).toEqual([true, true]);

    const door = await connect('door');
    const closed = new Promise<void>((resolve) => door.once('close', () => resolve()));
    door.publish(topic('queueState', { branch }), '', { qos: 1, retain: true });
    await closed;
    const later = await connect('board');
    const again = await listen(later, 'queueState', topic('queueState', { branch }));
    await eventually(() => again.length >= 1, 'the state still retained');
    expect(again[0]?.ok).toBe(true);
  });
});

/** Serves everything waiting or held, so a test starts from an empty queue. */
async function drainQueue() {
  for (const counter of ['3', '4']) {
    for (;;) {
      try {
        gateway.queue.command(counter, { requestId: requestId(), action: 'call-next' });
      } catch {
        break;
      }
    }
    try {
      gateway.queue.command(counter, { requestId: requestId(), action: 'end' });
    } catch {
      // nothing held
    }
  }
}
