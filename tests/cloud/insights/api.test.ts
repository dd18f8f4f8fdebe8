import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlDb } from '../../../cloud/campaigns/index.ts';
import { branchProfile } from '../../../cloud/fleet/index.ts';
import { type Cloud, startCloud } from '../../../cloud/index.ts';
import { insightsDb } from '../../../cloud/insights/index.ts';
import { openStore, type Store } from '../../../cloud/store/index.ts';
import { createUser } from '../../../cloud/users/index.ts';
import { hashPassword, type ManualClock } from '../../../core/index.ts';
import { adminPassword, sqliteTarget, tempFolder, testConfig, testContext } from '../support.ts';
import { addGateway, fixtureBranches, ingest, lineMinute } from './fixtures.ts';

const now = Date.UTC(2026, 2, 2, 8);
const folder = tempFolder('sb-insights-api-');
const target = sqliteTarget(folder.path);
const context = testContext(now);
const clock = context.clock as ManualClock;
const degreesPerKm = 180 / Math.PI / 6371.0088;
let cloud: Cloud;
// A second handle on the cloud's SQLite file, as another replica would hold it.
let store: Store;
const cookies: Record<string, string> = {};

async function login(username: string, password: string) {
  const response = await fetch(`${cloud.httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(response.status).toBe(200);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

function call(user: string, path: string, init: RequestInit = {}) {
  return fetch(`${cloud.httpUrl}${path}`, {
    ...init,
    headers: { cookie: cookies[user] ?? '', 'content-type': 'application/json', ...init.headers },
  });
}

const mall = (km: number, name: string) => ({
  type: 'Feature',
  geometry: { type: 'Point', coordinates: [121, 31 + km * degreesPerKm] },
  properties: { shop: 'mall', name },
});

beforeAll(async () => {
  cloud = await startCloud(testConfig(target, { branches: fixtureBranches }), context);
  store = await openStore(target, testContext(now));
  for (const [username, role] of [
    ['mia', 'marketer'],
    ['bo', 'branch-manager'],
  ] as const) {
    const passwordHash = await hashPassword(`${username} pass`);
    await createUser(store.db, { username, passwordHash, role }, now);
    cookies[username] = await login(username, `${username} pass`);
  }
  cookies.admin = await login('admin', adminPassword);
  await addGateway(store, 'gw-shanghai', 'shanghai', now);
});

afterAll(async () => {
  await store?.close();
  await cloud?.stop();
  folder.remove();
});

describe('the insights API', () => {
  it('lets a marketer accept or override the recommended theme, which the fleet then holds', async () => {
    const site = await call('admin', '/api/insights/branches/shanghai/site', {
      method: 'PUT',
      body: JSON.stringify({ longitude: 121, latitude: 31 }),
    });
    const imported = await call('admin', '/api/insights/imports?kind=pois&name=osm', {
      method: 'POST',
      headers: { 'content-type': 'application/geo+json' },
      body: JSON.stringify({
        type: 'FeatureCollection',
        features: [mall(0.3, 'One'), mall(0.7, 'Two')],
      }),
    });
    const catchment = await (await call('mia', '/api/insights/branches/shanghai/catchment')).json();

    const accepted = await call('mia', '/api/insights/branches/shanghai/theme', {
      method: 'POST',
      body: JSON.stringify({ theme: catchment.theme.theme, decision: 'accepted' }),
    });
    const afterAccept = await branchProfile(controlDb(store.db), 'shanghai');
    const overridden = await call('mia', '/api/insights/branches/shanghai/theme', {
      method: 'POST',
      body: JSON.stringify({ theme: 'community', decision: 'overridden' }),
    });
    const network = await (
      await call('mia', '/api/insights/network?from=2026-03-01&to=2026-03-02')
    ).json();
    const decisions = await insightsDb(store.db)
      .selectFrom('insights_theme_decisions')
      .select(['theme', 'decision'])
      .orderBy('at')
      .execute();

    expect(site.status).toBe(204);
    expect((await imported.json()).accepted).toBe(2);
    expect(catchment.theme.theme).toBe('shopping-mall');
    expect(catchment.theme.reasons).toContainEqual(
      expect.objectContaining({ figure: 'poi.mall', ringKm: 1, value: 2, atLeast: 1, holds: true }),
    );
    expect(await accepted.json()).toEqual({
      branch: 'shanghai',
      theme: 'shopping-mall',
      recommended: 'shopping-mall',
      decision: 'accepted',
    });
    expect(afterAccept.theme).toBe('shopping-mall');
    expect(await overridden.json()).toMatchObject({
      theme: 'community',
      recommended: 'shopping-mall',
    });
    expect((await branchProfile(controlDb(store.db), 'shanghai')).theme).toBe('community');
    expect(network.rows.find((row: { branch: string }) => row.branch === 'shanghai').theme).toBe(
      'community',
    );
    expect(decisions.map((row) => row.decision)).toEqual(['accepted', 'overridden']);
  });

  it('refuses a theme from a branch manager, a bad decision and an unknown branch', async () => {
    const body = JSON.stringify({ theme: 'home', decision: 'accepted' });

    const manager = await call('bo', '/api/insights/branches/shanghai/theme', {
      method: 'POST',
      body,
    });
    const bad = await call('mia', '/api/insights/branches/shanghai/theme', {
      method: 'POST',
      body: JSON.stringify({ theme: 'home', decision: 'maybe' }),
    });
    const unknown = await call('mia', '/api/insights/branches/atlantis/theme', {
      method: 'POST',
      body,
    });
    const still = await call('bo', '/api/insights/branches/shanghai/catchment');

    expect(manager.status).toBe(403);
    expect((await manager.json()).error.code).toBe('SB_ERR_FORBIDDEN');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'decision',
    });
    expect(unknown.status).toBe(404);
    expect(still.status).toBe(200);
    expect((await branchProfile(controlDb(store.db), 'shanghai')).theme).toBe('community');
  });

  it('tells a live page which branches got new aggregates', async () => {
    const abort = new AbortController();
    const response = await call('bo', '/api/insights/events', { signal: abort.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    };
    await readUntil(': connected');

    await ingest(store, 'gw-shanghai', 'audience', [lineMinute(1, now, 12)], now);
    await clock.advance(2000);
    await readUntil('event: aggregates');
    await readUntil('"]}\n\n');
    abort.abort();

    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(text).toContain('event: aggregates\ndata: {"branches":["shanghai"]}\n\n');
  });
});
