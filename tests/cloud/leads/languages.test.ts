import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogues } from '../../../cloud/index.ts';
import { LeadsConfig } from '../../../cloud/leads/index.ts';
import { chromiumArgs } from '../../support/browser.ts';
import { leadsServer } from './app.ts';
import { type LeadsFixture, leadsFixture } from './fixture.ts';

const zh = catalogues.zh;
const en = catalogues.en;
const defaults = LeadsConfig.parse({});
const consentIn = (language: 'en' | 'zh') => {
  const text = defaults.consent.text;
  return typeof text === 'string' ? text : text[language];
};

describe('the phone lead pages in Chinese and English', () => {
  let fixture: LeadsFixture;
  let server: Awaited<ReturnType<typeof leadsServer>>;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    fixture = await leadsFixture('sqlite');
    server = await leadsServer(fixture);
    profile = mkdtempSync(join(tmpdir(), 'sb-leads-zh-chromium-'));
    // A phone set to Chinese: its browser asks for zh-CN first.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: chromiumArgs,
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
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
    return (await response.json()) as { url: string; token: string };
  };
  /** The consent text stored with the lead of that name. */
  const storedConsent = async (name: string) => {
    const mine = await fixture.leads.list(fixture.users['bm-north']);
    const id = mine.find((lead) => lead.name === name)?.id ?? '';
    const row = await fixture.leads.db
      .selectFrom('leads')
      .select('consent_text')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.consent_text;
  };

  it('shows a Chinese phone the form, its refusal and the thanks from the Chinese catalogue', async () => {
    const link = await signLink({ branch: 'north', campaign: 'spring-card' });
    const page = await browser.newPage();
    await page.goto(link.url);

    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('h1')).toBe(zh['leads.form.title']);
    expect(await page.textContent('label[for=name]')).toBe(zh['leads.form.name']);
    expect(await page.textContent('label[for=phone]')).toBe(zh['leads.form.phone']);
    expect(await page.textContent('label[for=product]')).toBe(zh['leads.form.product']);
    expect((await page.textContent('label:has(input[name=consent])'))?.trim()).toBe(
      zh['leads.form.agree'],
    );
    expect(await page.textContent('.consent-text')).toBe(consentIn('zh'));
    expect(await page.textContent('option[value=loan]')).toBe('个人贷款');
    expect(await page.textContent('a.language')).toBe(zh['language.switch']);

    await page.fill('#name', '王芳');
    await page.fill('#phone', '13900005555');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toBe(zh['leads.form.noConsent']);

    await page.fill('#name', '王芳');
    await page.fill('#phone', '13900005555');
    await page.check('input[name=consent]');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('h1')).toBe(zh['leads.thanks.title']);
    expect(await page.textContent('p')).toBe(zh['leads.thanks.text']);
    await page.close();

    // The lead records the consent in the words the person read.
    expect(await storedConsent('王芳')).toBe(consentIn('zh'));
  });

  it('switches a Chinese phone to English with the visible link, and keeps it on the post', async () => {
    const link = await signLink({ branch: 'north' });
    const page = await browser.newPage();
    await page.goto(link.url);
    await page.click('a.language');

    await expect.poll(() => page.textContent('h1')).toBe(en['leads.form.title']);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('label[for=name]')).toBe(en['leads.form.name']);
    expect(await page.textContent('.consent-text')).toBe(consentIn('en'));
    expect(await page.textContent('a.language')).toBe(en['language.switch']);

    await page.fill('#name', 'Wang Fang');
    await page.fill('#phone', '13900006666');
    await page.check('input[name=consent]');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('h1')).toBe(en['leads.thanks.title']);

    // The choice is remembered over the browser's preference.
    await page.goto(link.url);
    expect(await page.textContent('h1')).toBe(en['leads.form.title']);
    await page.close();
    expect(await storedConsent('Wang Fang')).toBe(consentIn('en'));
  });

  it('picks English for an English browser and Chinese for ?lang=zh', async () => {
    const link = await signLink({ branch: 'north' });
    const english = await (
      await fetch(link.url, { headers: { 'accept-language': 'en-GB' } })
    ).text();
    expect(english).toContain(`<h1>${en['leads.form.title']}</h1>`);
    expect(english).toContain(`>${en['leads.form.name']}</label>`);
    expect(english).toContain(` ${en['leads.form.agree']}</label>`);

    const asked = await (await fetch(`${link.url}?lang=zh`)).text();
    expect(asked).toContain(`<h1>${zh['leads.form.title']}</h1>`);
    expect(asked).toContain(` ${zh['leads.form.agree']}</label>`);

    const preferred = await fetch(link.url, {
      headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' },
    });
    expect(await preferred.text()).toContain(`>${zh['leads.form.phone']}</label>`);
  });

  it('refuses an expired or tampered link in the phone language', async () => {
    const link = await signLink({ branch: 'north', ttlMs: 60_000 });
    const headers = { 'accept-language': 'zh-CN' };
    const tampered = await fetch(link.url.replace('/l/', '/l/x'), { headers });
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain(zh['leads.refused.invalid']);

    fixture.context.clock.advance(61_000);
    const expired = await fetch(link.url, { headers });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain(zh['leads.refused.expired']);
    const expiredEnglish = await fetch(`${link.url}?lang=en`, { headers });
    expect(await expiredEnglish.text()).toContain(en['leads.refused.expired']);
  });

  it("shows a manager's card and phone page in Chinese", async () => {
    const ann = fixture.users['rm-ann'];
    // Forget the English picked above: the phone's own preference speaks again.
    await browser.clearCookies();
    const page = await browser.newPage();
    await page.goto(`${server.url}/card/${ann.id}`);
    expect(await page.textContent('.card p')).toBe(
      (zh['leads.card.role'] ?? '').replace('{branch}', 'north'),
    );
    expect(await page.textContent('.card a')).toBe(zh['leads.card.link']);
    await page.click('.card a');
    await expect.poll(() => page.textContent('h1')).toBe(zh['leads.form.title']);

    await page.fill('#name', '李娜');
    await page.fill('#phone', '13900007777');
    await page.check('input[name=consent]');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('h1')).toBe(zh['leads.thanks.title']);

    await page.context().addCookies([
      {
        name: 'sb_session',
        value: (await server.login('rm-ann')).split('=')[1] ?? '',
        url: server.url,
      },
    ]);
    await page.goto(`${server.url}/leads/mine`);
    expect(await page.textContent('h1')).toBe(zh['leads.mine.title']);
    const card = page.locator('li', { hasText: '李娜' });
    expect(await card.textContent()).toContain(zh['leads.state.new']);
    expect(await card.locator('button[type=submit]').textContent()).toBe(zh['leads.mine.log']);
    expect(await card.locator('select[name=to] option').allTextContents()).toEqual([
      zh['leads.state.contacted'],
      zh['leads.state.lost'],
    ]);

    await page.goto(`${server.url}/leads/mine?lang=en`);
    expect(await page.textContent('h1')).toBe(en['leads.mine.title']);
    await page.close();
  });
});
