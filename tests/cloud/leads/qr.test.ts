import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkQrToken } from '../../../cloud/leads/index.ts';
import { shareVideo } from '../../../cloud/leads/video.ts';
import { chromiumArgs } from '../../support/browser.ts';
import { leadsServer } from './app.ts';
import { type LeadsFixture, leadsFixture } from './fixture.ts';

// jsqr's types declare an ES default export that its CommonJS build does not have.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;

describe("the QR flow from a scan to the manager's list", () => {
  let fixture: LeadsFixture;
  let server: Awaited<ReturnType<typeof leadsServer>>;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    fixture = await leadsFixture('sqlite', {
      rateLimit: { windowMs: 600_000, perAddress: 5, perToken: 50 },
    });
    server = await leadsServer(fixture);
    profile = mkdtempSync(join(tmpdir(), 'sb-leads-chromium-'));
    // A fresh profile per run: nothing from an earlier run (cookies, cache) leaks in.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: chromiumArgs,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server.close();
    await fixture.close();
    rmSync(profile, { recursive: true, force: true });
  });

  const signLink = async (claims: Record<string, unknown>) => {
    const response = await server.call('marketer', 'POST', '/api/leads/links', claims);
    return (await response.json()) as { url: string; token: string; expiresAt: number };
  };

  const phonePage = () => browser.newPage();

  it("takes a scan through the form and consent into the branch manager's list with its attribution", async () => {
    const link = await signLink({
      branch: 'north',
      campaign: 'spring-card',
      screen: 'entrance-1',
      benefit: 'gift',
    });
    const page = await phonePage();
    await page.goto(link.url);
    await page.fill('#name', 'Li Lei');
    await page.fill('#phone', '139 0000 1111');
    await page.selectOption('#product', 'credit-card');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('no consent, no call');

    await page.fill('#name', 'Li Lei');
    await page.fill('#phone', '139 0000 1111');
    await page.check('input[name=consent]');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('h1')).toBe('Thank you');
    await page.close();

    const response = await server.call('bm-north', 'GET', '/api/leads');
    const { leads } = (await response.json()) as { leads: Array<Record<string, unknown>> };
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({
      name: 'Li Lei',
      phone: '+8613900001111',
      campaign: 'spring-card',
      screen: 'entrance-1',
      benefit: 'gift',
      branch: 'north',
      source: 'qr',
      consentVersion: '2026-12',
    });
  });

  it('refuses a tampered link and an expired one with a clear page', async () => {
    const link = await signLink({ branch: 'north', ttlMs: 60_000 });
    const page = await phonePage();
    const tampered = link.url.replace('/l/', '/l/x');
    const refused = await page.goto(tampered);
    expect(refused?.status()).toBe(400);
    expect(await page.textContent('[role=alert]')).toContain('This link is not valid');

    fixture.context.clock.advance(61_000);
    const expired = await page.goto(link.url);
    expect(expired?.status()).toBe(410);
    expect(await page.textContent('[role=alert]')).toContain('This link has expired');
    expect(await page.locator('form').count()).toBe(0);
    await page.close();
  });

  it('limits form posts per address so a script cannot flood the list', async () => {
    const link = await signLink({ branch: 'north' });
    const post = () =>
      fetch(link.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=Spam&phone=13900002222&product=loan&consentVersion=2026-12',
      });
    // The flows above posted from this address too: start from a fresh window.
    fixture.context.clock.advance(600_001);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 7; attempt += 1) statuses.push((await post()).status);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
    expect(statuses.slice(0, 5).every((status) => status === 400)).toBe(true);
    fixture.context.clock.advance(600_001);
    expect((await post()).status).toBe(400);
    fixture.context.clock.advance(600_001);
  });

  it("prints a poster whose QR code decodes to the manager's own tracking link", async () => {
    const response = await server.call(
      'rm-ann',
      'GET',
      '/api/leads/poster.png?campaign=spring-card',
    );
    expect(response.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await response.arrayBuffer()));
    const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(decoded?.data).toMatch(/\/l\/[\w-]+\.[\w-]+$/);

    const token = decoded?.data.split('/l/')[1] ?? '';
    const check = checkQrToken(fixture.secrets.tokenSecret, token, fixture.context.clock.now());
    expect(check).toMatchObject({
      ok: true,
      claims: { manager: fixture.users['rm-ann'].id, campaign: 'spring-card' },
    });

    const pdf = await server.call('rm-ann', 'GET', '/api/leads/poster.pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
  });

  it('makes a portrait H.264 share video whose QR sends a lead straight to that manager', async () => {
    const ann = fixture.users['rm-ann'];
    const response = await server.call(
      'rm-ann',
      'GET',
      '/api/leads/share-video.mp4?campaign=spring-card',
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    const video = join(profile, 'share.mp4');
    writeFileSync(video, Buffer.from(await response.arrayBuffer()));
    // The encoder's temporary folder goes once the download is read.
    const leftovers = () =>
      readdirSync(tmpdir()).filter((name) => name.startsWith('sb-share-video'));
    await expect.poll(leftovers).toEqual([]);

    const probe = spawnSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-show_entries',
        'stream=codec_name,width,height:format=duration',
        '-of',
        'json',
        video,
      ],
      { encoding: 'utf8' },
    );
    const info = JSON.parse(probe.stdout) as {
      streams: Array<{ codec_name: string; width: number; height: number }>;
      format: { duration: string };
    };
    expect(info.streams).toEqual([{ codec_name: 'h264', width: 720, height: 1280 }]);
    expect(Number(info.format.duration)).toBeCloseTo(8, 0);

    // A frame from the middle of the clip, as a phone's camera would catch it on a shared screen.
    const frame = spawnSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-ss',
        '4',
        '-i',
        video,
        '-frames:v',
        '1',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgba',
        '-',
      ],
      { maxBuffer: 8 * 1024 * 1024 },
    );
    expect(frame.stdout.length).toBe(720 * 1280 * 4);
    const decoded = jsQR(new Uint8ClampedArray(frame.stdout), 720, 1280);
    const token = decoded?.data.split('/l/')[1] ?? '';
    const check = checkQrToken(fixture.secrets.tokenSecret, token, fixture.context.clock.now());
    expect(check).toMatchObject({
      ok: true,
      claims: { manager: ann.id, campaign: 'spring-card' },
    });

    const posted = await fetch(decoded?.data ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Wei Ming&phone=13900005555&product=loan&consent=yes&consentVersion=2026-12',
    });
    expect(posted.ok).toBe(true);
    const lead = (await fixture.leads.list(ann)).find((each) => each.name === 'Wei Ming');
    expect(lead).toMatchObject({ assignee: ann.id, campaign: 'spring-card', source: 'card' });

    const branchManager = await server.call('bm-north', 'GET', '/api/leads/share-video.mp4');
    expect(branchManager.status).toBe(403);
  });

  it('refuses a share video with one line naming ffmpeg when the host has none', async () => {
    await expect(
      shareVideo('http://127.0.0.1/l/x', { ffmpeg: join(profile, 'no-ffmpeg-here') }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_UNAVAILABLE',
      status: 503,
      message: 'service unavailable: ffmpeg not found: apt-get install -y ffmpeg',
    });
  });

  it("sends a lead from a manager's business card straight to that manager", async () => {
    const ann = fixture.users['rm-ann'];
    const page = await phonePage();
    await page.goto(`${server.url}/card/${ann.id}`);
    expect(await page.textContent('h1')).toBe('rm-ann');
    await page.click('a');
    await page.fill('#name', 'Han Meimei');
    await page.fill('#phone', '13900003333');
    await page.selectOption('#product', 'loan');
    await page.check('input[name=consent]');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('h1')).toBe('Thank you');

    await page.context().addCookies([
      {
        name: 'sb_session',
        value: (await server.login('rm-ann')).split('=')[1] ?? '',
        url: server.url,
      },
    ]);
    await page.goto(`${server.url}/leads/mine`);
    expect(await page.textContent('#leads')).toContain('Han Meimei');
    await page.close();
    const mine = await fixture.leads.list(ann);
    expect(mine.find((lead) => lead.name === 'Han Meimei')).toMatchObject({
      assignee: ann.id,
      source: 'card',
    });
  });

  it("logs a call's outcome on the manager's phone page and lists what is due today", async () => {
    const ann = fixture.users['rm-ann'];
    const page = await phonePage();
    await page.context().addCookies([
      {
        name: 'sb_session',
        value: (await server.login('rm-ann')).split('=')[1] ?? '',
        url: server.url,
      },
    ]);
    await page.goto(`${server.url}/leads/mine?due=today`);
    expect(await page.textContent('h1')).toBe('Due today');
    const card = page.locator('li', { hasText: 'Han Meimei' });
    expect(await card.locator('a[href^="tel:"]').textContent()).toBe('+8613900003333');

    await card.locator('select[name=to]').selectOption('contacted');
    await card.locator('input[name=note]').fill('Calls back after lunch');
    await card.locator('input[name=followUp]').fill('2031-03-04');
    await card.locator('button[type=submit]').click();
    await expect.poll(() => page.textContent('h1')).toBe('My leads');
    const lead = (await fixture.leads.list(ann)).find((each) => each.name === 'Han Meimei');
    expect(lead).toMatchObject({ state: 'contacted', followUpAt: Date.parse('2031-03-04T09:00Z') });
    const history = await fixture.leads.get(ann, lead?.id ?? '');
    expect(history.history.at(-1)).toMatchObject({ by: ann.id, to: 'contacted' });
    expect(history.history.some((event) => event.note === 'Calls back after lunch')).toBe(true);

    await page.goto(`${server.url}/leads/mine?due=today`);
    expect(await page.locator('li', { hasText: 'Han Meimei' }).count()).toBe(0);
    await card.page().close();
  });
});

