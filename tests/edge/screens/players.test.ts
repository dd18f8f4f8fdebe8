import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScreenStatus } from '../../../protocol/index.ts';
import { eventually, tempDir } from '../../support/context.ts';
import { type Harness, next, startHarness } from './harness.ts';

const dir = tempDir('sb-screens-players-');
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ dir: dir.path, config: { heartbeatTimeoutMs: 2000 } });
});

afterAll(async () => {
  await harness.stop();
  dir.remove();
});

interface Programme {
  key: string;
  reason: string;
  items: { id: string; durationMs: number }[];
}

describe('pairing and player tokens', () => {
  it('serves the player page of a known screen and refuses an unknown one', async () => {
    const page = await fetch(`${harness.url}/screens/player/tv-1`);
    const missing = await fetch(`${harness.url}/screens/player/nowhere`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('data-screen="tv-1"');
    expect(missing.status).toBe(404);
  });

  it('refuses a socket without a valid token, so an unpaired browser plays nothing', async () => {
    const socket = harness.player('not-a-token-of-any-player-at-all');
    const error = await next<Error>(socket, 'connect_error');

    expect(error.message).toBe('SB_ERR_UNAUTHENTICATED');
  });

  it('trades the code the technician UI shows for a token, once', async () => {
    const code = harness.screens.pairingCodes().find((entry) => entry.screen === 'tv-1')?.code;
    const pair = () =>
      fetch(`${harness.url}/screens/api/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ screen: 'tv-1', code }),
      });

    const first = await pair();
    const second = await pair();

    expect(code).toMatch(/^\d{6}$/);
    expect(first.status).toBe(200);
    expect((await first.json()).token).toMatch(/^[\w-]{40,}$/);
    expect(second.status).toBe(401);
    expect((await second.json()).error.code).toBe('SB_ERR_UNAUTHENTICATED');
  });

  it('locks pairing of a screen after five wrong codes', async () => {
    const wrong = () =>
      fetch(`${harness.url}/screens/api/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ screen: 'board', code: '000000' }),
      });
    const code = harness.screens.pairingCodes().find((entry) => entry.screen === 'board')?.code;
    if (code === '000000') return;

    const statuses = [];
    for (let attempt = 0; attempt < 6; attempt++) statuses.push((await wrong()).status);

    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('names the field of a malformed pairing body', async () => {
    const response = await fetch(`${harness.url}/screens/api/pair`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ screen: 'tv-1', code: 'abc' }),
    });

    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'code',
    });
  });
});

