import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, CloudConfig, startCloud } from '../../cloud/index.ts';
import { openStore } from '../../cloud/store/index.ts';
import { createUser } from '../../cloud/users/index.ts';
import { type Clock, hashPassword, parseConfig, scaledClock } from '../../core/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../../edge/runtime.ts';
import { chromiumArgs, chromiumPath } from '../support/browser.ts';
import { eventually, tempDir, testContext } from '../support/context.ts';
import { leadKeysInEnvironment } from '../support/lead-keys.ts';
import { freePort } from '../support/services.ts';

// Thirty times real time: the cloud's pull (every 3 clock seconds) comes ten times a second.
const clock: Clock = scaledClock({ speed: 30 });
const dir = tempDir('sb-advisory-leads-');
const branch = 'north';
const technician = { username: 'tech', password: 'technician pass 1' };
const manager = { username: 'bm-north', password: 'branch manager pass' };
/** Pages answer within seconds even when the two cores are busy with other tests. */
const poll = { timeout: 15_000 };
const secrets = [
  'Kiosk Customer',
  'Offline Customer',
  'Desk Customer',
  '13912345678',
  '13700001111',
  '8765 4321',
];
const consent = {
  zh: '本人同意银行就该产品致电本人。',
  en: 'I agree that the bank may call me about this product.',
};

// The cloud's leads module reads its keys from the environment, as in production.
const sealKeys = leadKeysInEnvironment({ escalationCheckMs: 3000 });

const cloudContext = testContext(clock);
const gatewayContext = testContext(clock);
let cloudPorts: { http: number; broker: number };
let cloud: Cloud;
let gateway: Gateway;
let browser: BrowserContext;

async function cloudConfig() {
  return parseConfig(
    'cloud',
    {
      http: { port: cloudPorts.http },
      broker: { port: cloudPorts.broker },
      store: { url: `sqlite:${join(dir.path, 'cloud.db')}` },
      admin: { username: 'admin', password: 'advisory-admin-pass' },
      pull: { intervalMs: 3000 },
      branches: [{ id: branch, name: 'North', timeZone: 'Asia/Shanghai' }],
    },
    CloudConfig,
  );
}

async function gatewayConfig(token: string) {
  return parseConfig(
    'gateway',
    {
      gateway: 'gw-north',
      branch,
      branchName: 'North branch',
      dataDir: join(dir.path, 'gateway'),
      http: { port: 0 },
      bus: { port: 0 },
      technicians: [
        { username: technician.username, password: await hashPassword(technician.password) },
      ],
      queue: {
        timeZone: 'Asia/Shanghai',
        services: [
          { id: 'cash', name: 'Cash', prefix: 'A', targetWaitMinutes: 10 },
          {
            id: 'home-loans',
            name: 'Home loans',
            prefix: 'M',
            targetWaitMinutes: 20,
            advisory: { product: 'mortgage' },
          },
        ],
        counters: [{ id: '1', name: 'Counter 1', services: ['cash', 'home-loans'] }],
      },
      screens: {
        timeZone: 'Asia/Shanghai',
        cacheDir: join(dir.path, 'gateway', 'cache'),
        screens: [
          {
            id: 'kiosk-1',
            name: 'Entrance kiosk',
            zone: 'entrance',
            resolution: '1280x800',
            orientation: 'landscape',
            role: 'kiosk',
          },
        ],
      },
      kioskLeads: {
        sealPublicKey: Buffer.from(sealKeys.publicKey).toString('base64'),
        consent: { version: '2026-12', text: consent },
        products: { mortgage: { zh: '住房贷款', en: 'Mortgage' } },
      },
      uplink: {
        cloudUrl: `http://127.0.0.1:${cloudPorts.http}`,
        statusIntervalMs: 2000,
        enrolmentToken: token,
      },
    },
    GatewayConfig,
  );
}

/** The branch manager of the branch on the cloud: an HQ user on the branch's lead staff. */
async function addBranchManager() {
  const store = await openStore({ url: `sqlite:${join(dir.path, 'cloud.db')}` }, cloudContext);
  const user = await createUser(
    store.db,
    {
      username: manager.username,
      passwordHash: await hashPassword(manager.password),
      role: 'branch-manager',
    },
    clock.now(),
  );
  await store.close();
  const admin = await cloudLogin('admin', 'advisory-admin-pass');
  const staff = await fetch(`${cloud.httpUrl}/api/leads/staff`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', cookie: admin },
    body: JSON.stringify({
      userId: user.id,
      branch,
      displayName: 'Branch manager',
      skills: [],
      onDuty: true,
    }),
  });
  expect(staff.status).toBe(204);
}