describe('the form limit per QR link', () => {
  let fixture: LeadsFixture;
  let server: Awaited<ReturnType<typeof leadsServer>>;

  beforeAll(async () => {
    fixture = await leadsFixture('sqlite', {
      rateLimit: { windowMs: 600_000, perAddress: 100, perToken: 3 },
    });
    server = await leadsServer(fixture);
  });
  afterAll(async () => {
    await server.close();
    await fixture.close();
  });

  it('refuses a flood on one link with a clear page while another still takes posts', async () => {
    const sign = async (screen: string) => {
      const response = await server.call('marketer', 'POST', '/api/leads/links', {
        branch: 'north',
        screen,
      });
      return ((await response.json()) as { url: string }).url;
    };
    const post = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=Flood&phone=13900004444&product=loan&consentVersion=2026-12',
      });
    const flooded = await sign('entrance-1');
    const other = await sign('window-2');

    const statuses = [];
    for (let attempt = 0; attempt < 5; attempt += 1) statuses.push((await post(flooded)).status);
    const refusal = await post(flooded);

    expect(statuses).toEqual([400, 400, 400, 429, 429]);
    expect(refusal.status).toBe(429);
    expect(await refusal.text()).toContain('Too many');
    expect((await post(other)).status).toBe(400);
  });
});
