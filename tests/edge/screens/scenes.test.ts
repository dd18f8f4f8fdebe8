import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueueState } from '../../../protocol/index.ts';
import { eventually, manualClock, tempDir } from '../../support/context.ts';
import { type Harness, next, startHarness } from './harness.ts';

interface Programme {
  key: string;
  reason: string;
  playlist?: string;
  items: { id: string; html?: string }[];
}

const dir = tempDir('sb-screens-scenes-');
const clock = manualClock(Date.parse('2026-05-04T10:00:00+08:00'));
const themesFolder = join(dir.path, 'themes');
let harness: Harness;
let player: Socket;
const programmes: Programme[] = [];
const latest = () => programmes.at(-1);

const queue = (waiting: number, waitSeconds = 60): QueueState => ({
  at: clock.now(),
  day: '2026-05-04',
  waiting: [{ service: 'B', count: waiting }],
  nowServing: [{ counter: '3', number: 'B017', service: 'B' }],
  issuedToday: 40,
  servedToday: 30,
  estimates: [{ service: 'B', waitSeconds }],
});

beforeAll(async () => {
  mkdirSync(themesFolder);
  harness = await startHarness({ dir: dir.path, clock, config: { themesFolder } });
  for (const [id, text] of [
    ['calm', 'Calm'],
    ['busy', 'Busy? Try the app'],
    ['senior', 'Pension day'],
    ['vip', 'Welcome, VIP'],
    ['long-wait', 'Long wait'],
  ]) {
    await harness.api('/screens/api/content', {
      method: 'POST',
      body: JSON.stringify({
        id,
        name: text,
        type: 'template',
        template: `<h1>${text}</h1><p>{{queue.nowServing}}</p>`,
      }),
    });
  }
  await harness.api('/screens/api/playlists/calm', {
    method: 'PUT',
    body: JSON.stringify({ name: 'Calm', items: [{ content: 'calm', durationMs: 10_000 }] }),
  });
  player = harness.player(await harness.pair('tv-1'));
  player.on('programme', (programme: Programme) => programmes.push(programme));
  await eventually(() => latest()?.playlist === 'calm', 'the calm playlist');
});

afterAll(async () => {
  await harness.stop();
  dir.remove();
});

/** Moves the gateway's clock a second at a time, the player beating its heart as a real one would. */
async function advance(ms: number) {
  for (let done = 0; done < ms; done += 1000) {
    await player.timeout(2000).emitWithAck('heartbeat', {});
    await clock.advance(Math.min(1000, ms - done));
  }
}

const putRule = (id: string, rule: unknown, priority = 10) =>
  harness.api(`/screens/api/playlists/${id}`, {
    method: 'PUT',
    body: JSON.stringify({
      name: id,
      priority,
      items: [{ content: id, durationMs: 10_000 }],
      rule,
    }),
  });

