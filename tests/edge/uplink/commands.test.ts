import { generateKeyPairSync, sign } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/index.ts';
import {
  type CommandAck,
  type CommandRequest,
  commandSigningBytes,
  decodeMessage,
  topic,
} from '../../../protocol/index.ts';
import { type Client, type Harness, startHarness } from '../../cloud/campaigns/support.ts';
import { connect, enrol } from '../../cloud/peer.ts';
import { testContext } from '../../support/context.ts';
import { startTestGateway, type TestGateway, until } from './support.ts';

const context = testContext(systemClock);
const north = 'north#1';
let harness: Harness;
let admin: Client;
let gateway: TestGateway;
/** Another client of the north branch: sees the cloud's commands and the acks, and forges. */
let intruder: MqttClient;
/** A gateway of the south branch, enrolled only to receive a genuine command of its own. */
let south: MqttClient;
const seen: CommandRequest[] = [];
const acks: CommandAck[] = [];
const themes: string[] = [];

const send = (gatewayId: string, theme: string) =>
  admin.post(`/api/gateways/${gatewayId}/commands`, { action: 'set-theme', theme });

const settled = (id: string) =>
  until(async () => {
    const answer = await admin.get(`/api/commands/${id}`);
    return answer.body.state === 'sent' ? null : answer.body;
  });

const ackOf = (commandId: string, status: CommandAck['status'] = 'error') =>
  until(() => acks.find((ack) => ack.commandId === commandId && ack.status === status));

/** Published as raw JSON: the protocol's encoder would not let an unsigned command out. */
const forge = (request: object, branch = north) =>
  intruder.publishAsync(topic('commandRequest', { branch }), JSON.stringify(request), { qos: 1 });

/** A genuine command the cloud sent to north and north ran, as the intruder recorded it. */
async function genuine(theme: string): Promise<CommandRequest> {
  const sent = await send('gw-north', theme);
  await settled(sent.body.id);
  return until(() => seen.find((request) => request.commandId === sent.body.id));
}

beforeAll(async () => {
  harness = await startHarness('sqlite', { context });
  admin = await harness.as('admin');
  const peer = await enrol(
    harness.cloud.httpUrl,
    await harness.cloud.createEnrolmentToken(north),
    'gw-peer',
  );
  intruder = await connect(harness.cloud.brokerUrl, 'gw-peer', peer.broker.password);
  intruder.on('message', (_name, payload) => {
    const request = decodeMessage('commandRequest', payload);
    if (request.ok) seen.push(request.message);
    const ack = decodeMessage('commandAck', payload);
    if (ack.ok) acks.push(ack.message);
  });
  await intruder.subscribeAsync(
    [topic('commandRequest', { branch: north }), topic('commandAck', { branch: north })],
    { qos: 1 },
  );
  const southPeer = await enrol(
    harness.cloud.httpUrl,
    await harness.cloud.createEnrolmentToken('south/2'),
    'gw-south',
  );
  south = await connect(harness.cloud.brokerUrl, 'gw-south', southPeer.broker.password);
  south.on('message', (_name, payload) => {
    const request = decodeMessage('commandRequest', payload);
    if (request.ok) seen.push(request.message);
  });
  await south.subscribeAsync(topic('commandRequest', { branch: 'south/2' }), { qos: 1 });
  gateway = await startTestGateway(harness, north, 'gw-north', context, {
    commands: { 'set-theme': (request) => themes.push(request.theme ?? '') },
  });
  await until(() => gateway.uplink.stats().state === 'online');
});

afterAll(async () => {
  await gateway.stop();
  gateway.remove();
  await intruder.endAsync();
  await south.endAsync();
  await harness.stop();
});

describe('signed remote commands', () => {
  it('runs a command the cloud signed, numbered after the ones before', async () => {
    const first = await genuine('car-life');
    const second = await genuine('health');

    expect(themes).toEqual(['car-life', 'health']);
    expect(first).toMatchObject({ branch: north, gateway: 'gw-north', sequence: 1 });
    expect(second.sequence).toBe(2);
    expect(second.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect((await ackOf(second.commandId, 'ok')).commandId).toBe(second.commandId);
  });

  it('refuses an unsigned, a wrongly signed and a tampered command, and nothing changes', async () => {
    const model = await until(() => seen.find((request) => request.sequence === 2));
    const { signature: _signature, keyId: _keyId, ...unsigned } = model;
    const stranger = generateKeyPairSync('ed25519').privateKey;
    const otherKey = {
      ...unsigned,
      commandId: 'forged-other-key',
      sequence: 50,
      theme: 'gold',
      keyId: model.keyId,
    };
    const signedByStranger = {
      ...otherKey,
      signature: sign(null, commandSigningBytes(otherKey), stranger).toString('base64'),
    };

    await forge({ ...unsigned, commandId: 'forged-unsigned', sequence: 40, theme: 'gold' });
    await forge(signedByStranger);
    await forge({ ...model, commandId: 'forged-tampered', sequence: 60, theme: 'gold' });

    expect(await ackOf('forged-unsigned')).toMatchObject({
      status: 'error',
      error: { code: 'SB_ERR_INVALID_MESSAGE' },
    });
    expect(await ackOf('forged-other-key')).toMatchObject({
      status: 'error',
      error: { code: 'SB_ERR_UNAUTHENTICATED', message: "not signed by the cloud's key" },
    });
    expect(await ackOf('forged-tampered')).toMatchObject({
      status: 'error',
      error: { code: 'SB_ERR_UNAUTHENTICATED' },
    });
    expect(themes).toEqual(['car-life', 'health']);
    expect(
      context.lines.some(
        (line) => line.msg === 'command refused' && line.code === 'SB_ERR_UNAUTHENTICATED',
      ),
    ).toBe(true);
  });

  it("refuses another branch's genuine command played on this branch's topic", async () => {
    const sent = await send('gw-south', 'gold');
    const theirs = await until(() => seen.find((request) => request.commandId === sent.body.id));

    await forge({ ...theirs, gateway: 'gw-north' });
    await forge(theirs);
    const refused = await until(() =>
      context.lines.find(
        (line) => line.msg === 'command refused' && line.reason === 'for another branch',
      ),
    );

    expect(theirs).toMatchObject({ branch: 'south/2', gateway: 'gw-south', sequence: 1 });
    expect(refused).toMatchObject({ branch: 'south/2', code: 'SB_ERR_FORBIDDEN' });
    expect(themes).toEqual(['car-life', 'health']);
  });

  it('refuses a genuine command played again, also after a restart, and runs the next', async () => {
    const first = await until(() => seen.find((request) => request.sequence === 1));
    const second = await until(() => seen.find((request) => request.sequence === 2));

    await forge(second);
    await gateway.stop();
    await gateway.restart();
    await until(() => gateway.uplink.stats().state === 'online');
    await forge(first);
    await forge({ ...second, commandId: 'replayed-second' });
    const replayed = await ackOf(first.commandId);
    const next = await genuine('student');

    expect(replayed).toMatchObject({
      status: 'error',
      error: { code: 'SB_ERR_CONFLICT', message: 'replayed: sequence 1 is not above 2' },
    });
    // A changed id breaks the signature before the sequence is even looked at.
    expect((await ackOf('replayed-second')).error?.code).toBe('SB_ERR_UNAUTHENTICATED');
    expect(next.sequence).toBe(3);
    expect(themes).toEqual(['car-life', 'health', 'student']);
  });
});
