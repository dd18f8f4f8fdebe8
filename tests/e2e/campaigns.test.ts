import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/index.ts';
import {
  type CampaignManifest,
  decodeMessage,
  encodeMessage,
  type RolloutReport,
  topic,
} from '../../protocol/index.ts';
import {
  type Client,
  campaignBody,
  type Harness,
  startHarness,
} from '../cloud/campaigns/support.ts';
import { connect } from '../cloud/peer.ts';
import { startTestGateway, type TestGateway, until } from '../edge/uplink/support.ts';
import { testContext } from '../support/context.ts';

const context = testContext(systemClock);
const branches = Array.from({ length: 20 }, (_, index) => ({
  id: `branch-${String(index + 1).padStart(2, '0')}`,
  name: `Branch ${index + 1}`,
  timeZone: 'Asia/Shanghai',
  // A hand count: branches 1, 4, 7 … 19 are in the east, 7 of the 20.
  region: index % 3 === 0 ? 'east' : 'west',
  tags: index % 2 === 0 ? ['mall'] : [],
}));
const east = branches.filter((branch) => branch.region === 'east').map((branch) => branch.id);
let harness: Harness;
let marketer: Client;
let gateways: TestGateway[] = [];

const rollout = async (campaign: string) =>
  (await marketer.get(`/api/campaigns/${campaign}/rollout`)).body;
const applied = (gateway: TestGateway, campaign: string) =>
  gateway.screens.applied.some((m) => m.campaigns.some((c) => c.id === campaign));

beforeAll(async () => {
  harness = await startHarness('sqlite', { context, config: { branches } });
  marketer = await harness.as('marketer');
  gateways = await Promise.all(
    branches.map((branch) => startTestGateway(harness, branch.id, `gw-${branch.id}`, context)),
  );
  const admin = await harness.as('admin');
  await until(async () => {
    const health = await admin.get('/api/fleet/gateways');
    return health.body.gateways.filter((g: { online: boolean }) => g.online).length === 20;
  });
}, 120_000);

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  for (const gateway of gateways) gateway.remove();
  await harness.stop();
});

describe('a campaign rolled out to 20 gateways', () => {
  it('reaches exactly the branches of its region and ends applied everywhere', async () => {
    const picture = Buffer.from('\x89PNG spring picture');
    const sha256 = createHash('sha256').update(picture).digest('hex');
    await marketer.request('POST', '/api/assets', picture, 'image/png');
    const items = [{ id: 'spring-pic', type: 'image', asset: sha256 }];
    await marketer.post('/api/campaigns', campaignBody('spring', { items }));

    const published = await marketer.post('/api/campaigns/spring/publish');
    const done = await until(async () => {
      const answer = await rollout('spring');
      return answer.counts.applied === east.length ? answer : null;
    });

    expect(east).toHaveLength(7);
    expect(published.body.branches).toEqual(east);
    expect(done.branches.map((b: { branch: string }) => b.branch)).toEqual(east);
    const reached = gateways.filter((gateway) => applied(gateway, 'spring'));
    expect(reached.map((gateway) => gateway.branch)).toEqual(east);
  });

  it('applies on return at a gateway that was offline during the push', async () => {
    const away = gateways.find((gateway) => gateway.branch === east[2]) as TestGateway;
    await away.stop();
    await marketer.post(
      '/api/campaigns',
      campaignBody('summer', { branches: { regions: ['east'] } }),
    );
    await marketer.post('/api/campaigns/summer/publish');
    const meanwhile = await until(async () => {
      const answer = await rollout('summer');
      return answer.counts.applied === east.length - 1 ? answer : null;
    });

    await away.restart();
    const done = await until(async () => {
      const answer = await rollout('summer');
      return answer.counts.applied === east.length ? answer : null;
    });

    expect(meanwhile.counts.pending).toBe(1);
    expect(meanwhile.branches.find((b: { branch: string }) => b.branch === east[2]).state).toBe(
      'pending',
    );
    expect(done.counts.pending).toBe(0);
    expect(applied(away, 'summer')).toBe(true);
  });

  it('refuses a tampered manifest at the gateway and reports why', async () => {
    const target = gateways.find((gateway) => gateway.branch === east[0]) as TestGateway;
    const credentials = JSON.parse(readFileSync(join(target.dir, 'credentials.json'), 'utf8'));
    const intruder = await connect(
      harness.cloud.brokerUrl,
      credentials.broker.username,
      credentials.broker.password,
      'intruder',
    );
    const reports: RolloutReport[] = [];
    intruder.on('message', (_name, payload) => {
      const decoded = decodeMessage('rolloutReport', payload);
      if (decoded.ok) reports.push(decoded.message);
    });
    await intruder.subscribeAsync(topic('rolloutReport', { branch: target.branch }), { qos: 1 });
    const genuine = target.screens.applied.at(-1) as CampaignManifest;
    const tampered = { ...genuine, version: genuine.version + 1, campaigns: [] };

    await intruder.publishAsync(
      topic('campaignManifest', { branch: target.branch }),
      encodeMessage('campaignManifest', tampered),
      { qos: 1 },
    );
    const refusal = await until(() => reports.find((report) => report.state === 'failed'));
    await intruder.endAsync();

    expect(refusal).toMatchObject({ version: tampered.version, reason: 'bad signature' });
    expect(target.screens.applied.at(-1)?.version).toBe(genuine.version);
  });
});
