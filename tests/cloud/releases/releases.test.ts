import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../../cloud/index.ts';
import { buildBundle, manifestSigned } from '../../../deploy/index.ts';
import { ReleaseOffer } from '../../../protocol/index.ts';
import { tinyPackage } from '../../deploy/fixtures.ts';
import {
  adminPassword,
  postgresTarget,
  type StoreTarget,
  sqliteTarget,
  storeDialects,
  tempFolder,
  testConfig,
  testContext,
} from '../support.ts';

const dialects = await storeDialects();
const branches = Array.from({ length: 10 }, (_, index) => ({
  id: `b${index}`,
  name: `Branch ${index}`,
  timeZone: 'Asia/Shanghai',
  region: index < 9 ? 'east' : 'west',
  tags: [],
}));

describe.each(dialects)('gateway releases on %s', (dialect) => {
  const folder = tempFolder('sb-releases-');
  const pg = dialect === 'postgres' ? postgresTarget() : null;
  const target: StoreTarget = pg ?? sqliteTarget(folder.path);
  let cloud: Cloud;
  let cookie = '';
  const passwords = new Map<string, string>();

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${cloud.httpUrl}${path}`, {
      ...init,
      headers: { cookie, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });
  const asGateway = (gateway: string, path: string, init: RequestInit = {}) => {
    const basic = Buffer.from(`${gateway}:${passwords.get(gateway)}`).toString('base64');
    return fetch(`${cloud.httpUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/json',
      },
    });
  };
  const offerOf = async (gateway: string) =>
    ReleaseOffer.parse(await (await asGateway(gateway, '/api/gateway/releases/offer')).json())
      .offer;
  const report = (
    gateway: string,
    rollout: string,
    release: string,
    state: string,
    reason?: string,
  ) =>
    asGateway(gateway, '/api/gateway/releases/reports', {
      method: 'POST',
      body: JSON.stringify({
        reports: [
          {
            rollout,
            release,
            version: release.split('-')[0],
            state,
            running: '1.0.0',
            at: 1,
            ...(reason ? { reason } : {}),
          },
        ],
      }),
    });

  const built = new Map<string, string>();
  async function upload(version: string, migrations: Record<string, string> = {}) {
    if (!built.has(version)) {
      const source = tinyPackage(
        join(folder.path, `pkg-${version}`),
        version,
        'healthy',
        migrations,
      );
      built.set(version, (await buildBundle(source, join(folder.path, 'out'))).file);
    }
    const file = built.get(version) as string;
    const response = await fetch(`${cloud.httpUrl}/api/releases`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/gzip' },
      body: new Uint8Array(readFileSync(file)),
    });
    return { response, body: (await response.json()) as { id: string; sha256: string } };
  }

  beforeAll(async () => {
    cloud = await startCloud(testConfig(target, { branches }), testContext());
    const login = await fetch(`${cloud.httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    for (const branch of branches) {
      const token = await cloud.createEnrolmentToken(branch.id);
      const gateway = `gw-${branch.id}`;
      const enrolled = await fetch(`${cloud.httpUrl}/api/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, gateway, version: '1.0.0' }),
      });
      const answer = (await enrolled.json()) as { broker: { password: string } };
      passwords.set(gateway, answer.broker.password);
    }
  });

  afterAll(async () => {
    await cloud?.stop();
    await pg?.drop();
    folder.remove();
  });

  it('stores a bundle by what it says of itself, once', async () => {
    const first = await upload('1.1.0');
    const again = await upload('1.1.0');

    expect(first.response.status).toBe(201);
    expect(again.response.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(first.body).toMatchObject({ version: '1.1.0', engines: '>=20.19 <21 || >=24 <25' });
  });

  it('offers the canary first, then the next wave, and stops past the failure rate', async () => {
    const { body: release } = await upload('1.2.0');
    const created = await call(`/api/releases/${release.id}/rollouts`, {
      method: 'POST',
      body: JSON.stringify({ region: 'east', canaryShare: 0.1, waves: 2, failureRateStop: 0.2 }),
    });
    const rollout = (await created.json()) as { id: string; targets: number; waves: number };
    expect(rollout).toMatchObject({ targets: 9, waves: 3 });

    const wave = async (number: number) => {
      const status = await (await call(`/api/rollouts/${rollout.id}`)).json();
      return (status as { branches: Array<{ gateway: string; wave: number }> }).branches
        .filter((entry) => entry.wave === number)
        .map((entry) => entry.gateway);
    };
    const [canary] = await wave(0);
    const offered = [];
    for (const branch of branches) if (await offerOf(`gw-${branch.id}`)) offered.push(branch.id);
    expect(offered).toEqual([canary?.slice(3)]);

    await report(canary as string, rollout.id, release.id, 'applied');
    const second = await wave(1);
    expect(second).toHaveLength(4);
    for (const gateway of second) expect(await offerOf(gateway)).not.toBeNull();
    for (const gateway of await wave(2)) expect(await offerOf(gateway)).toBeNull();

    await report(second[1] as string, rollout.id, release.id, 'applied');
    await report(second[0] as string, rollout.id, release.id, 'rolled-back', 'no healthy answer');
    const status = (await (await call(`/api/rollouts/${rollout.id}`)).json()) as {
      state: string;
      reason: string;
      counts: Record<string, number>;
      branches: Array<{ gateway: string; state: string; reason: string | null }>;
    };

    expect(status.state).toBe('stopped');
    expect(status.reason).toBe('1 of 3 failed, over the 20% stop');
    expect(status.counts).toMatchObject({ applied: 2, 'rolled-back': 1, offered: 2, pending: 4 });
    expect(status.branches.find((entry) => entry.gateway === second[0])).toMatchObject({
      state: 'rolled-back',
      reason: 'no healthy answer',
    });
    for (const gateway of await wave(2)) expect(await offerOf(gateway)).toBeNull();
    expect(await offerOf('gw-b9')).toBeNull();
  });

  it('completes a rollout when every wave applied it', async () => {
    const { body: release } = await upload('1.3.0');
    const created = await call(`/api/releases/${release.id}/rollouts`, {
      method: 'POST',
      body: JSON.stringify({ branches: ['b9'] }),
    });
    const { id } = (await created.json()) as { id: string };
    const offer = await offerOf('gw-b9');
    await report('gw-b9', id, release.id, 'applied');

    const status = (await (await call(`/api/rollouts/${id}`)).json()) as { state: string };
    expect(offer?.rollout).toBe(id);
    expect(status.state).toBe('completed');
  });

  it('signs the manifest with the key gateways verify, and a changed one fails', async () => {
    const { body: release } = await upload('1.4.0');
    await call(`/api/releases/${release.id}/rollouts`, {
      method: 'POST',
      body: JSON.stringify({ branches: ['b9'] }),
    });
    const offer = await offerOf('gw-b9');

    expect(offer?.manifest.sha256).toBe(release.sha256);
    expect(manifestSigned(offer!.manifest, cloud.manifestPublicKey)).toBe(true);
    expect(
      manifestSigned({ ...offer!.manifest, sha256: '0'.repeat(64) }, cloud.manifestPublicKey),
    ).toBe(false);
  });

  it('asks for a confirmation before publishing migrations there is no way back from', async () => {
    const { body: release } = await upload('1.5.0', {
      '2026-03-01T0000-drop.sql': 'DROP TABLE x;',
    });
    const path = `/api/releases/${release.id}/rollouts`;

    const refused = await call(path, {
      method: 'POST',
      body: JSON.stringify({ branches: ['b9'] }),
    });
    const confirmed = await call(path, {
      method: 'POST',
      body: JSON.stringify({ branches: ['b9'], confirmIrreversible: true }),
    });

    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      error: { code: 'SB_ERR_CONFIRMATION_REQUIRED', path: 'confirmIrreversible' },
    });
    expect(confirmed.status).toBe(201);
    expect((await offerOf('gw-b9'))?.manifest.confirmedIrreversible).toBe(true);
  });

  it('refuses a gateway with a wrong password, and a report for another rollout changes nothing', async () => {
    const wrong = await fetch(`${cloud.httpUrl}/api/gateway/releases/offer`, {
      headers: {
        authorization: `Basic ${Buffer.from('gw-b0:wrong').toString('base64')}`,
      },
    });
    const stranger = await report('gw-b0', 'r-000000000000', '9.9.9-abc', 'applied');

    expect(wrong.status).toBe(401);
    expect(await stranger.json()).toEqual({ accepted: 0, ignored: 1 });
  });

  it('refuses a rollout body failing its schema, naming the field', async () => {
    const { body: release } = await upload('1.1.0');
    const response = await call(`/api/releases/${release.id}/rollouts`, {
      method: 'POST',
      body: JSON.stringify({ canaryShare: 2 }),
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { path: 'canaryShare' } });
  });

  it('lets no analyst publish and no one without a session read', async () => {
    const anonymous = await fetch(`${cloud.httpUrl}/api/releases`);

    expect(anonymous.status).toBe(401);
  });
});
