import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/index.ts';
import { type CommandRequest, decodeMessage, topic } from '../../../protocol/index.ts';
import { until } from '../../edge/uplink/support.ts';
import { testContext } from '../../support/context.ts';
import { type Client, type Harness, startHarness } from '../campaigns/support.ts';
import { connect, enrol } from '../peer.ts';

describe.each(['sqlite', 'postgres'] as const)('command numbers on %s', (dialect) => {
  const context = testContext(systemClock);
  let harness: Harness;
  let admin: Client;
  let peer: MqttClient;
  const seen: CommandRequest[] = [];

  beforeAll(async () => {
    harness = await startHarness(dialect, { context });
    admin = await harness.as('admin');
    const token = await harness.cloud.createEnrolmentToken('north#1');
    const enrolled = await enrol(harness.cloud.httpUrl, token, 'gw-count');
    peer = await connect(harness.cloud.brokerUrl, 'gw-count', enrolled.broker.password);
    peer.on('message', (_name, payload) => {
      const decoded = decodeMessage('commandRequest', payload);
      if (decoded.ok) seen.push(decoded.message);
    });
    await peer.subscribeAsync(topic('commandRequest', { branch: 'north#1' }), { qos: 1 });
  });

  afterAll(async () => {
    await peer?.endAsync();
    await harness?.stop();
  });

  it('numbers commands sent at the same moment 1, 2, 3... for one gateway, signed', async () => {
    const sent = await Promise.all(
      ['a', 'b', 'c', 'd'].map((theme) =>
        admin.post('/api/gateways/gw-count/commands', { action: 'set-theme', theme: `t-${theme}` }),
      ),
    );

    await until(() => seen.length === 4);

    expect(sent.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
    expect(seen.map((request) => request.sequence).sort()).toEqual([1, 2, 3, 4]);
    expect(new Set(seen.map((request) => request.signature)).size).toBe(4);
    expect(seen.every((request) => request.branch === 'north#1')).toBe(true);
  });
});
