import { createHash } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/index.ts';
import {
  type CampaignManifest,
  decodeMessage,
  encodeMessage,
  topic,
} from '../../../protocol/index.ts';
import {
  type Client,
  campaignBody,
  type Harness,
  startHarness,
} from '../../cloud/campaigns/support.ts';
import { connect, enrol } from '../../cloud/peer.ts';
import { testContext } from '../../support/context.ts';
import { startTestGateway, type TestGateway, until } from './support.ts';

const context = testContext(systemClock);
let harness: Harness;
let marketer: Client;
let north: TestGateway;
/** A second client of the north branch: sees what the cloud publishes, and can tamper. */
let intruder: MqttClient;
const seen: CampaignManifest[] = [];
const picture = Buffer.from('\x89PNG fake picture for the window screen');
const pictureSha = createHash('sha256').update(picture).digest('hex');

const rollout = async (campaign: string) =>
  (await marketer.get(`/api/campaigns/${campaign}/rollout`)).body;

beforeAll(async () => {
  harness = await startHarness('sqlite', { context });
  marketer = await harness.as('marketer');
  await marketer.request('POST', '/api/assets', picture, 'image/png');
  const token = await harness.cloud.createEnrolmentToken('north#1');
  const peer = await enrol(harness.cloud.httpUrl, token, 'gw-peer');
  intruder = await connect(harness.cloud.brokerUrl, 'gw-peer', peer.broker.password);
  intruder.on('message', (_name, payload) => {
    const decoded = decodeMessage('campaignManifest', payload);
    if (decoded.ok) seen.push(decoded.message);
  });
  await intruder.subscribeAsync(topic('campaignManifest', { branch: 'north#1' }), { qos: 1 });
  north = await startTestGateway(harness, 'north#1', 'gw-north', context);
});

afterAll(async () => {
  await north.stop();
  north.remove();
  await intruder.endAsync();
  await harness.stop();
});

describe('campaign manifests on the gateway', () => {
  it('fetches the assets with their hash checked, applies the manifest and reports it', async () => {
    const items = [{ id: 'window-pic', type: 'image', asset: pictureSha, durationMs: 8000 }];
    await marketer.post('/api/campaigns', campaignBody('window', { items }));
    await marketer.post('/api/campaigns/window/publish');

    const done = await until(async () => {
      const answer = await rollout('window');
      return answer.counts.applied === 1 ? answer : null;
    });

    expect(done.branches).toMatchObject([{ branch: 'north#1', state: 'applied', version: 1 }]);
    expect(north.screens.applied.map((manifest) => manifest.version)).toEqual([1]);
    const item = north.screens.applied[0]?.campaigns[0]?.items[0];
    expect(item).toMatchObject({ id: 'window-pic', sha256: pictureSha, size: picture.length });
    expect(north.uplink.stats().manifestVersion).toBe(1);
  });

  it('refuses a tampered manifest with the reason and keeps what was applied', async () => {
    const legit = await until(() => seen.find((manifest) => manifest.version === 1));
    const tampered = {
      ...legit,
      version: 2,
      campaigns: [{ ...legit.campaigns[0], name: 'Free money' }],
    };
    await intruder.publishAsync(
      topic('campaignManifest', { branch: 'north#1' }),
      encodeMessage('campaignManifest', tampered as CampaignManifest),
      { qos: 1, retain: true },
    );
    // The cloud's next publish carries version 2 too, so the report lands on its rollout rows.
    await marketer.post('/api/campaigns', campaignBody('autumn'));
    await north.stop();
    await marketer.post('/api/campaigns/autumn/publish');
    await intruder.publishAsync(
      topic('campaignManifest', { branch: 'north#1' }),
      encodeMessage('campaignManifest', tampered as CampaignManifest),
      { qos: 1, retain: true },
    );
    await north.restart();

    const failed = await until(async () => {
      const answer = await rollout('autumn');
      return answer.counts.failed === 1 ? answer : null;
    });

    expect(failed.branches[0]).toMatchObject({
      version: 2,
      state: 'failed',
      reason: 'bad signature',
    });
    expect(north.screens.applied.map((manifest) => manifest.version)).toEqual([1]);
  });

  it('applies the genuine manifest when the cloud publishes again', async () => {
    await marketer.post('/api/campaigns/autumn/publish');

    await until(async () => (await rollout('autumn')).counts.applied === 1);

    expect(north.screens.applied.map((manifest) => manifest.version)).toEqual([1, 3]);
    expect(north.screens.applied[1]?.campaigns.map((c) => c.id).sort()).toEqual([
      'autumn',
      'window',
    ]);
  });

  it('ignores an older genuine manifest replayed on its topic', async () => {
    const old = await until(() => seen.find((manifest) => manifest.version === 1));
    await intruder.publishAsync(
      topic('campaignManifest', { branch: 'north#1' }),
      encodeMessage('campaignManifest', old),
      { qos: 1 },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(north.screens.applied.map((manifest) => manifest.version)).toEqual([1, 3]);
    expect(north.uplink.stats().manifestVersion).toBe(3);
  });

  it('refuses a manifest whose asset the cloud no longer has, and plays on', async () => {
    const other = Buffer.from('\x89PNG a second picture');
    const otherSha = createHash('sha256').update(other).digest('hex');
    await marketer.request('POST', '/api/assets', other, 'image/png');
    const items = [{ id: 'gone-pic', type: 'image', asset: otherSha }];
    await marketer.post('/api/campaigns', campaignBody('gone', { items }));
    await north.stop();
    await marketer.post('/api/campaigns/gone/publish');
    await harness.store.db
      .withTables<{ campaign_assets: { sha256: string } }>()
      .deleteFrom('campaign_assets')
      .where('sha256', '=', otherSha)
      .execute();
    await north.restart();

    const failed = await until(async () => {
      const answer = await rollout('gone');
      return answer.counts.failed === 1 ? answer : null;
    });

    expect(failed.branches[0].reason).toMatch(/^asset [0-9a-f]{64} not fetched: HTTP 404$/);
    expect(north.screens.applied.map((manifest) => manifest.version)).toEqual([1, 3]);
  });

  it("reports another branch's manifest as failed and applies nothing", async () => {
    const legit = await until(() => seen.find((manifest) => manifest.version === 1));
    const foreign = { ...legit, branch: 'south/2', version: 9 };
    await intruder.publishAsync(
      topic('campaignManifest', { branch: 'north#1' }),
      encodeMessage('campaignManifest', foreign),
      { qos: 1 },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(north.screens.applied.map((manifest) => manifest.version)).toEqual([1, 3]);
  });
});
