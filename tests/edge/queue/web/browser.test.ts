import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QueueEvent } from '../../../../protocol/index.ts';
import { eventually, tempDir } from '../../../support/context.ts';
import { chromiumPath, launchBrowser } from './browser.ts';
import { fancyService, type Gateway, session, startGateway } from './harness.ts';

const skip = existsSync(chromiumPath) ? false : `no chromium at ${chromiumPath}`;

let browser: Awaited<ReturnType<typeof launchBrowser>>;
let dir: ReturnType<typeof tempDir>;
let gateway: Gateway;
let calls: QueueEvent[];
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!skip) browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  dir = tempDir('sb-queue-web-');
  gateway = await startGateway(dir.path);
  calls = [];
  await gateway.bus.subscribe('queueEvent', {}, (event) => {
    if (event.type === 'called') calls.push(event);
  });
});

afterEach(async () => {
  for (const page of browser.context.pages()) await page.close();
  await gateway.stop();
  dir.remove();
  expect(pageErrors.splice(0)).toEqual([]);
});

const openPage = async (path: string) => {
  const page = await browser.context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${gateway.url}${path}`);
  return page;
};

/** Opens a page and pairs it through its own form with the code the technician UI shows. */
const pairedPage = async (kind: 'kiosk' | 'board', screen: string) => {
  const page = await openPage(`/queue/${kind}/${screen}`);
  await page.locator('.pairing input[name=code]').fill(gateway.code(screen));
  await page.locator('.pairing button[type=submit]').click();
  await page.locator('main[data-state=live]').waitFor();
  return page;
};

const restCall = (counter: string) =>
  fetch(`${gateway.url}/queue/api/counters/${counter}/call-next`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...session },
    body: '{}',
  });

const servingAt = (board: Page, counter: string) =>
  board.locator(`.serving tr[data-counter="${counter}"] .number`);

describe.skipIf(skip)('kiosk and board pages in chromium', () => {
  it('pairs a kiosk on a touch tablet by code, takes a ticket and sees it called on the board', async () => {
    const kiosk = await pairedPage('kiosk', 'kiosk-1');
    const board = await pairedPage('board', 'board-1');
    await kiosk.locator('button[data-service=cash] .count').filter({ hasText: '0' }).waitFor();

    expect(await kiosk.locator('button[data-service=cash] .wait').textContent()).toMatch(
      /^预计等候 \d+ 分钟$/,
    );
    const box = await kiosk.locator('button[data-service=cash]').boundingBox();
    expect(box?.height).toBeGreaterThanOrEqual(48);
    expect(await kiosk.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      800,
    );

    await kiosk.locator('button[data-service=cash]').tap();
    await expect.poll(() => kiosk.locator('.ticket-number').textContent()).toBe('A001');
    expect(await kiosk.locator('.ticket-service').textContent()).toBe('现金 Cash');
    await expect.poll(() => board.locator('.waiting').textContent()).toBe('1');
    const cashOnBoard = board.locator('.estimates li[data-service=cash]');
    expect(await cashOnBoard.locator('strong').textContent()).toBe('现金 Cash');
    expect(await cashOnBoard.locator('.count').textContent()).toBe('1 人等候');
    expect(await cashOnBoard.locator('.wait').textContent()).toMatch(/^预计等候 \d+ 分钟$/);

    expect((await restCall('3')).status).toBe(200);
    await expect.poll(() => servingAt(board, '3').textContent()).toBe('A001');
    expect(await board.locator('.latest-number').textContent()).toBe('A001');
  });

  it('shows a call made on the bus the same way as one made by REST', async () => {
    const board = await pairedPage('board', 'board-1');
    gateway.queue.issue({ requestId: 'w-1', service: 'cash', source: 'bus' });
    gateway.queue.issue({ requestId: 'w-2', service: 'cash', source: 'bus' });

    await restCall('3');
    await expect.poll(() => servingAt(board, '3').textContent()).toBe('A001');
    const byRest = await board.locator('.announcement').textContent();
    await gateway.bus.publish(
      'queueCounterCommand',
      { counter: '4' },
      { requestId: 'bus-call-1', action: 'call-next' },
    );
    await expect.poll(() => servingAt(board, '4').textContent()).toBe('A002');

    expect(byRest).toBe(calls[0]?.announcement?.[0]?.text);
    expect(await board.locator('.announcement').textContent()).toBe(
      calls[1]?.announcement?.[0]?.text,
    );
    expect(await board.locator('.latest-number').textContent()).toBe('A002');
  });

  it('refuses an unpaired page, a wrong code and a forged token: no queue shown', async () => {
    gateway.queue.issue({ requestId: 'w-3', service: 'cash', source: 'bus' });
    gateway.queue.command('3', { requestId: 'c-3', action: 'call-next' });
    const board = await openPage('/queue/board/board-1');
    await board.locator('main[data-state=unpaired]').waitFor();

    await board
      .locator('.pairing input[name=code]')
      .fill(gateway.code('board-1') === '000000' ? '111111' : '000000');
    await board.locator('.pairing button[type=submit]').click();
    await expect.poll(() => board.locator('.pairing-error').textContent()).not.toBe('');
    await board.evaluate(() => localStorage.setItem('sb-queue-token:board-1', 'f'.repeat(43)));
    await board.reload();
    await board.locator('main[data-state=unpaired]').waitFor();

    expect(await board.locator('.pairing').isVisible()).toBe(true);
    expect(await board.locator('.serving tr[data-number]').count()).toBe(0);
    expect(await board.locator('.announcement').textContent()).toBe('');
  });

  it('shows and speaks the announcement with 𠮷 and an emoji as the same characters', async () => {
    const board = await pairedPage('board', 'board-1');
    await board.locator('.speech').click();
    gateway.queue.issue({ requestId: 'w-4', service: 'exchange', source: 'bus' });

    await restCall('3');
    await expect.poll(() => servingAt(board, '3').textContent()).toBe('F001');
    const zh = calls[0]?.announcement?.find((entry) => entry.lang === 'zh')?.text ?? '';
    const en = calls[0]?.announcement?.find((entry) => entry.lang === 'en')?.text ?? '';
    expect(zh).toBe(`请 F001 号顾客到 3 号窗口办理 ${fancyService}`.normalize('NFC'));
    const shown = await board.locator('.announcement').textContent();
    const spoken = await board.evaluate(() => (window as unknown as { spoken: unknown }).spoken);

    expect(shown).toBe(zh);
    expect([...(shown ?? '')].filter((char) => char === '𠮷' || char === '🍜')).toHaveLength(2);
    expect(shown).not.toMatch(/\uFFFD|%F0/);
    expect(spoken).toEqual([
      { text: zh, lang: 'zh-CN' },
      { text: en, lang: 'en-GB' },
    ]);
    await board.locator('button.language').click();
    await expect.poll(() => board.locator('.announcement').textContent()).toBe(en);
  });

  it('shows the current truth at once after a reconnect, calls missed included', async () => {
    const board = await pairedPage('board', 'board-1');
    let sockets = 0;
    board.on('websocket', () => {
      sockets += 1;
    });
    gateway.queue.issue({ requestId: 'w-5', service: 'cash', source: 'bus' });
    gateway.queue.issue({ requestId: 'w-6', service: 'cash', source: 'bus' });
    await restCall('3');
    await expect.poll(() => servingAt(board, '3').textContent()).toBe('A001');

    gateway.dropConnections();
    gateway.queue.command('4', { requestId: 'c-6', action: 'call-next' });
    gateway.queue.command('3', { requestId: 'c-7', action: 'end' });

    await expect.poll(() => servingAt(board, '4').textContent(), { timeout: 15_000 }).toBe('A002');
    expect(await servingAt(board, '3').count()).toBe(0);
    expect(await board.locator('.latest-number').textContent()).toBe('A002');
    await eventually(() => sockets >= 1, 'a new websocket after the drop');
  });

  it('switches the kiosk between Chinese and English and checks an appointment in', async () => {
    const now = Date.now();
    gateway.queue.book({
      customerRef: 'c-1',
      service: 'advice',
      slotStart: now,
      slotEnd: now + 1_800_000,
      code: 'MEET-42',
    });
    await pairedPage('kiosk', 'kiosk-1');
    const kiosk = browser.context.pages().at(-1) as Page;
    expect(await kiosk.locator('.services-view h2').textContent()).toBe('请选择业务');

    await kiosk.locator('button.language').click();
    expect(await kiosk.locator('.services-view h2').textContent()).toBe('Choose a service');
    expect(await kiosk.locator('button[data-service=advice] .wait').textContent()).toBe(
      'No counter open for this service',
    );
    await kiosk.locator('.check-in input[name=code]').fill('NOPE-1');
    await kiosk.locator('.check-in button').click();
    await expect
      .poll(() => kiosk.locator('.kiosk-error').textContent())
      .toBe('No such appointment today');
    await kiosk.locator('.check-in input[name=code]').fill('MEET-42');
    await kiosk.locator('.check-in button').click();
    await expect.poll(() => kiosk.locator('.ticket-number').textContent()).toBe('C001');
  });
});
