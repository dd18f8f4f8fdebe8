import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../../cloud/index.ts';
import { catalogues } from '../../../cloud/ui/index.ts';
import { buildBundle } from '../../../deploy/index.ts';
import { tinyPackage } from '../../deploy/fixtures.ts';
import { chromiumArgs, chromiumPath } from '../../support/browser.ts';
import { adminPassword, sqliteTarget, tempFolder, testConfig, testContext } from '../support.ts';

const branches = ['harbour', 'market', 'station', 'campus'].map((id) => ({
  id,
  name: `${id[0]?.toUpperCase()}${id.slice(1)} branch`,
  timeZone: 'Asia/Shanghai',
  region: 'east',
  tags: [],
}));
const folder = tempFolder('sb-hq-releases-');
let cloud: Cloud;
let browser: BrowserContext;
let cookie = '';
let rollout = '';
const passwords = new Map<string, string>();

interface RolloutBody {
  state: string;
  counts: Record<string, number>;
  branches: Array<{
    branch: string;
    gateway: string;
    wave: number;
    state: string;
    reason: string | null;
  }>;
}

const asGateway = async (gateway: string, path: string, body?: object) => {
  const basic = Buffer.from(`${gateway}:${passwords.get(gateway)}`).toString('base64');
  const response = await fetch(`${cloud.httpUrl}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(response.status).toBe(200);
  return response.json() as Promise<{ offer?: { rollout: string } | null }>;
};

async function rolloutFromApi(): Promise<RolloutBody> {
  const response = await fetch(`${cloud.httpUrl}/api/rollouts/${rollout}`, { headers: { cookie } });
  return (await response.json()) as RolloutBody;
}

/** Enrols a gateway per branch, publishes 2.0.0 to all of them and has them report. */
async function publishAndReport() {
  for (const branch of branches) {
    const token = await cloud.createEnrolmentToken(branch.id);
    const enrolled = await fetch(`${cloud.httpUrl}/api/enrol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, gateway: `gw-${branch.id}`, version: '1.0.0' }),
    });
    const answer = (await enrolled.json()) as { broker: { password: string } };
    passwords.set(`gw-${branch.id}`, answer.broker.password);
  }

  const source = tinyPackage(join(folder.path, 'pkg'), '2.0.0', 'healthy', {});
  const bundle = (await buildBundle(source, join(folder.path, 'out'))).file;
  const uploaded = await fetch(`${cloud.httpUrl}/api/releases`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/gzip' },
    body: new Uint8Array(readFileSync(bundle)),
  });
  const release = (await uploaded.json()) as { id: string };
  const created = await fetch(`${cloud.httpUrl}/api/releases/${release.id}/rollouts`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ canaryShare: 0.25, waves: 1, failureRateStop: 0.6 }),
  });
  rollout = ((await created.json()) as { id: string }).id;

  const report = (gateway: string, state: string, reason?: string) =>
    asGateway(gateway, '/api/gateway/releases/reports', {
      reports: [
        {
          rollout,
          release: release.id,
          version: '2.0.0',
          state,
          running: state === 'applied' ? '2.0.0' : '1.0.0',
          at: 1,
          ...(reason ? { reason } : {}),
        },
      ],
    });
  const byWave = (await rolloutFromApi()).branches;
  const canary = byWave.find((target) => target.wave === 0)?.gateway as string;
  await asGateway(canary, '/api/gateway/releases/offer');
  await report(canary, 'applied');
  const rest = byWave.map((target) => target.gateway).filter((gateway) => gateway !== canary);
  for (const gateway of rest) await asGateway(gateway, '/api/gateway/releases/offer');
  await report(rest[0] as string, 'downloading');
  await report(rest[1] as string, 'rolled-back', 'no healthy answer within 120 s');
}

describe.skipIf(!existsSync(chromiumPath))('gateway release rollouts in the HQ UI', () => {
  beforeAll(async () => {
    cloud = await startCloud(testConfig(sqliteTarget(folder.path), { branches }), testContext());
    const login = await fetch(`${cloud.httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    });
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    await publishAndReport();
    browser = await chromium.launchPersistentContext(join(folder.path, 'profile'), {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: chromiumArgs,
    });
    const response = await browser.request.post(`${cloud.httpUrl}/api/login`, {
      data: { username: 'admin', password: adminPassword },
    });
    expect(response.status()).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    folder.remove();
  });

  it('shows every branch of a rollout in the state the API gives, with its reason', async () => {
    const page = await browser.newPage();
    await page.goto(`${cloud.httpUrl}/?lang=en`);
    await page.click('a[href="/releases"]');
    await page.click(`tr[data-rollout="${rollout}"] a`);
    const api = await rolloutFromApi();

    const en = catalogues.en;
    expect(api.branches.map((target) => target.state).sort()).toEqual([
      'applied',
      'downloading',
      'offered',
      'rolled-back',
    ]);
    expect(await page.textContent('h2')).toBe('Rollout of 2.0.0');
    for (const target of api.branches) {
      const row = page.locator(`tr[data-gateway="${target.gateway}"]`);
      const name = branches.find((branch) => branch.id === target.branch)?.name;
      expect(await row.locator('td').nth(0).textContent()).toBe(name);
      expect(await row.locator('[data-state]').getAttribute('data-state')).toBe(target.state);
      expect(await row.locator('[data-state]').textContent()).toBe(
        en[`releases.state.${target.state}`],
      );
      expect(await row.locator('td').nth(4).textContent()).toBe(target.reason ?? '');
    }
    for (const [state, count] of Object.entries(api.counts)) {
      expect(await page.textContent(`li[data-count="${state}"] b`)).toBe(String(count));
    }
    expect(await page.getAttribute('#rollout-state [data-state]', 'data-state')).toBe(api.state);
    await page.close();
  });

  it('lists the rollout with its branches counted by state, in Chinese on a phone', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${cloud.httpUrl}/releases?lang=zh`);
    const api = await rolloutFromApi();

    const row = page.locator(`tr[data-rollout="${rollout}"]`);
    expect(await page.textContent('h1')).toBe('网关软件发布');
    expect(await row.locator('li[data-count="rolled-back"]').textContent()).toBe('已回滚: 1');
    await row.locator('a').click();
    const rolledBack = api.branches.find((target) => target.state === 'rolled-back');
    const cells = page.locator(`tr[data-gateway="${rolledBack?.gateway}"] td`);
    expect(await cells.nth(3).textContent()).toBe('已回滚');
    expect(await cells.nth(3).getAttribute('data-label')).toBe('状态');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('sends a visitor without a session to the login page and shows no rollout', async () => {
    const response = await fetch(`${cloud.httpUrl}/releases/rollouts/${rollout}`, {
      redirect: 'manual',
    });

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
  });
});
