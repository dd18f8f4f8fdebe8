import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../../../edge/runtime.ts';
import { type Reply, topic } from '../../../protocol/index.ts';
import { eventually, tempDir, testContext } from '../../support/context.ts';
import { rawConnect } from '../../support/raw-mqtt.ts';

const branch = 'qos2-branch';
const dir = tempDir('sb-qos2-');
let gateway: Gateway;
let board: MqttClient;
const replies: Reply[] = [];
const issueTopic = topic('queueIssue', { branch });
const kiosks = ['kiosk-clean', 'kiosk-session'];

beforeAll(async () => {
  gateway = await startGateway(
    parseConfig(
      'gateway',
      {
        gateway: 'qos2-gw',
        branch,
        branchName: 'QoS 2',
        dataDir: join(dir.path, 'gateway'),
        http: { port: 0 },
        bus: {
          port: 0,
          clients: [
            ...kiosks.map((username) => ({
              username,
              password: 'kiosk-pass',
              publish: [issueTopic],
              subscribe: [],
            })),
            {
              username: 'board',
              password: 'board-pass',
              publish: [],
              subscribe: kiosks.map((client) => topic('reply', { branch, client })),
            },
          ],
        },
        queue: {
          timeZone: 'Asia/Shanghai',
          services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
          counters: [{ id: '1', name: 'Counter 1', services: ['cash'] }],
        },
      },
      GatewayConfig,
    ),
    testContext(),
  );
  board = await mqtt.connectAsync(gateway.busUrl, {
    username: 'board',
    password: 'board-pass',
    reconnectPeriod: 0,
  });
  board.on('message', (_topic, payload) => replies.push(JSON.parse(payload.toString()) as Reply));
  await board.subscribeAsync(
    kiosks.map((client) => topic('reply', { branch, client })),
    { qos: 1 },
  );
});

afterAll(async () => {
  await board?.endAsync();
  await gateway?.stop();
  dir.remove();
});

const ticketRequest = (requestId: string, kiosk: string) =>
  JSON.stringify({ requestId, service: 'cash', source: 'kiosk', replyTo: kiosk });

function publish(messageId: number, requestId: string, kiosk: string, dup = false): Packet {
  const payload = ticketRequest(requestId, kiosk);
  return { cmd: 'publish', topic: issueTopic, payload, qos: 2, messageId, dup, retain: false };
}

const answered = (requestId: string) => replies.filter((r) => r.correlationId === requestId);
const issued = () => gateway.stats().queue?.issued ?? 0;

function login(clientId: string, clean: boolean) {
  return rawConnect(gateway.busUrl, {
    clientId,
    clean,
    username: clientId,
    password: 'kiosk-pass',
  });
}

describe('QoS 2 ticket requests on the gateway bus', () => {
  it('delivers a new message that reuses a packet id after a clean-session reconnect', async () => {
    const before = issued();
    const first = await login('kiosk-clean', true);
    first.client.send(publish(1, 'before-reconnect', 'kiosk-clean'));
    expect(await first.client.next('pubrec')).toMatchObject({ messageId: 1 });
    first.client.drop();

    // A clean session drops the old session's state [MQTT-3.1.2-6], including the packet id
    // the broker still held for PUBREL: id 1 is free again, and a broker that kept it would
    // take the new ticket for a duplicate and answer PUBREC without delivering it.
    const second = await login('kiosk-clean', true);
    second.client.send(publish(1, 'after-reconnect', 'kiosk-clean'));
    expect(await second.client.next('pubrec')).toMatchObject({ messageId: 1 });
    second.client.send({ cmd: 'pubrel', messageId: 1 });
    expect(await second.client.next('pubcomp')).toMatchObject({ messageId: 1 });
    await eventually(() => answered('after-reconnect').length === 1, 'the ticket');

    // aedes passes a QoS 2 message on when it stores it (before PUBREC), so the first
    // request was issued too; each exactly once.
    expect(answered('after-reconnect')[0]?.status).toBe('ok');
    expect(answered('before-reconnect')).toHaveLength(1);
    expect(issued() - before).toBe(2);
    second.client.drop();
  });

  it('issues once when a persistent session resends PUBREL or a duplicate PUBLISH', async () => {
    const before = issued();
    const first = await login('kiosk-session', false);
    first.client.send(publish(7, 'released-late', 'kiosk-session'));
    await first.client.next('pubrec');
    first.client.send(publish(8, 'sent-twice', 'kiosk-session'));
    await first.client.next('pubrec');
    first.client.drop();

    // On a persistent session the kiosk resends what is unfinished [MQTT-4.4.0-1]: PUBREL for
    // the first; the second's PUBREC it takes as lost, so it resends that PUBLISH (dup).
    const second = await login('kiosk-session', false);
    second.client.send({ cmd: 'pubrel', messageId: 7 });
    expect(await second.client.next('pubcomp')).toMatchObject({ messageId: 7 });
    second.client.send(publish(8, 'sent-twice', 'kiosk-session', true));
    expect(await second.client.next('pubrec')).toMatchObject({ messageId: 8 });
    second.client.send({ cmd: 'pubrel', messageId: 8 });
    expect(await second.client.next('pubcomp')).toMatchObject({ messageId: 8 });
    // Packet id 7 is free after its PUBCOMP: a new ticket with it is a new ticket.
    second.client.send(publish(7, 'id-reused', 'kiosk-session'));
    await second.client.next('pubrec');
    second.client.send({ cmd: 'pubrel', messageId: 7 });
    await second.client.next('pubcomp');
    await eventually(() => answered('id-reused').length === 1, 'the third ticket');

    expect(answered('released-late')).toHaveLength(1);
    expect(answered('sent-twice')).toHaveLength(1);
    expect(issued() - before).toBe(3);
    second.client.drop();
  });
});
