import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogues } from '../../../cloud/ui/index.ts';
import { systemClock } from '../../../core/index.ts';
import { startTestGateway, type TestGateway, until } from '../../edge/uplink/support.ts';
import { chromiumArgs, chromiumPath } from '../../support/browser.ts';
import { testContext } from '../../support/context.ts';
import { type Harness, startHarness, userPassword } from '../campaigns/support.ts';
import { tempFolder } from '../support.ts';

const context = testContext(systemClock);
const branches = ['harbour', 'market', 'station', 'campus', 'airport', 'museum'].map(
  (id, index) => ({
    id,
    name: `${id[0]?.toUpperCase()}${id.slice(1)} branch`,
    timeZone: 'Asia/Shanghai',
    // A hand count: harbour, station and airport are in the east, 3 of the 6.
    region: index % 2 === 0 ? 'east' : 'west',
    tags: index < 3 ? ['mall'] : [],
  }),
);
const east = ['airport', 'harbour', 'station'];
// A real 1×1 PNG, so the page can show it as a thumbnail.
const picture = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/' +
    'iZk9HQAAAABJRU5ErkJggg==',
  'base64',
);
const day = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
const en = catalogues.en;
const zh = catalogues.zh;

const folder = tempFolder('sb-hq-campaigns-');
let harness: Harness;
let browser: BrowserContext;
let gateways: TestGateway[] = [];

async function logIn(page: Page, username: string, password: string) {
  await page.goto(`${harness.cloud.httpUrl}/?lang=en`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL(`${harness.cloud.httpUrl}/`),
    page.click('button[type=submit]'),
  ]);
}

const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