describe('rules on live aggregates', () => {
  it('switches when the waiting zone holds more than 8 and back when it ends, without flapping', async () => {
    await putRule('busy', {
      conditions: [{ metric: 'queue.waiting', service: 'B', above: 8 }],
      minOnSeconds: 10,
    });

    await harness.bus.publish('queueState', {}, queue(9));
    await eventually(() => latest()?.playlist === 'busy', 'busy content');
    const switches = () =>
      programmes.filter((p, i) => p.playlist !== programmes[i - 1]?.playlist).length;
    const before = switches();

    // Hovering at the threshold (8, 9, 8) keeps the content: it lets go only at 7 or below.
    for (const waiting of [8, 9, 8]) await harness.bus.publish('queueState', {}, queue(waiting));
    await advance(11_000);
    await harness.bus.publish('queueState', {}, queue(8));
    expect(latest()?.playlist).toBe('busy');
    expect(switches()).toBe(before);

    await harness.bus.publish('queueState', {}, queue(3));
    await eventually(() => latest()?.playlist === 'calm', 'calm content again');
    await harness.api('/screens/api/playlists/busy', { method: 'DELETE' });
  });

  it('holds the content at least minOnSeconds after the condition ends', async () => {
    await putRule('long-wait', {
      conditions: [{ metric: 'queue.waitSeconds', service: 'B', above: 900 }],
      minOnSeconds: 30,
    });

    await harness.bus.publish('queueState', {}, queue(2, 1200));
    await eventually(() => latest()?.playlist === 'long-wait', 'long-wait content');
    await harness.bus.publish('queueState', {}, queue(2, 60));
    await advance(5000);
    expect(latest()?.playlist).toBe('long-wait');

    await advance(30_000);
    await eventually(() => latest()?.playlist === 'calm', 'calm after the hold');
    await harness.api('/screens/api/playlists/long-wait', { method: 'DELETE' });
  });

  it('plays the senior content while the window zone is mostly 55+', async () => {
    await putRule('senior', {
      conditions: [{ metric: 'zone.ageShare', zone: 'window', band: '55-64', above: 0.5 }],
      minOnSeconds: 0,
    });
    const zone = (old: number, young: number) =>
      harness.bus.publish(
        'zoneAudience',
        { zone: 'window' },
        {
          zone: 'window',
          at: clock.now(),
          people: old + young,
          viewers: old + young,
          ages: { '55-64': old, '25-34': young },
        },
      );

    await zone(4, 2);
    await eventually(() => latest()?.playlist === 'senior', 'senior content');
    await zone(1, 5);
    await eventually(() => latest()?.playlist === 'calm', 'calm when the mix changes');
    await harness.api('/screens/api/playlists/senior', { method: 'DELETE' });
  });

  it('greets for a while after a VIP ticket is issued', async () => {
    await putRule('vip', {
      conditions: [{ metric: 'queue.vipIssued', withinSeconds: 60 }],
      minOnSeconds: 0,
    });
    await harness.bus.publish(
      'queueEvent',
      {},
      {
        type: 'issued',
        at: clock.now(),
        ticket: {
          id: 't-9',
          number: 'V001',
          service: 'B',
          day: '2026-05-04',
          segment: 'vip',
          state: 'waiting',
          issuedAt: clock.now(),
        },
      },
    );

    await eventually(() => latest()?.playlist === 'vip', 'vip content');
    await advance(61_000);
    await eventually(() => latest()?.playlist === 'calm', 'calm after a minute');
    await harness.api('/screens/api/playlists/vip', { method: 'DELETE' });
  });

  it('renders queue figures into templates escaped', async () => {
    await harness.bus.publish(
      'queueState',
      {},
      { ...queue(1), nowServing: [{ counter: '<b>1</b>', number: '<script>', service: 'B' }] },
    );

    await eventually(
      () => latest()?.items[0]?.html?.includes('&lt;script&gt; → &lt;b&gt;1'),
      'escaped number',
    );
    expect(latest()?.items[0]?.html).not.toContain('<script>');
  });
});