async function cloudLogin(username: string, password: string) {
  const response = await fetch(`${cloud.httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

interface ListedLead {
  source: string;
  name: string | null;
  phone: string | null;
  product: string;
  screen: string | null;
  consentVersion?: string;
}

async function branchLeads(): Promise<ListedLead[]> {
  const cookie = await cloudLogin(manager.username, manager.password);
  const response = await fetch(`${cloud.httpUrl}/api/leads`, { headers: { cookie } });
  return ((await response.json()) as { leads: ListedLead[] }).leads;
}

const leadsCursor = async () =>
  (await cloud.stats()).streams.find((s) => s.gateway === 'gw-north' && s.stream === 'leads')
    ?.cursor ?? 0;

async function pairedKiosk(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${gateway.httpUrl}/queue/kiosk/kiosk-1`);
  const code = gateway.pairingCodes().find((entry) => entry.screen === 'kiosk-1')?.code ?? '';
  await page.locator('.pairing input[name=code]').fill(code);
  await page.locator('.pairing button[type=submit]').click();
  await page.locator('main[data-state=live]').waitFor();
  return page;
}

describe('a lead left after an advisory ticket, at the kiosk and at the technician desk', () => {
  beforeAll(async () => {
    cloudPorts = { http: await freePort(), broker: await freePort() };
    cloud = await startCloud(await cloudConfig(), cloudContext);
    const token = await cloud.createEnrolmentToken(branch);
    gateway = await startGateway(await gatewayConfig(token), gatewayContext);
    await addBranchManager();
    browser = await chromium.launchPersistentContext(join(dir.path, 'profile'), {
      executablePath: chromiumPath,
      args: chromiumArgs,
      // A phone: the kiosk and the desk must work at 390 px as on their own screens.
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await cloud?.stop();
    dir.remove();
  });

  it('offers the lead after an advisory ticket only, and refuses it without consent', async () => {
    const kiosk = await pairedKiosk();
    await kiosk.locator('button[data-service=cash]').click();
    await kiosk.locator('.ticket-view').waitFor();
    expect(await kiosk.locator('.lead-offer').isHidden()).toBe(true);
    await kiosk.locator('.done').click();

    // The kiosk starts in Chinese: the offer, the product and the consent are Chinese.
    await kiosk.locator('button[data-service=home-loans]').click();
    await kiosk.locator('.lead-offer').waitFor();
    expect(await kiosk.locator('.lead-question').textContent()).toBe(
      '希望客户经理就“住房贷款”给您回电吗？',
    );
    expect(await kiosk.locator('.lead-consent-text').textContent()).toBe(consent.zh);
    expect(await kiosk.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await kiosk.locator('.language').click();
    expect(await kiosk.locator('.lead-question').textContent()).toBe(
      'Would you like a relationship manager to call you about Mortgage?',
    );
    expect(await kiosk.locator('.lead-consent-text').textContent()).toBe(consent.en);
    await kiosk.locator('.language').click();
    await kiosk.locator('.lead-name').fill('Kiosk Customer');
    await kiosk.locator('.lead-phone').fill('13912345678');
    await kiosk.locator('.lead-offer button[type=submit]').click();
    await expect
      .poll(() => kiosk.locator('.lead-status').textContent(), poll)
      .toContain('勾选同意');
    expect(gateway.outbox.position('leads').lastSeq).toBe(0);

    await kiosk.locator('.lead-agree').check();
    await kiosk.locator('.lead-offer button[type=submit]').click();
    await expect.poll(() => kiosk.locator('.lead-status').textContent(), poll).toContain('谢谢');
    expect(gateway.outbox.position('leads').lastSeq).toBe(1);
    await kiosk.close();
  });

  it('refuses a lead from an unpaired page, and a plaintext one with the field named', async () => {
    const plaintext = JSON.stringify({ name: 'Plain Text', phone: '13900000000' });
    const post = (headers: Record<string, string>) =>
      fetch(`${gateway.httpUrl}/queue/device/leads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: plaintext,
      });
    expect((await post({})).status).toBe(401);

    const code = gateway.pairingCodes().find((entry) => entry.screen === 'kiosk-1')?.code;
    const paired = await fetch(`${gateway.httpUrl}/screens/api/pair`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ screen: 'kiosk-1', code }),
    });
    const { token } = (await paired.json()) as { token: string };
    const refused = await post({ authorization: `Bearer ${token}` });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { path: string } }).error.path).toBe('sealed');
    expect(gateway.outbox.position('leads').lastSeq).toBe(1);
  });

  it('lets the technician take a lead at the desk while the cloud is down', async () => {
    await cloud.stop();
    const desk = await browser.newPage();
    await desk.goto(`${gateway.httpUrl}/login?next=/queue`);
    await desk.fill('input[name=username]', technician.username);
    await desk.fill('input[name=password]', technician.password);
    await desk.click('button[type=submit]');
    await desk.goto(`${gateway.httpUrl}/queue?lang=en`);

    await desk.locator('[data-issue=cash]').click();
    await expect.poll(() => desk.textContent('[data-figure=message]'), poll).toMatch(/^A\d+/);
    expect(await desk.locator('[data-form=lead]').isHidden()).toBe(true);
    await desk.locator('[data-issue=home-loans]').click();
    await desk.locator('[data-form=lead]').waitFor();
    expect(await desk.textContent('[data-figure=leadProduct]')).toBe('Mortgage');
    expect(await desk.textContent('[data-figure=leadConsent]')).toBe(consent.en);
    await desk.fill('[data-field=leadName]', 'Desk Customer');
    await desk.fill('[data-field=leadPhone]', '+86 139 8765 4321');
    await desk.click('[data-form=lead] button[type=submit]');
    await expect
      .poll(() => desk.textContent('[data-figure=leadStatus]'), poll)
      .toContain('consent');
    await desk.check('[data-field=leadAgree]');
    await desk.click('[data-form=lead] button[type=submit]');
    await expect
      .poll(() => desk.textContent('[data-figure=leadStatus]'), poll)
      .toBe('Lead sealed and queued for HQ.');
    await desk.close();

    // And a customer at the kiosk, in English this time, while HQ is still away.
    // The kiosk keeps its pairing token across a reload, as a kiosk browser does.
    const kiosk = await browser.newPage();
    await kiosk.goto(`${gateway.httpUrl}/queue/kiosk/kiosk-1`);
    await kiosk.locator('main[data-state=live]').waitFor();
    await kiosk.locator('.language').click();
    await kiosk.locator('button[data-service=home-loans]').click();
    await kiosk.locator('.lead-name').fill('Offline Customer');
    await kiosk.locator('.lead-phone').fill('13700001111');
    await kiosk.locator('.lead-agree').check();
    await kiosk.locator('.lead-offer button[type=submit]').click();
    await expect
      .poll(() => kiosk.locator('.lead-status').textContent(), poll)
      .toContain('Thank you');
    await kiosk.close();

    expect(gateway.outbox.after('leads', 0, 10).map((record) => record.kind)).toEqual([
      'lead.sealed',
      'lead.sealed',
      'lead.sealed',
    ]);
  });

  it('keeps only ciphertext on the gateway: its database, its log and its records', () => {
    const files = ['gateway.db', 'gateway.db-wal'].map((file) =>
      readFileSync(join(dir.path, 'gateway', file)),
    );
    const records = JSON.stringify(gateway.outbox.after('leads', 0, 10));
    const logs = JSON.stringify(gatewayContext.lines);
    for (const secret of secrets) {
      for (const bytes of files) expect(bytes.includes(secret)).toBe(false);
      expect(records).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });

  it("holds in its SQLite outbox a sealed box per lead and nothing else of the lead's", () => {
    const db = new Database(join(dir.path, 'gateway', 'gateway.db'), { readonly: true });
    const rows = db
      .prepare("SELECT kind, data FROM outbox WHERE stream = 'leads' ORDER BY seq")
      .all() as Array<{ kind: string; data: string }>;
    db.close();

    expect(rows.map((row) => row.kind)).toEqual(['lead.sealed', 'lead.sealed', 'lead.sealed']);
    for (const row of rows) {
      const data = JSON.parse(row.data) as Record<string, string>;
      expect(Object.keys(data)).toEqual(['sealed']);
      // A sealed box: 32 bytes of ephemeral key and 16 of tag around the JSON, in base64.
      expect(Buffer.from(data.sealed ?? '', 'base64').length).toBeGreaterThan(48);
      for (const secret of secrets) expect(row.data).not.toContain(secret);
    }
  });

  it('hands every lead to the cloud through the uplink once, after the cloud is back', async () => {
    cloud = await startCloud(await cloudConfig(), cloudContext);
    await eventually(async () => (await leadsCursor()) >= 3, 'the leads stream pulled', 60_000);
    await eventually(async () => (await branchLeads()).length >= 3, 'the leads imported', 30_000);

    // More pulls and imports go by; nothing is taken in twice.
    const later = clock.now() + 30_000;
    await eventually(() => clock.now() > later, 'ten more pulls', 10_000);
    const leads = await branchLeads();
    expect(leads).toHaveLength(3);
    const byName = Object.fromEntries(leads.map((lead) => [lead.name, lead]));
    expect(byName['Kiosk Customer']).toMatchObject({
      source: 'kiosk',
      name: 'Kiosk Customer',
      phone: '+8613912345678',
      product: 'mortgage',
      screen: 'kiosk-1',
    });
    expect(byName['Offline Customer']).toMatchObject({
      source: 'kiosk',
      phone: '+8613700001111',
      product: 'mortgage',
      screen: 'kiosk-1',
    });
    expect(byName['Desk Customer']).toMatchObject({
      source: 'technician',
      phone: '+8613987654321',
      product: 'mortgage',
      screen: null,
    });
    expect((await cloud.records('gw-north', 'leads')).map((record) => record.seq)).toEqual([
      1, 2, 3,
    ]);

    // Each lead keeps the consent in the words the customer read.
    const db = new Database(join(dir.path, 'cloud.db'), { readonly: true });
    const consents = db.prepare('SELECT consent_text FROM leads ORDER BY created_at').pluck().all();
    db.close();
    expect(consents.sort()).toEqual([consent.en, consent.en, consent.zh].sort());
  }, 120_000);
});
