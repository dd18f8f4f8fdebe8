import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogues } from '../../../cloud/ui/index.ts';
import { smartbranchVersion, systemClock } from '../../../core/index.ts';
import type { Gateway } from '../../../edge/runtime.ts';
import { startLakeside } from '../../e2e/lakeside.ts';
import { until } from '../../edge/uplink/support.ts';
import { chromiumArgs, chromiumPath } from '../../support/browser.ts';
import { tempDir, testContext } from '../../support/context.ts';
import { type Harness, userPassword } from '../campaigns/support.ts';
import { adminPassword } from '../support.ts';

const context = testContext(systemClock);
const dir = tempDir('sb-hq-gateway-');
const en = catalogues.en;
const zh = catalogues.zh;
let harness: Harness;
let gateway: Gateway;
let browser: Browser;
/** The gateway's health as the admin's API gives it once the gateway reported its device. */
let reported: { devicesOnline: number; devicesTotal: number };

/** The profile as a technician pastes it: YAML, without the bus credentials. */
const profileYaml = (version: number, pin: number) => `device: button-7
kind: button
model: Call button v${version}
version: ${version}
connection:
  type: gpio
  pin: ${pin}
allowSimulated: true
`;

/** A browser session signed in as `username`. */
async function signedIn(username: string, password: string): Promise<BrowserContext> {
  const session = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const response = await session.request.post(`${harness.cloud.httpUrl}/api/login`, {
    data: { username, password },
  });
  expect(response.status()).toBe(200);
  return session;
}

const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

const command = (page: Page, action: string) =>
  page.locator(`#commands li[data-action="${action}"]`).first();

