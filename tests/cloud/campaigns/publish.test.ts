import { createHash, verify } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CampaignManifest,
  decodeMessage,
  encodeMessage,
  manifestSigningBytes,
  topic,
} from '../../../protocol/index.ts';
import { connect, enrol } from '../peer.ts';
import { type Client, campaignBody, type Harness, startHarness } from './support.ts';

let harness: Harness;
let marketer: Client;
let gateway: MqttClient;
const manifests: CampaignManifest[] = [];

async function until<T>(probe: () => Promise<T | null | undefined> | T | null | undefined) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not reached');
}

beforeAll(async () => {
  harness = await startHarness();
  marketer = await harness.as('marketer');
  const token = await harness.cloud.createEnrolmentToken('north#1');
  const credentials = await enrol(harness.cloud.httpUrl, token, 'gw-north');
  gateway = await connect(harness.cloud.brokerUrl, 'gw-north', credentials.broker.password);
  gateway.on('message', (_name, payload) => {
    const decoded = decodeMessage('campaignManifest', payload);
    if (decoded.ok) manifests.push(decoded.message);
  });
  await gateway.subscribeAsync(topic('campaignManifest', { branch: 'north#1' }), { qos: 1 });
});

afterAll(async () => {
  await gateway.endAsync();
  await harness.stop();
});

describe('campaign assets', () => {
  it('stores an upload by its sha256 and serves the same bytes back', async () => {
    const bytes = Buffer.from('GIF89a fake picture bytes');
    const sha256 = createHash('sha256').update(bytes).digest('hex');

    const upload = await marketer.request('POST', '/api/assets', bytes, 'image/gif');
    const served = await fetch(`${harness.cloud.httpUrl}/api/assets/${sha256}`);

    expect(upload.status).toBe(201);
    expect(upload.body).toEqual({ sha256, size: bytes.length, mime: 'image/gif' });
    expect(Buffer.from(await served.arrayBuffer())).toEqual(bytes);
    expect(served.headers.get('content-type')).toBe('image/gif');
  });

  it('answers 404 for an asset nobody uploaded and 400 for a malformed hash', async () => {
    const missing = await fetch(`${harness.cloud.httpUrl}/api/assets/${'a'.repeat(64)}`);
    const malformed = await marketer.get('/api/assets/nothex');

    expect(missing.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.path).toBe('sha256');
  });
});

describe('campaign bodies', () => {
  it('refuses an item naming an asset that was never uploaded, naming the item', async () => {
    const body = campaignBody('ghost', {
      items: [{ id: 'ghost-img', type: 'image', asset: 'b'.repeat(64) }],
    });

    const answer = await marketer.post('/api/campaigns', body);

    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'items.0.asset',
    });
  });

  it('refuses an unknown objective and a selector naming no criterion, by field', async () => {
    const objective = await marketer.post(
      '/api/campaigns',
      campaignBody('x1', { objective: 'fame' }),
    );
    const selector = await marketer.post('/api/campaigns', campaignBody('x2', { branches: {} }));

    expect(objective.body.error.path).toBe('objective');
    expect(selector.body.error.path).toBe('branches');
  });

  it('refuses a date range that ends before it starts, naming the end date', async () => {
    const schedule = { startDate: '2026-06-10', endDate: '2026-06-01' };
    const backwards = await marketer.post('/api/campaigns', campaignBody('x3', { schedule }));
    const oneDay = { startDate: '2026-06-10', endDate: '2026-06-10' };
    const sameDay = await marketer.post('/api/campaigns', campaignBody('x4', { schedule: oneDay }));

    expect(backwards.status).toBe(400);
    expect(backwards.body.error.path).toBe('schedule.endDate');
    expect(sameDay.status).toBe(201);
  });
});

describe('publishing', () => {
  it('publishes a signed, retained manifest to exactly the branches its region picks', async () => {
    const created = await marketer.post('/api/campaigns', campaignBody('spring'));
    const published = await marketer.post('/api/campaigns/spring/publish');
    const manifest = await until(() => manifests.find((m) => m.campaigns.length > 0));

    expect(created.status).toBe(201);
    expect(created.body.status).toBe('draft');
    expect(published.body).toEqual({ status: 'live', branches: ['north#1'] });
    expect(manifest).toMatchObject({ branch: 'north#1', version: 1 });
    expect(manifest.campaigns.map((campaign) => campaign.id)).toEqual(['spring']);
    const signature = Buffer.from(manifest.signature, 'base64');
    const key = harness.cloud.manifestPublicKey;
    expect(verify(null, manifestSigningBytes(manifest), key, signature)).toBe(true);
    const rollout = await marketer.get('/api/campaigns/spring/rollout');
    expect(rollout.body.branches).toMatchObject([{ branch: 'north#1', state: 'pending' }]);
  });

  it('shows the rollout applied once the gateway reports the version', async () => {
    const report = { gateway: 'gw-north', version: 1, state: 'applied' as const, at: 1 };
    await gateway.publishAsync(
      topic('rolloutReport', { branch: 'north#1' }),
      encodeMessage('rolloutReport', report),
      { qos: 1 },
    );

    const rollout = await until(async () => {
      const answer = await marketer.get('/api/campaigns/spring/rollout');
      return answer.body.counts.applied === 1 ? answer.body : null;
    });

    expect(rollout.branches).toMatchObject([
      { branch: 'north#1', version: 1, state: 'applied', gateway: 'gw-north' },
    ]);
    const page = await marketer.get('/campaigns/spring/rollout?lang=en');
    const chinese = await marketer.get('/campaigns/spring/rollout?lang=zh');
    expect(page.text).toMatch(
      /<tr data-branch="north#1">[\s\S]*data-state="applied"[^>]*>applied</,
    );
    expect(chinese.text).toContain('lang="zh-CN"');
    expect(chinese.text).toMatch(/data-state="applied"[^>]*>已生效</);
    expect(chinese.text).toContain('name="viewport"');
  });

  it('takes a paused campaign out with the next version and marks its rollout removed', async () => {
    const paused = await marketer.post('/api/campaigns/spring/pause');
    const manifest = await until(() => manifests.find((m) => m.version === 2));

    expect(paused.body.branches).toEqual(['north#1']);
    expect(manifest.campaigns).toEqual([]);
    const rollout = await marketer.get('/api/campaigns/spring/rollout');
    expect(rollout.body.branches[0]).toMatchObject({ version: 2, state: 'removed' });
  });

  it('ignores a rollout report from a gateway claiming to be another', async () => {
    const forged = { gateway: 'gw-south', version: 2, state: 'failed' as const, at: 2 };
    await gateway.publishAsync(
      topic('rolloutReport', { branch: 'north#1' }),
      encodeMessage('rolloutReport', forged),
      { qos: 1 },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));

    const rollout = await marketer.get('/api/campaigns/spring/rollout');
    expect(rollout.body.branches[0].state).toBe('removed');
  });

  it('shows a campaign scheduled before its start date and ended after its end date', async () => {
    const later = campaignBody('later', { schedule: { startDate: '2026-03-01' } });
    const past = campaignBody('past', { schedule: { endDate: '2025-12-31' } });
    await marketer.post('/api/campaigns', later);
    await marketer.post('/api/campaigns', past);

    const scheduled = await marketer.post('/api/campaigns/later/publish');
    await marketer.post('/api/campaigns/past/publish');

    expect(scheduled.body.status).toBe('scheduled');
    expect((await marketer.get('/api/campaigns/later')).body.status).toBe('scheduled');
    expect((await marketer.get('/api/campaigns/past')).body.status).toBe('ended');
  });
});