describe.skipIf(!existsSync(chromiumPath))('the HQ campaign pages in chromium', () => {
  beforeAll(async () => {
    harness = await startHarness('sqlite', { context, config: { branches } });
    await harness.as('marketer');
    // Every east branch has a real uplink, and one west branch too, which must get nothing.
    gateways = await Promise.all(
      [...east, 'market'].map((branch) =>
        startTestGateway(harness, branch, `gw-${branch}`, context),
      ),
    );
    const admin = await harness.as('admin');
    await until(async () => {
      const health = await admin.get('/api/fleet/gateways');
      return health.body.gateways.filter((g: { online: boolean }) => g.online).length === 4;
    });
    browser = await chromium.launchPersistentContext(join(folder.path, 'profile'), {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: chromiumArgs,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    for (const gateway of gateways) gateway.remove();
    await harness?.stop();
    folder.remove();
  });

  it('lets a marketer upload, pick a region, publish and see it applied', async () => {
    const page = await browser.newPage();
    await logIn(page, harness.username('marketer'), userPassword);
    await page.click('a[href="/campaigns"]');
    await page.click('#new-campaign');
    await page.fill('#name', 'Spring cards');
    await page.fill('#id', 'spring-cards');
    await page.selectOption('#objective', 'card-application');
    await page.setInputFiles('#asset-upload', {
      name: 'spring.png',
      mimeType: 'image/png',
      buffer: picture,
    });
    await page.locator('li.item').waitFor();
    await page.fill('li.item [data-name="durationMs"]', '8');
    await page.check('input[name="branches.regions"][value="east"]');
    await page.locator('#selection-preview[data-count="3"]').waitFor();
    const preview = await page.locator('#selection-preview b').textContent();

    await page.fill('#schedule\\.startDate', day(10));
    await page.fill('#schedule\\.endDate', day(1));
    await page.click('#save');
    const error = page.locator('.field[data-field="schedule.endDate"] .field-error');
    await error.waitFor();
    const errorText = await error.textContent();
    await page.fill('#schedule\\.startDate', day(-1));
    await page.fill('#schedule\\.endDate', day(30));
    await Promise.all([
      page.waitForURL(/\/campaigns\/spring-cards\?saved=1$/),
      page.click('#save'),
    ]);

    expect(preview).toBe('This selects 3 branches.');
    expect(errorText).toBe(en['campaigns.error.schedule.endDate']);
    const stored = (await (await harness.as('marketer')).get('/api/campaigns/spring-cards')).body;
    const sha256 = createHash('sha256').update(picture).digest('hex');
    expect(stored.items).toEqual([
      expect.objectContaining({ type: 'image', asset: sha256, durationMs: 8000 }),
    ]);
    expect(stored.branches).toEqual({ regions: ['east'] });
    expect(stored.schedule).toEqual({ startDate: day(-1), endDate: day(30) });

    await page.click('button[data-action="publish"]');
    await page.locator('#campaign-status[data-status="live"]').waitFor();
    expect(await page.textContent('#action-state')).toBe('Published to 3 branches.');
    await page.click('#rollout-link');
    const rows = await until(async () => {
      await page.reload();
      const states = await page.locator('tr[data-branch] [data-state]').allTextContents();
      return states.length === 3 && states.every((state) => state === 'applied') ? states : null;
    }, 30_000);
    const branchCells = await page.locator('tr[data-branch] td:first-child').allTextContents();
    const gatewayCells = await page.locator('tr[data-branch] td:nth-child(5)').allTextContents();

    expect(rows).toHaveLength(3);
    expect(branchCells).toEqual(east);
    expect(gatewayCells).toEqual(east.map((branch) => `gw-${branch}`));
    const reached = gateways.filter((gateway) =>
      gateway.screens.applied.some((m) => m.campaigns.some((c) => c.id === 'spring-cards')),
    );
    expect(reached.map((gateway) => gateway.branch).sort()).toEqual(east);

    await page.goto(`${harness.cloud.httpUrl}/campaigns`);
    const listed = page.locator('tr[data-campaign="spring-cards"]');
    expect(await listed.locator('[data-status]').getAttribute('data-status')).toBe('live');
    expect(await listed.locator('[data-progress]').textContent()).toBe('3 of 3 branches applied');
    await page.close();
  }, 90_000);

  it('saves a daypart, a rule, a benefit and a branch target; a row shows its error', async () => {
    const marketer = await harness.as('marketer');
    await marketer.put('/api/sponsors/bank', { name: 'The Bank', kind: 'bank' });
    const coffee = { id: 'coffee', name: 'Free coffee', kind: 'coupon', sponsor: 'bank' };
    await marketer.post('/api/benefits', {
      ...coffee,
      costShare: { bank: 1 },
      stock: { total: 50 },
    });
    const page = await browser.newPage();
    await page.goto(`${harness.cloud.httpUrl}/campaigns/spring-cards?lang=en`);
    await page.click('button[data-add="dayparts"]');
    await page.fill('#dayparts .row [data-name="from"]', '09:00');
    await page.fill('#dayparts .row [data-name="to"]', '12:00');
    for (const day of ['1', '2']) await page.check(`#dayparts .row input[value="${day}"]`);
    await page.click('button[data-add="conditions"]');
    await page.selectOption('#conditions .row [data-name="metric"]', 'queue.waiting');
    await page.fill('#conditions .row [data-name="above"]', '5');
    await page.check('input[name="benefits"][value="coffee"]');
    await page.click('button[data-add="targets"]');
    await page.selectOption('#targets .row [data-name="branch"]', 'harbour');
    await page.selectOption('#targets .row [data-name="step"]', 'card-application');
    await page.fill('#targets .row [data-name="target"]', '200');
    await page.click('#save');
    const missing = page.locator('[data-error-for="targets.0.from"]');
    await missing.waitFor();
    const missingText = await missing.textContent();
    await page.fill('#targets .row [data-name="from"]', '2026-05-01');
    await page.fill('#targets .row [data-name="to"]', '2026-05-31');
    await Promise.all([page.waitForURL(/\?saved=1$/), page.click('#save')]);

    expect(missingText).toBe(en['campaigns.error.targets.*.from']);
    const stored = (await marketer.get('/api/campaigns/spring-cards')).body;
    expect(stored.schedule.dayparts).toEqual([{ days: [1, 2], from: '09:00', to: '12:00' }]);
    expect(stored.benefits).toEqual(['coffee']);
    expect(stored.rule).toEqual({
      match: 'all',
      minOnSeconds: 10,
      conditions: [{ metric: 'queue.waiting', above: 5 }],
    });
    expect(stored.items).toHaveLength(1);
    const funnel = (await marketer.get('/api/campaigns/spring-cards/funnel')).body;
    expect(JSON.stringify(funnel)).toContain('"target":200');
    expect(await page.inputValue('#targets .row [data-name="to"]')).toBe('2026-05-31');
    expect(await page.isChecked('#dayparts .row input[value="2"]')).toBe(true);
    await page.close();
  }, 60_000);

  it('shows the error beside its field in Chinese, and fits a 390 px phone', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${harness.cloud.httpUrl}/campaigns/new?lang=zh`);
    await page.fill('#name', '春季办卡');
    await page.fill('#id', 'spring-zh');
    await page.check('input[name="branches.tags"][value="mall"]');
    await page.locator('#selection-preview[data-count="3"]').waitFor();
    await page.fill('#schedule\\.startDate', '2026-06-10');
    await page.fill('#schedule\\.endDate', '2026-06-01');
    await page.click('#save');
    const error = page.locator('.field[data-field="schedule.endDate"] .field-error');
    await error.waitFor();

    expect(await page.textContent('h1')).toBe('营销活动');
    expect(await page.textContent('#selection-preview b')).toBe('当前条件选中 3 家网点。');
    expect(await error.textContent()).toBe(zh['campaigns.error.schedule.endDate']);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    for (const path of [
      '/campaigns',
      '/campaigns/spring-cards',
      '/campaigns/spring-cards/rollout',
    ]) {
      await page.goto(`${harness.cloud.httpUrl}${path}?lang=zh`);
      expect(await overflow(page), path).toBeLessThanOrEqual(0);
    }
    expect(await page.locator('[data-state="applied"]').first().textContent()).toBe('已生效');
    await page.close();
  }, 60_000);

  it('shows an analyst the campaign read-only and refuses other roles', async () => {
    const analyst = await harness.as('analyst');
    const merchant = await harness.as('merchant');

    const form = await analyst.get('/campaigns/spring-cards');
    const empty = await analyst.request('GET', '/campaigns/new');
    const refused = await merchant.get('/campaigns');
    const manager = await (await harness.as('branch-manager')).get('/campaigns/spring-cards');
    const visitor = await fetch(`${harness.cloud.httpUrl}/campaigns`, { redirect: 'manual' });

    expect(form.status).toBe(200);
    expect(form.text).toContain('<fieldset class="whole" disabled>');
    expect(form.text).not.toContain('id="save"');
    expect(form.text).not.toContain('data-action="publish"');
    expect(form.text).toContain('id="read-only"');
    expect(empty.status).toBe(200);
    expect(empty.text).not.toContain('campaign-form');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain(en['campaigns.forbidden']);
    expect(manager.status).toBe(403);
    expect(visitor.status).toBe(303);
  });
});