describe.skipIf(!existsSync(chromiumPath))('the HQ page of one gateway', () => {
  beforeAll(async () => {
    ({ harness, gateway } = await startLakeside(dir.path, context, 1000));
    const admin = await harness.as('admin');
    // The page shows what the gateway last said: wait until it said its device is up.
    reported = await until(async () => {
      const { body } = await admin.get('/api/fleet/gateways');
      const health = body.gateways.find(
        (one: { gateway: string }) => one.gateway === 'lakeside-gw',
      );
      return health?.devicesTotal === 1 ? health : null;
    }, 60_000);
    await harness.as('analyst');
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await harness?.stop();
    dir.remove();
  });

  it('shows an admin the gateway online with its versions and device states', async () => {
    const session = await signedIn('admin', adminPassword);
    const page = await session.newPage();
    await page.goto(`${harness.cloud.httpUrl}/?lang=en`);

    await page.click('a[href="/gateways/lakeside-gw"]');

    const row = (key: string) => page.locator(`#health dt[data-field="${key}"] + dd`);
    expect(await page.textContent('h2')).toBe('Gateway lakeside-gw');
    expect(await page.getAttribute('#health > [data-state]', 'data-state')).toBe('online');
    expect(await page.textContent('#health > [data-state]')).toBe(`● ${en['status.online']}`);
    expect(await row('gateway.version').textContent()).toBe(smartbranchVersion);
    expect(await row('gateway.settingsVersion').textContent()).toBe('0');
    expect(reported.devicesTotal).toBe(1);
    expect(await row('gateway.devices').textContent()).toBe(
      `${reported.devicesOnline} of 1 online`,
    );
    expect(await row('gateway.modulesRunning').textContent()).toBe('sensing, queue, screens');
    await session.close();
  });

  it('fetches the last minutes of logs into the page', async () => {
    const session = await signedIn('admin', adminPassword);
    const page = await session.newPage();
    await page.goto(`${harness.cloud.httpUrl}/gateways/lakeside-gw?lang=en`);

    await page.fill('#minutes', '5');
    await page.click('form[data-command="fetch-logs"] button');

    const item = command(page, 'fetch-logs');
    await item.locator('[data-state="ok"]').waitFor({ timeout: 20_000 });
    const lines = (await page.textContent('#logs'))?.split('\n') ?? [];
    expect(lines.length).toBeGreaterThan(0);
    expect(await item.locator('.answer').textContent()).toBe(`${lines.length} log lines`);
    for (const line of lines) expect(line).toMatch(/^\d\d:\d\d:\d\d (info|warn|error) \S+ \S/);
    expect(await page.isVisible('#logs')).toBe(true);
    await session.close();
  });

  it('restarts a module and shows the modules running after it', async () => {
    const session = await signedIn('admin', adminPassword);
    const page = await session.newPage();
    await page.goto(`${harness.cloud.httpUrl}/gateways/lakeside-gw?lang=en`);

    await page.selectOption('#module', 'queue');
    await page.click('form[data-command="restart-module"] button');

    const item = command(page, 'restart-module');
    await item.locator('[data-state="ok"]').waitFor({ timeout: 20_000 });
    expect(await item.locator('b').textContent()).toBe(en['command.restart-module']);
    expect(await item.locator('.answer').textContent()).toBe('Running: sensing, queue, screens');
    await session.close();
  });

  it('shows a bad profile refused beside it, then a good one applied with its version', async () => {
    const session = await signedIn('admin', adminPassword);
    const page = await session.newPage();
    await page.goto(`${harness.cloud.httpUrl}/gateways/lakeside-gw?lang=en`);
    const error = page.locator('form[data-command="push-profile"] [data-error-for="profile"]');

    await page.fill('#profile', profileYaml(2, -1));
    await page.click('form[data-command="push-profile"] button');
    await expect.poll(() => error.textContent()).toMatch(/^Not valid: profile\.connection\.pin: /);
    expect(await page.locator('#commands li').count()).toBe(0);

    await page.fill('#profile', profileYaml(2, 18));
    await page.click('form[data-command="push-profile"] button');
    const item = command(page, 'push-profile');
    await item.locator('[data-state="ok"]').waitFor({ timeout: 20_000 });

    expect(await error.textContent()).toBe('');
    expect(await item.locator('.answer').textContent()).toBe(
      'Device button-7 runs version 2 (was 1).',
    );
    await session.close();
  });

  it('reads in Chinese on a 390 px phone without scrolling sideways, logs included', async () => {
    const session = await signedIn('admin', adminPassword);
    const page = await session.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${harness.cloud.httpUrl}/gateways/lakeside-gw?lang=zh`);

    await page.click('form[data-command="fetch-logs"] button');
    const item = command(page, 'fetch-logs');
    await item.locator('[data-state="ok"]').waitFor({ timeout: 20_000 });

    expect(await page.textContent('h2')).toBe('网关 lakeside-gw');
    expect(await page.textContent('#health > [data-state]')).toBe(`● ${zh['status.online']}`);
    expect(await page.textContent('form[data-command="push-profile"] h3')).toBe(
      zh['command.push-profile'],
    );
    expect(await item.locator('[data-state]').textContent()).toBe(zh['command.state.ok']);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await session.close();
  });

  it('shows an analyst the health without a command button; a merchant gets a 403', async () => {
    const session = await signedIn('user-analyst', userPassword);
    const page = await session.newPage();
    await page.goto(`${harness.cloud.httpUrl}/gateways/lakeside-gw?lang=en`);
    const merchant = await harness.as('merchant');

    expect(await page.getAttribute('#health > [data-state]', 'data-state')).toBe('online');
    expect(await page.locator('form[data-command]').count()).toBe(0);
    expect(await page.locator('main button, body > button, #commands').count()).toBe(0);
    expect(await page.locator('button').allTextContents()).toEqual([en['user.logout']]);
    // Versions and device states come from the admin's gateway API, not shown to an analyst.
    expect(await page.locator('dt[data-field="gateway.version"]').count()).toBe(0);
    expect(await page.textContent('#read-only')).toBe(en['gateway.readOnly']);
    const refused = await merchant.get('/gateways/lakeside-gw?lang=en');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(en['gateway.forbidden']);
    await session.close();
  });

  it('sends a visitor without a session to sign in, and names a gateway never enrolled', async () => {
    const anonymous = await fetch(`${harness.cloud.httpUrl}/gateways/lakeside-gw`, {
      redirect: 'manual',
    });
    const admin = await harness.as('admin');

    const unknown = await admin.get('/gateways/nobody-gw?lang=en');

    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain(en['gateway.unknown']);
  });
});