describe('a paired player', () => {
  it('is told its screen and the theme playlist, never a blank', async () => {
    const socket = harness.player(await harness.pair('tv-1'));
    const [hello, programme] = await Promise.all([
      next<{ screen: { id: string } }>(socket, 'hello'),
      next<Programme>(socket, 'programme'),
    ]);

    expect(hello.screen.id).toBe('tv-1');
    expect(programme.reason).toBe('theme');
    expect(programme.items.map((item) => item.id)).toEqual([
      'theme:shopping-mall:welcome',
      'theme:shopping-mall:benefit-1',
      'theme:shopping-mall:benefit-2',
      'theme:shopping-mall:queue',
    ]);
    socket.close();
  });

  it('stores a reported play once and refuses a zero-length one', async () => {
    const socket = harness.player(await harness.pair('tv-1'));
    await next(socket, 'programme');
    const now = Date.now();
    const play = {
      playId: 'p-1',
      item: 'theme:shopping-mall:welcome',
      startedAt: now - 10_000,
      endedAt: now,
      completed: true,
    };

    const first = await socket.emitWithAck('play', play);
    const again = await socket.emitWithAck('play', play);
    const zero = await socket.emitWithAck('play', {
      ...play,
      playId: 'p-2',
      startedAt: now,
      endedAt: now,
    });
    const malformed = await socket.emitWithAck('play', {
      ...play,
      playId: 'p-3',
      startedAt: 'soon',
    });

    expect([first.ok, again.ok, zero.ok, malformed.ok]).toEqual([true, true, false, false]);
    expect(zero.error.message).toContain('shorter than 1000 ms');
    expect(malformed.error.path).toBe('startedAt');
    expect(
      harness.screens.control.plays('tv-1').filter((row) => row.playId.startsWith('p-')),
    ).toHaveLength(1);
    socket.close();
  });

  it('is cut off when its token is revoked and cannot come back with it', async () => {
    const token = await harness.pair('tv-1');
    const socket = harness.player(token);
    const hello = await next<{ player: string }>(socket, 'hello');

    const response = await harness.api(`/screens/api/players/${hello.player}`, {
      method: 'DELETE',
    });
    await eventually(() => socket.disconnected, 'the revoked player to be dropped');
    const again = harness.player(token);

    expect(response.status).toBe(204);
    expect((await next<Error>(again, 'connect_error')).message).toBe('SB_ERR_UNAUTHENTICATED');
  });

  it('shows a screen offline on the bus when its player disconnects or falls silent', async () => {
    const states: ScreenStatus[] = [];
    await harness.bus.subscribe(
      'screenStatus',
      { screen: 'tv-1' },
      (message) => void states.push(message),
    );
    const token = await harness.pair('tv-1');

    const leaving = harness.player(token);
    await next(leaving, 'hello');
    leaving.close();
    await eventually(
      () => states.at(-1)?.state === 'offline',
      'offline after a disconnect',
      10_000,
    );

    // A player whose link stays up but which sends no heartbeat is dropped too.
    const silent = harness.player(token);
    await next(silent, 'hello');
    await eventually(() => states.at(-1)?.state === 'online', 'online again');
    await eventually(
      () => states.at(-1)?.state === 'offline',
      'offline without heartbeats',
      10_000,
    );

    expect(states.map((state) => state.state).slice(-4)).toEqual([
      'online',
      'offline',
      'online',
      'offline',
    ]);
    expect(harness.screens.stats().screensOnline).toBe(0);
  });
});

describe('the technician API', () => {
  it("refuses requests without the lead's login", async () => {
    const response = await fetch(`${harness.url}/screens/api/screens`);

    expect(response.status).toBe(401);
  });

  it('registers a screen and names the field a bad registration gets wrong', async () => {
    const good = await harness.api('/screens/api/screens', {
      method: 'POST',
      body: JSON.stringify({
        id: 'kiosk#2',
        name: 'Kiosk',
        zone: 'entrance',
        resolution: '1080x1920',
        orientation: 'portrait',
        role: 'kiosk',
      }),
    });
    const bad = await harness.api('/screens/api/screens', {
      method: 'POST',
      body: JSON.stringify({
        id: 'tablet',
        name: 'Tablet',
        zone: 'counter',
        resolution: 'big',
        orientation: 'portrait',
        role: 'counter-tablet',
      }),
    });
    const notJson = await harness.api('/screens/api/screens', { method: 'POST', body: '{"id":' });

    expect(good.status).toBe(201);
    expect(harness.screens.pairingCodes().map((entry) => entry.screen)).toContain('kiosk#2');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'resolution',
    });
    expect(notJson.status).toBe(400);
  });

  it('names the item of a playlist with a bad duration', async () => {
    await harness.api('/screens/api/content', {
      method: 'POST',
      body: JSON.stringify({
        id: 'hello',
        name: 'Hello',
        type: 'template',
        template: '<h1>Hello</h1>',
      }),
    });
    const bad = await harness.api('/screens/api/playlists/mixed', {
      method: 'PUT',
      body: JSON.stringify({
        name: 'Mixed',
        items: [
          { content: 'hello', durationMs: 10_000 },
          { content: 'hello', durationMs: -5 },
        ],
      }),
    });
    const missing = await harness.api('/screens/api/playlists/ghost', {
      method: 'PUT',
      body: JSON.stringify({
        name: 'Ghost',
        items: [{ content: 'no-such-content', durationMs: 10_000 }],
      }),
    });

    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ path: 'items.1.durationMs' });
    expect((await missing.json()).error).toMatchObject({ path: 'items.0.content' });
  });
});
