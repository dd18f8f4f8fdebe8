import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../../cloud/api/index.ts';
import { loadCursor, storeBatch } from '../../../cloud/insights/ingest.ts';
import { newSealKeys, sealLead } from '../../../cloud/leads/index.ts';
import { kioskLeadRoutes } from '../../../edge/leads/index.ts';
import { openStore as openEdgeStore } from '../../../edge/store/index.ts';
import { outbox as openOutbox } from '../../../edge/store/outbox.ts';
import { chromiumArgs } from '../../support/browser.ts';
import { type LeadsFixture, leadsFixture } from './fixture.ts';

const consent = {
  version: '2026-12',
  text: { zh: '本人同意银行致电本人。', en: 'I agree that the bank may call me.' },
};

describe('kiosk leads, sealed in the page and delivered once', () => {
  let fixture: LeadsFixture;
  let edgeFolder: string;
  let edge: ReturnType<typeof openEdgeStore>;
  let outbox: ReturnType<typeof openOutbox>;
  let kiosk: Awaited<ReturnType<typeof listen>>;
  let browser: BrowserContext;

  beforeAll(async () => {
    fixture = await leadsFixture('sqlite');
    edgeFolder = mkdtempSync(join(tmpdir(), 'sb-leads-edge-'));
    edge = openEdgeStore(join(edgeFolder, 'gateway.db'), fixture.context);
    outbox = openOutbox(edge.db);
    const sealPublicKey = Buffer.from(fixture.secrets.sealKeys.publicKey).toString('base64');
    const app = express();
    app.use(
      kioskLeadRoutes(
        outbox,
        {
          branch: 'north',
          sealPublicKey,
          consent,
          products: { mortgage: { zh: '住房贷款', en: 'Mortgage' } },
          screen: 'kiosk-1',
        },
        fixture.context,
      ),
    );
    kiosk = await listen(app, '127.0.0.1', 0);
    browser = await chromium.launchPersistentContext(join(edgeFolder, 'profile'), {
      executablePath: '/usr/bin/chromium',
      args: chromiumArgs,
      viewport: { width: 1080, height: 1920 },
    });

    const now = fixture.context.clock.now();
    await fixture.store.db
      .insertInto('branches')
      .values({
        id: 'north',
        name: 'North',
        time_zone: 'UTC',
        region: null,
        tags: '[]',
        created_at: now,
      })
      .execute();
    await fixture.store.db
      .insertInto('gateways')
      .values({
        id: 'gw-north',
        branch: 'north',
        password_hash: 'x',
        version: '1',
        enrolled_at: now,
        rotated_at: now,
      })
      .execute();
  });
  afterAll(async () => {
    await browser?.close();
    await kiosk.close();
    edge.close();
    await fixture.close();
    rmSync(edgeFolder, { recursive: true, force: true });
  });

  const pull = async () => {
    const gateway = 'gw-north';
    const after = await loadCursor(fixture.store.db, gateway, 'leads', fixture.context.clock.now());
    const records = outbox.after('leads', after, 100);
    await storeBatch(
      fixture.store.db,
      { gateway, stream: 'leads', after, records },
      fixture.context.clock.now(),
    );
    return records;
  };

  it('seals the fields in the page so the gateway holds ciphertext only', async () => {
    const page = await browser.newPage();
    await page.goto(`${kiosk.url}/kiosk/lead`);
    await page.fill('#name', 'Kiosk Person');
    await page.fill('#phone', '13912345678');
    await page.check('#consent');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('#status')).toContain('Thank you');
    await page.close();

    const records = outbox.after('leads', 0, 10);
    expect(records.map((record) => record.kind)).toEqual(['lead.sealed']);
    const onDisk = [
      readFileSync(join(edgeFolder, 'gateway.db')),
      readFileSync(join(edgeFolder, 'gateway.db-wal')),
    ];
    for (const bytes of onDisk) {
      expect(bytes.includes('Kiosk Person')).toBe(false);
      expect(bytes.includes('13912345678')).toBe(false);
    }
    expect(fixture.context.text.join('\n')).not.toContain('Kiosk Person');
  });

  it('shows the standalone form in Chinese on a phone, with a switch to English', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${kiosk.url}/kiosk/lead?lang=zh`);
    expect(await page.textContent('h1')).toBe('留下您的联系方式');
    expect(await page.textContent('#product option[value=mortgage]')).toBe('住房贷款');
    expect(await page.textContent('.consent-text')).toBe(consent.text.zh);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await page.fill('#name', 'No Consent');
    await page.fill('#phone', '13911112222');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('#status')).toContain('勾选同意');
    expect(outbox.after('leads', 0, 10)).toHaveLength(1);

    await page.click('a.language');
    expect(await page.textContent('h1')).toBe('Leave your details');
    expect(await page.textContent('.consent-text')).toBe(consent.text.en);
    await page.close();
  });

  it('refuses a plaintext body at the gateway with the field named', async () => {
    const response = await fetch(`${kiosk.url}/kiosk/lead`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sealed: 'x'.repeat(80), name: 'Plain Text' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { path: string } }).error.path).toBe('sealed');
    expect(outbox.after('leads', 0, 10)).toHaveLength(1);
  });

  it('takes a pulled kiosk lead in exactly once, however often it is pulled and imported', async () => {
    await pull();
    expect(await fixture.leads.importKiosk()).toBe(1);
    expect(await fixture.leads.importKiosk()).toBe(0);
    await storeBatch(
      fixture.store.db,
      { gateway: 'gw-north', stream: 'leads', after: 0, records: outbox.after('leads', 0, 10) },
      fixture.context.clock.now(),
    );
    expect(await fixture.leads.importKiosk()).toBe(0);

    const leads = await fixture.leads.list(fixture.users['bm-north']);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      name: 'Kiosk Person',
      phone: '+8613912345678',
      source: 'kiosk',
      screen: 'kiosk-1',
      product: 'mortgage',
      branch: 'north',
    });
  });

  it('refuses a box sealed to another key or naming another branch, and keeps the rest', async () => {
    const lead = {
      branch: 'north',
      product: 'loan',
      name: 'Wrong Key',
      phone: '13900000000',
      consent: true as const,
      consentVersion: '1',
      consentText: 'yes',
    };
    outbox.append({
      kind: 'lead.sealed',
      at: fixture.context.clock.now(),
      data: { sealed: sealLead(lead, newSealKeys().publicKey) },
    });
    const otherBranch = { ...lead, branch: 'south', name: 'Other Branch' };
    outbox.append({
      kind: 'lead.sealed',
      at: fixture.context.clock.now(),
      data: { sealed: sealLead(otherBranch, fixture.secrets.sealKeys.publicKey) },
    });
    const good = { ...lead, name: 'Good One', phone: '13900000001' };
    outbox.append({
      kind: 'lead.sealed',
      at: fixture.context.clock.now(),
      data: { sealed: sealLead(good, fixture.secrets.sealKeys.publicKey) },
    });
    await pull();

    expect(await fixture.leads.importKiosk()).toBe(1);
    const names = (await fixture.leads.list(fixture.users['bm-north'])).map((each) => each.name);
    expect(names.sort()).toEqual(['Good One', 'Kiosk Person']);
    const refusals = fixture.context.lines.filter(
      (line) => line.msg === 'kiosk lead refused' && line.gateway === 'gw-north',
    );
    expect(refusals).toHaveLength(2);
  });
});
