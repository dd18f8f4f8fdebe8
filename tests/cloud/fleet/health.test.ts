import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../core/index.ts';
import { encodeMessage, topic } from '../../../protocol/index.ts';
import { until } from '../../edge/uplink/support.ts';
import { type Client, type Harness, startHarness } from '../campaigns/support.ts';
import { connect, enrol } from '../peer.ts';

let harness: Harness;
let admin: Client;
let gateway: MqttClient;

beforeAll(async () => {
  harness = await startHarness();
  admin = await harness.as('admin');
  const token = await harness.cloud.createEnrolmentToken('north#1');
  const credentials = await enrol(harness.cloud.httpUrl, token, 'gw-north');
  gateway = await connect(harness.cloud.brokerUrl, 'gw-north', credentials.broker.password);
});

afterAll(async () => {
  await gateway.endAsync();
  await harness.stop();
});

const health = async () =>
  (await admin.get('/api/fleet/gateways')).body.gateways.find(
    (entry: { gateway: string }) => entry.gateway === 'gw-north',
  );

describe('gateway health', () => {
  it('shows last seen, version, backlog and devices, and offline after 2 silent minutes', async () => {
    const clock = harness.context.clock as ManualClock;
    const status = {
      gateway: 'gw-north',
      at: clock.now(),
      version: '0.2.0',
      people: 3,
      cameraSource: 'synthetic' as const,
      ticketsWaiting: 1,
      ticketsServedToday: 4,
      backlog: { audience: 2, redemptions: 1 },
      devicesOnline: 2,
      devicesTotal: 3,
    };
    await gateway.publishAsync(
      topic('liveStatus', { branch: 'north#1' }),
      encodeMessage('liveStatus', status),
      { qos: 1 },
    );

    const fresh = await until(async () => ((await health())?.online ? health() : null));
    await clock.advance(120_000);
    const atTheLimit = await health();
    await clock.advance(1);
    const silent = await health();

    expect(fresh).toMatchObject({
      branch: 'north#1',
      version: '0.2.0',
      backlog: 3,
      devicesOnline: 2,
      devicesTotal: 3,
      lastSeenAt: status.at,
    });
    expect(atTheLimit.online).toBe(true);
    expect(silent.online).toBe(false);
  });

  it('lists an enrolled gateway never heard from as offline', async () => {
    const token = await harness.cloud.createEnrolmentToken('south/2');
    await enrol(harness.cloud.httpUrl, token, 'gw-south');

    const answer = await admin.get('/api/fleet/gateways');

    expect(answer.body.gateways).toContainEqual(
      expect.objectContaining({ gateway: 'gw-south', online: false, lastSeenAt: null }),
    );
  });
});
