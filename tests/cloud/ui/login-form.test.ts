import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../../cloud/index.ts';
import { chromiumArgs } from '../../support/browser.ts';
import { adminPassword, tempFolder, testConfig, testContext } from '../support.ts';

const chromiumFile = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const folder = tempFolder('sb-hq-login-');
let cloud: Cloud | undefined;

afterAll(async () => {
  await cloud?.stop();
  folder.remove();
});

// Regression: under helmet's default `no-referrer` a browser posts the form with
// `Origin: null`, which the cross-site check refused, so nobody could sign in by hand.
describe.skipIf(!existsSync(chromiumFile))('the HQ sign-in form in chromium', () => {
  it('signs an admin in from the form itself and shows the branches', async () => {
    cloud = await startCloud(
      testConfig({ dialect: 'sqlite', url: `sqlite:${join(folder.path, 'cloud.db')}` }),
      testContext(),
    );
    const browser = await chromium.launchPersistentContext(join(folder.path, 'profile'), {
      executablePath: chromiumFile,
      headless: true,
      args: chromiumArgs,
    });
    const page = await browser.newPage();

    await page.goto(`${cloud.httpUrl}/`);
    await page.fill('#username', 'admin');
    await page.fill('#password', adminPassword);
    await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);

    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.locator('#password').count()).toBe(0);
    expect(await page.content()).not.toContain('SB_ERR_FORBIDDEN');
    await browser.close();
  });
});