describe('overrides and themes', () => {
  it('interrupts every screen for N minutes with an override, then gives the loop back', async () => {
    const response = await harness.api('/screens/api/overrides', {
      method: 'POST',
      body: JSON.stringify({
        id: 'closing',
        title: 'Branch closes at 16:00',
        text: '今日16:00闭店',
        minutes: 2,
      }),
    });

    expect(response.status).toBe(201);
    await eventually(() => latest()?.reason === 'override', 'the override');
    expect(latest()?.items[0]?.html).toContain('Branch closes at 16:00');
    await advance(121_000);
    await eventually(() => latest()?.playlist === 'calm', 'the loop after the override');
  });

  it('switches every screen to another shipped theme at once', async () => {
    await harness.api('/screens/api/playlists/calm', { method: 'DELETE' });
    const board = harness.player(await harness.pair('board'));
    const boardProgramme = await next<Programme>(board, 'programme');
    expect(boardProgramme.items[0]?.id).toBe('theme:shopping-mall:welcome');

    const themeEvent = next<{ id: string }>(board, 'theme');
    const switched = next<Programme>(board, 'programme');
    await harness.api('/screens/api/theme', {
      method: 'PUT',
      body: JSON.stringify({ theme: 'car-life' }),
    });

    expect((await themeEvent).id).toBe('car-life');
    expect((await switched).items.map((item) => item.id)).toContain('theme:car-life:benefit-1');
    board.close();
  });

  it('ships six themes with fixed ids, and takes a seventh from HQ and from the folder without code', async () => {
    const pack = (id: string) => ({
      id,
      name: `Theme ${id}`,
      colours: { background: '#001122', text: '#ffffff', accent: 'gold' },
      welcome: { en: 'Welcome', zh: '欢迎' },
      benefits: [{ id: 'b1', title: 'Tea' }],
      playlist: [1, 2, 3].map((n) => ({
        id: `i${n}`,
        name: `Item ${n}`,
        durationMs: 5000,
        template: `<h1>${n} {{benefits.0.title}}</h1>`,
      })),
    });
    writeFileSync(join(themesFolder, 'festival.json'), JSON.stringify(pack('festival')));

    const added = await harness.api('/screens/api/themes', {
      method: 'POST',
      body: JSON.stringify(pack('campus')),
    });
    const tooShort = await harness.api('/screens/api/themes', {
      method: 'POST',
      body: JSON.stringify({ ...pack('tiny'), playlist: pack('tiny').playlist.slice(0, 2) }),
    });
    const themes = (await (await harness.api('/screens/api/themes')).json()) as { id: string }[];
    const board = harness.player(await harness.pair('board'));
    await next(board, 'programme');
    const switched = next<Programme>(board, 'programme');
    await harness.api('/screens/api/theme', {
      method: 'PUT',
      body: JSON.stringify({ theme: 'campus' }),
    });

    expect(added.status).toBe(201);
    expect(tooShort.status).toBe(400);
    expect(themes.map((theme) => theme.id).sort()).toEqual([
      'campus',
      'car-life',
      'community',
      'festival',
      'health',
      'home',
      'shopping-mall',
      'special-offer-life',
    ]);
    expect((await switched).items.map((item) => item.html?.includes('1 Tea'))).toContain(true);
    board.close();
  });
});

describe('content', () => {
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.alloc(64, 7),
  ]);
  const upload = (filename: string, body: Buffer) =>
    harness.api(
      `/screens/api/content/upload?id=${encodeURIComponent(filename)}&name=Upload&filename=${filename}`,
      {
        method: 'POST',
        body: new Uint8Array(body),
        headers: { 'content-type': 'application/octet-stream' },
      },
    );

  it('takes an image whose bytes match its extension and serves it by sha256', async () => {
    const response = await upload('rate.png', png);
    const content = await response.json();
    const served = await fetch(`${harness.url}/screens/assets/${content.asset}`);

    expect(response.status).toBe(201);
    expect(content).toMatchObject({ type: 'image', mime: 'image/png', size: png.length });
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
  });

  it('refuses a file that is not what its extension says', async () => {
    const response = await upload(
      'promo.png',
      Buffer.from('<html><script>alert(1)</script></html>'),
    );
    const script = await upload('promo.exe', png);

    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'body',
    });
    expect(script.status).toBe(400);
  });
});

describe('campaign manifests from the uplink', () => {
  const manifest = (version: number, name: string) => ({
    branch: 'b-screens',
    version,
    issuedAt: clock.now(),
    keyId: 'k1',
    signature: 'c2ln',
    campaigns: [
      {
        id: 'spring',
        name,
        priority: 50,
        items: [
          {
            id: 'spring-text',
            type: 'template' as const,
            sha256: 'a'.repeat(64),
            size: 10,
            durationMs: 8000,
            template: `<h1>${name}</h1>`,
          },
          {
            id: 'spring-video',
            type: 'video' as const,
            sha256: 'b'.repeat(64),
            size: 1000,
            durationMs: 8000,
          },
        ],
      },
    ],
  });

  it('plays a newer manifest at once, without items whose asset is not cached, and ignores older ones', async () => {
    await harness.bus.publish('campaignManifest', {}, manifest(2, 'Spring savings'), {
      retain: true,
    });
    await eventually(() => latest()?.playlist === 'campaign:spring', 'the campaign');
    await harness.bus.publish('campaignManifest', {}, manifest(1, 'Old news'));
    await advance(2000);

    expect(latest()?.items.map((item) => item.id)).toEqual(['spring-text']);
    expect(latest()?.items[0]?.html).toContain('Spring savings');
  });
});
