import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/index.ts';
import {
  type CampaignManifest,
  decodeMessage,
  encodeMessage,
  topic,
} from '../../protocol/index.ts';
import {
  type FleetBranch,
  fleetBranchId,
  fleetCloudBranches,
  fleetGateways,
} from '../../simulator/index.ts';
import {
  type Client,
  campaignBody,
  type Harness,
  startHarness,
} from '../cloud/campaigns/support.ts';
import { connect } from '../cloud/peer.ts';
import { until } from '../edge/uplink/support.ts';
import { tempDir, testContext } from '../support/context.ts';

const context = testContext(systemClock);
const root = tempDir('sb-fleet-campaigns-');
const size = 20;
// A hand count: fleet branch i is in region-(i mod 5), so region-2 holds 2, 7, 12 and 17.
const regionTwo = ['fleet-002', 'fleet-007', 'fleet-012', 'fleet-017'];
let harness: Harness;
let marketer: Client;
let fleet: ReturnType<typeof fleetGateways>;
const branches: FleetBranch[] = [];

const rollout = async (campaign: string): Promise<RolloutAnswer> =>
  (await marketer.get(`/api/campaigns/${campaign}/rollout`)).body;
const rolloutWhere = (campaign: string, test: (answer: RolloutAnswer) => boolean) =>
  until(async () => {
    const answer = await rollout(campaign);
    return test(answer) ? answer : null;
  }, 60_000);
const manifestVersion = (index: number) => {
  const uplink = fleet.gateways()[index]?.stats().uplink;
  return uplink && 'manifestVersion' in uplink ? uplink.manifestVersion : null;
};

interface RolloutAnswer {
  counts: Record<string, number>;
  branches: { branch: string; state: string; reason: string | null; version: number }[];
}

/** The campaigns a branch's screens hold, read from the gateway's own SQLite file. */
function campaignsOnScreens(branch: string): string[] {
  const db = new BetterSqlite3(join(root.path, branch, 'gateway.db'), { readonly: true });
  try {
    const bodies = db
      .prepare("SELECT body FROM screen_playlists WHERE source = 'campaign'")
      .pluck()
      .all() as string[];
    return bodies.map((body) => (JSON.parse(body) as { id: string }).id);
  } finally {
    db.close();
  }
}

async function restart(index: number) {
  branches[index] = await fleet.startBranch(index);
}

beforeAll(async () => {
  harness = await startHarness('sqlite', {
    context,
    config: { branches: fleetCloudBranches(size) },
  });
  marketer = await harness.as('marketer');
  fleet = fleetGateways({ root: root.path, seed: 5, cloud: harness.cloud }, context);
  for (let index = 0; index < size; index++) branches.push(await fleet.startBranch(index));

  const admin = await harness.as('admin');
  await until(async () => {
    const health = await admin.get('/api/fleet/gateways');
    const online = health.body.gateways.filter((g: { online: boolean }) => g.online);
    return online.length === size;
  }, 120_000);
}, 240_000);

afterAll(async () => {
  for (const branch of branches) await branch.stop().catch(() => undefined);
  await harness?.stop();
  root.remove();
}, 120_000);

