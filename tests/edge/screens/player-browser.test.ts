import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, tempDir } from '../../support/context.ts';
import { bandedPng, chromiumPath, distinctColours, launchChromium } from './browser.ts';
import { type Harness, startHarness } from './harness.ts';

interface LogEntry {
  item: string;
  event: 'start' | 'end';
  at: number;
  completed?: boolean;
  durationMs?: number;
}

const executable = chromiumPath();
const dir = tempDir('sb-screens-browser-');
let harness: Harness;
let browser: BrowserContext;
let player: Page;

const pageLog = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { __sbPlayer: { log: LogEntry[] } }).__sbPlayer.log.slice(),
  );

async function pairPage(page: Page, screen: string) {
  await page.goto(`${harness.url}/screens/player/${screen}`);
  const code = harness.screens.pairingCodes().find((entry) => entry.screen === screen)?.code ?? '';
  await page.fill('input[name=code]', code);
  await page.click('button[type=submit]');
}

describe.skipIf(!executable)('the player page in a real browser', () => {
  beforeAll(async () => {
    harness = await startHarness({ dir: dir.path });
    const image = bandedPng(320, 180);
    const uploaded = await harness.api(
      '/screens/api/content/upload?id=banner&name=Banner&filename=banner.png',
      {
        method: 'POST',
        body: new Uint8Array(image),
        headers: { 'content-type': 'application/octet-stream' },
      },
    );
    expect(uploaded.status).toBe(201);
    for (const id of ['hello', 'rates']) {
      await harness.api('/screens/api/content', {
        method: 'POST',
        body: JSON.stringify({
          id,
          name: id,
          type: 'template',
          template: `<h1>${id}</h1><p>{{branch.name}}</p>`,
        }),
      });
    }
    await harness.api('/screens/api/playlists/main', {
      method: 'PUT',
      body: JSON.stringify({
        name: 'Main',
        target: { roles: ['signage'] },
        items: [
          { content: 'hello', durationMs: 2000 },
          { content: 'banner', durationMs: 3000 },
          { content: 'rates', durationMs: 2000 },
        ],
      }),
    });
    browser = await launchChromium(executable as string, dir.path);
    player = await browser.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.stop().catch(() => {});
    dir.remove();
  });

  it('plays the scheduled items in order with their durations once paired', async () => {
    await pairPage(player, 'tv-1');
    await eventually(
      async () => (await pageLog(player)).filter((e) => e.event === 'end').length >= 4,
      'four finished plays',
      20_000,
    );

    const log = await pageLog(player);
    const starts = log.filter((entry) => entry.event === 'start').map((entry) => entry.item);
    const firstHello = starts.indexOf('hello');
    expect(starts.slice(firstHello, firstHello + 4)).toEqual(['hello', 'banner', 'rates', 'hello']);

    const planned: Record<string, number> = { hello: 2000, banner: 3000, rates: 2000 };
    for (const end of log.filter(
      (entry) => entry.event === 'end' && entry.completed && planned[entry.item],
    )) {
      expect(end.durationMs).toBeGreaterThanOrEqual(planned[end.item]! - 20);
      expect(end.durationMs).toBeLessThan(planned[end.item]! + 1500);
    }
  });

  it('shows the image from the gateway and takes a screenshot that is not blank', async () => {
    await player.waitForSelector('.stage img[data-item=banner]', { timeout: 10_000 });
    const shot = await player.screenshot({ path: join(dir.path, 'player.png') });

    expect(await distinctColours(player, shot)).toBeGreaterThan(10);
  });

  it('records in proof of play exactly the plays the browser reports', async () => {
    await eventually(
      async () => {
        const ends = (await pageLog(player)).filter(
          (e) => e.event === 'end' && (e.durationMs ?? 0) >= 1000,
        );
        const stored = harness.screens.control.plays('tv-1');
        return ends.length > 0 && stored.length >= ends.length;
      },
      'the plays to reach the gateway',
      10_000,
    );

    const ends = (await pageLog(player)).filter(
      (e) => e.event === 'end' && (e.durationMs ?? 0) >= 1000,
    );
    const stored = harness.screens.control.plays('tv-1').slice(0, ends.length);
    expect(
      stored.map((row) => [row.item, row.endedAt - row.startedAt, row.completed === 1]),
    ).toEqual(ends.map((end) => [end.item, end.durationMs, end.completed]));
  });

  it('lets an override take over the player at once', async () => {
    await harness.api('/screens/api/overrides', {
      method: 'POST',
      body: JSON.stringify({
        id: 'notice',
        title: 'Counter 3 closed',
        minutes: 0.2,
      }),
    });

    await player.waitForSelector('.stage iframe[data-item="override:notice"]', { timeout: 5000 });
    const frame = player.frameLocator('.stage iframe');
    expect(await frame.locator('h1').textContent()).toBe('Counter 3 closed');
    await player.waitForSelector(
      '.stage [data-item=hello], .stage [data-item=banner], .stage [data-item=rates]',
      { timeout: 20_000 },
    );
  });

  it('shows on the queue board a number called on the bus', async () => {
    const board = await browser.newPage();
    await pairPage(board, 'board');
    await board.waitForSelector('.board:not([hidden])', { timeout: 10_000 });

    await harness.bus.publish(
      'queueState',
      {},
      {
        at: Date.now(),
        day: '2026-12-05',
        waiting: [{ service: 'cash', count: 4 }],
        nowServing: [{ counter: '2', number: 'A042', service: 'cash' }],
        issuedToday: 50,
        servedToday: 46,
      },
    );
    await board.waitForSelector('.serving li[data-number=A042]', { timeout: 5000 });
    const shot = await board.screenshot({ path: join(dir.path, 'board.png') });

    expect(await board.textContent('.waiting')).toBe('4');
    expect(await distinctColours(board, shot)).toBeGreaterThan(3);
    await board.close();
  });

  it('keeps playing from its cache with the gateway stopped, even after a reload', async () => {
    await player
      .waitForFunction(() => navigator.serviceWorker?.controller !== null, null, {
        timeout: 10_000,
      })
      .catch(() => {});
    await harness.stop();
    const stoppedAt = Date.now();

    await eventually(
      async () =>
        (await pageLog(player)).filter((e) => e.event === 'start' && e.at > stoppedAt).length >= 2,
      'plays after the gateway stopped',
      15_000,
    );
    await player.reload();
    await eventually(
      async () =>
        (await pageLog(player).catch(() => [])).filter((e) => e.event === 'start').length >= 2,
      'plays after a reload without the gateway',
      15_000,
    );
    const images = await player.waitForSelector('.stage img[data-item=banner]', {
      timeout: 15_000,
    });
    const shot = await player.screenshot({ path: join(dir.path, 'player-offline.png') });

    expect(await images.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(320);
    expect(await distinctColours(player, shot)).toBeGreaterThan(10);
    writeFileSync(join(dir.path, 'done'), 'ok');
  });
});
