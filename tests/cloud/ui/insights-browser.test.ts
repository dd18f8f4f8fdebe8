import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ringRows } from '../../../cloud/api/insights-tables.ts';
import { type Cloud, startCloud } from '../../../cloud/index.ts';
import { type CatchmentProfile, toCsv } from '../../../cloud/insights/index.ts';
import { chromiumArgs } from '../../support/browser.ts';
import { adminPassword, tempFolder, testConfig, testContext } from '../support.ts';
import { seedBranches, seedNow, seedStore } from './seed.ts';

interface ApiBody {
  campaigns: Array<{ key: string } & Record<string, unknown>>;
  branches: Array<{ branch: string; steps: object[] }>;
  queue: { services: object[]; counters: object[] };
}

const chromiumFile = '/usr/bin/chromium';
const period = 'from=2026-05-13&to=2026-05-19';
const folder = tempFolder('sb-hq-ui-');
let cloud: Cloud;
let browser: BrowserContext;

async function login(context: BrowserContext) {
  const response = await context.request.post(`${cloud.httpUrl}/api/login`, {
    data: { username: 'admin', password: adminPassword },
  });
  expect(response.status()).toBe(200);
}

async function apiJson(path: string) {
  const response = await browser.request.get(`${cloud.httpUrl}${path}`);
  return response.json();
}

describe.skipIf(!existsSync(chromiumFile))('the HQ insights UI in chromium', () => {
  beforeAll(async () => {
    const url = `sqlite:${join(folder.path, 'cloud.db')}`;
    await seedStore(url);
    cloud = await startCloud(
      testConfig({ dialect: 'sqlite', url }, { branches: seedBranches }),
      testContext(seedNow),
    );
    browser = await chromium.launchPersistentContext(join(folder.path, 'profile'), {
      executablePath: chromiumFile,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: chromiumArgs,
    });
    await login(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    folder.remove();
  });

  it('shows on the branch dashboard the figures the API returns for the seeded week', async () => {
    const page = await browser.newPage();
    await page.goto(`${cloud.httpUrl}/insights/branches/mall-branch?${period}`);
    await page.waitForSelector('body[data-loaded="true"]');
    const figures = await apiJson(`/api/insights/figures?branches=mall-branch&${period}`);

    const kpi = (name: string) => page.textContent(`[data-kpi="${name}"] dd`);
    expect(figures.entries).toBe(7 * (8 * 20 + 28));
    expect(await kpi('entries')).toBe(new Intl.NumberFormat('en').format(figures.entries));
    expect(await kpi('passersBy')).toBe(new Intl.NumberFormat('en').format(figures.passersBy));
    expect(await kpi('ticketsServed')).toBe(String(figures.queue.served));
    // Waits of 2, 5 and 9 minutes at each counter: 9 minutes is their p90, the
    // uncounted waits of the older records aside.
    expect(figures.queue.waitSecondsP90).toBe(540);
    expect(await kpi('waitSecondsP90')).toBe('540');
    const counterCell = (counter: string, column: string) =>
      page.textContent(
        `#queue-counters-table tr:has(td[data-column="counter"]:text-is("${counter}")) ` +
          `td[data-column="${column}"]`,
      );
    expect(await counterCell('4', 'served')).toBe(String(7 * 8 * 3));
    expect(await counterCell('4', 'waitSecondsMean')).toBe('320');
    expect(await counterCell('4', 'waitSecondsP90')).toBe('540');
    expect(await counterCell('3', 'serviceSecondsMean')).toBe('240');
    expect(await page.textContent('#campaigns-table td[data-column="impressions"]')).toBe(
      new Intl.NumberFormat('en').format(figures.campaigns[0].impressions),
    );
    await page.close();
  });

  it('draws every chart, the catchment rings and the plan as non-blank SVG', async () => {
    const page = await browser.newPage();
    await page.goto(`${cloud.httpUrl}/insights/branches/mall-branch?${period}`);
    await page.waitForSelector('body[data-loaded="true"]');

    const charts = [
      'chart-footfall',
      'chart-funnel',
      'chart-dwell',
      'chart-service-points',
      'chart-campaigns',
      'chart-demographics',
      'chart-mix',
      'chart-flows',
    ];
    for (const id of charts) {
      const shapes = await page.locator(`#${id} svg path`).count();
      expect(shapes, id).toBeGreaterThan(2);
    }
    expect(await page.locator('#catchment-map svg path').count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#plan svg polygon').count()).toBe(3);
    expect(await page.getAttribute('#theme-recommended', 'data-theme')).toBe('shopping-mall');
    await page.close();
  });

  it('exports CSV that equals the API answer for the same table', async () => {
    const page = await browser.newPage();
    await page.goto(`${cloud.httpUrl}/insights/branches/mall-branch?${period}`);
    await page.waitForSelector('body[data-loaded="true"]');

    const expected: Record<string, (json: ApiBody) => object[]> = {
      'campaigns-table': (json) =>
        json.campaigns.map(({ key, ...rest }) => ({ campaign: key, ...rest })),
      'funnel-table': (json) =>
        json.branches.flatMap(({ branch, steps }) => steps.map((step) => ({ branch, ...step }))),
      'rings-table': (json) => ringRows(json as unknown as CatchmentProfile),
      'queue-services-table': (json) => json.queue.services,
      'queue-counters-table': (json) => json.queue.counters,
    };
    for (const [table, rowsOf] of Object.entries(expected)) {
      const href = String(await page.getAttribute(`#${table} a.csv`, 'href'));
      const exported = await (await browser.request.get(`${cloud.httpUrl}${href}`)).text();
      const json = (await apiJson(href.replace('format=csv', 'format=json'))) as ApiBody;

      expect(exported, table).toBe(toCsv(rowsOf(json) as Array<Record<string, unknown>>));
      expect(exported.split('\r\n').length, table).toBeGreaterThan(2);
    }
    await page.close();
  });

  it('draws the network map with no tile server and fits a phone without sideways scrolling', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(cloud.httpUrl)) outside.push(request.url());
    });
    await page.goto(`${cloud.httpUrl}/insights?${period}&lang=zh`);
    await page.waitForSelector('body[data-loaded="true"]');

    expect(await page.locator('#map svg path').count()).toBe(2);
    expect(await page.locator('#branches-table tbody tr').count()).toBe(2);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.textContent('h1')).toBe('网络洞察');
    expect(outside).toEqual([]);
    await page.close();
  });

  it('signs out from the insights and releases pages, as from the branches page', async () => {
    const page = await browser.newPage();
    const signOut = (label: string) =>
      page.locator(`header form[action="/api/logout"] button`, {
        hasText: label,
      });
    for (const path of ['/', '/insights', '/insights/branches/mall-branch', '/releases']) {
      await page.goto(`${cloud.httpUrl}${path}?lang=zh`);
      expect(await signOut('退出').count(), path).toBe(1);
      await page.goto(`${cloud.httpUrl}${path}?lang=en`);
      expect(await signOut('Sign out').count(), path).toBe(1);
    }

    await page.goto(`${cloud.httpUrl}/insights`);
    await signOut('Sign out').click();
    await page.waitForSelector('form.login');
    await page.goto(`${cloud.httpUrl}/releases`);
    expect(await page.locator('form.login').count()).toBe(1);
    await page.close();
    await login(browser);
  });
});