describe('campaigns rolled out to 20 fleet-mode gateways', () => {
  it('enrols every gateway once, each under its own branch', async () => {
    const health = (await (await harness.as('admin')).get('/api/fleet/gateways')).body;

    expect(health.gateways.map((g: { branch: string }) => g.branch)).toEqual(
      Array.from({ length: size }, (_, index) => fleetBranchId(index)),
    );
  });

  it('reaches exactly the branches of its region and ends applied everywhere', async () => {
    const picture = Buffer.from('\x89PNG fleet spring picture');
    const sha256 = createHash('sha256').update(picture).digest('hex');
    await marketer.request('POST', '/api/assets', picture, 'image/png');
    const items = [{ id: 'spring-pic', type: 'image', asset: sha256 }];
    await marketer.post(
      '/api/campaigns',
      campaignBody('spring', { items, branches: { regions: ['region-2'] } }),
    );

    const published = await marketer.post('/api/campaigns/spring/publish');
    const done = await rolloutWhere('spring', (answer) => answer.counts.applied === 4);

    expect(published.body.branches).toEqual(regionTwo);
    expect(done.branches.map((b) => [b.branch, b.state])).toEqual(
      regionTwo.map((branch) => [branch, 'applied']),
    );
    const holding = Array.from({ length: size }, (_, index) => fleetBranchId(index)).filter(
      (branch) => campaignsOnScreens(branch).some((campaign) => campaign.includes('spring')),
    );
    expect(holding).toEqual(regionTwo);
    expect([0, 1, 3, 19].map(manifestVersion)).toEqual([0, 0, 0, 0]);
  });

  it('applies on return at a gateway that was offline during the push', async () => {
    await branches[7]?.stop();
    await marketer.post(
      '/api/campaigns',
      campaignBody('summer', { branches: { regions: ['region-2'] } }),
    );

    await marketer.post('/api/campaigns/summer/publish');
    const meanwhile = await rolloutWhere('summer', (answer) => answer.counts.applied === 3);
    await restart(7);
    const done = await rolloutWhere('summer', (answer) => answer.counts.applied === 4);

    expect(meanwhile.branches.find((b) => b.branch === 'fleet-007')?.state).toBe('pending');
    expect(done.counts).toMatchObject({ applied: 4, pending: 0, failed: 0 });
    expect(campaignsOnScreens('fleet-007').some((c) => c.includes('summer'))).toBe(true);
  });

  it('refuses a tampered manifest, reports why to the cloud and keeps what played', async () => {
    const before = manifestVersion(12);
    await branches[12]?.stop();
    await marketer.post(
      '/api/campaigns',
      campaignBody('autumn', { branches: { regions: ['region-2'] } }),
    );
    await marketer.post('/api/campaigns/autumn/publish');
    await rolloutWhere('autumn', (answer) => answer.counts.applied === 3);

    // Someone holding the branch's broker login swaps the retained manifest for a forgery.
    const credentials = JSON.parse(
      readFileSync(join(root.path, 'fleet-012', 'credentials.json'), 'utf8'),
    );
    const intruder = await connect(
      harness.cloud.brokerUrl,
      credentials.broker.username,
      credentials.broker.password,
      'intruder',
    );
    const manifestTopic = topic('campaignManifest', { branch: 'fleet-012' });
    const genuine = await new Promise<CampaignManifest>((resolve) => {
      intruder.on('message', (_name, payload) => {
        const decoded = decodeMessage('campaignManifest', payload);
        if (decoded.ok) resolve(decoded.message);
      });
      void intruder.subscribeAsync(manifestTopic, { qos: 1 });
    });
    const forged = { ...genuine, campaigns: genuine.campaigns.map((c) => ({ ...c, priority: 1 })) };
    await intruder.publishAsync(manifestTopic, encodeMessage('campaignManifest', forged), {
      qos: 1,
      retain: true,
    });
    await intruder.endAsync();

    await restart(12);
    const refused = await rolloutWhere(
      'autumn',
      (answer) => answer.branches.find((b) => b.branch === 'fleet-012')?.state === 'failed',
    );
    const held = manifestVersion(12);
    const played = campaignsOnScreens('fleet-012');
    await marketer.post('/api/campaigns/autumn/publish');
    const recovered = await rolloutWhere('autumn', (answer) => answer.counts.applied === 4);

    expect(refused.branches.find((b) => b.branch === 'fleet-012')).toMatchObject({
      state: 'failed',
      reason: 'bad signature',
      version: genuine.version,
    });
    expect(held).toBe(before);
    expect(played.some((c) => c.includes('summer'))).toBe(true);
    expect(played.some((c) => c.includes('autumn'))).toBe(false);
    expect(campaignsOnScreens('fleet-012').some((c) => c.includes('autumn'))).toBe(true);
    expect(recovered.counts).toMatchObject({ applied: 4, failed: 0 });
  });
});
