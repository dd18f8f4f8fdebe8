import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Cloud, startCloud } from '../../cloud/index.ts';
import type { LiveStatus } from '../../protocol/index.ts';
import { enrol, GatewayPeer } from './peer.ts';
import { adminPassword, loggingContext, sqliteTarget, tempFolder, testConfig } from './support.ts';

const folder = tempFolder();
const context = loggingContext();
let cloud: Cloud;
let north: GatewayPeer;
let south: GatewayPeer;

beforeAll(async () => {
  cloud = await startCloud(testConfig(sqliteTarget(folder.path)), context);
  north = await GatewayPeer.start(
    await enrol(cloud.httpUrl, await cloud.createEnrolmentToken('north#1'), 'gw-north'),
    context.clock.now,
  );
  south = await GatewayPeer.start(
    await enrol(cloud.httpUrl, await cloud.createEnrolmentToken('south/2'), 'gw-south'),
    context.clock.now,
  );
});

afterAll(async () => {
  await north.stop();
  await south.stop();
  await cloud.stop();
  folder.remove();
});

function status(gateway: string, overrides: Partial<LiveStatus> = {}): LiveStatus {
  return {
    gateway,
    at: context.clock.now(),
    version: '0.1.0',
    people: 3,
    cameraSource: 'synthetic',
    ticketsWaiting: 4,
    ticketsServedToday: 17,
    backlog: { audience: 2, queue: 1, plays: 0 },
    devicesOnline: 2,
    devicesTotal: 3,
    ...overrides,
  };
}

async function statusOf(gateway: string) {
  return (await cloud.stats()).perGateway.find((entry) => entry.gateway === gateway);
}

async function page(language: 'en' | 'zh') {
  const login = await fetch(`${cloud.httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'admin', password: adminPassword }),
    redirect: 'manual',
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  expect(login.status).toBe(303);
  return (await fetch(`${cloud.httpUrl}/?lang=${language}`, { headers: { cookie } })).text();
}

describe('the live channel', () => {
  it('keeps the latest status of each gateway with when it was last seen', async () => {
    await north.publish('liveStatus', status('gw-north', { people: 2 }));
    await context.clock.advance(1000);
    await north.publish('liveStatus', status('gw-north', { people: 5 }));

    await vi.waitFor(async () => expect((await statusOf('gw-north'))?.status?.people).toBe(5), {
      timeout: 15_000,
    });
    const figures = await statusOf('gw-north');
    expect(figures).toMatchObject({
      online: true,
      connected: true,
      lastSeenAt: context.clock.now(),
    });
    expect((await cloud.stats()).gateways).toEqual({ enrolled: 2, online: 1, connected: 2 });
  });

  it('refuses a status for another gateway or failing its schema, keeping the last', async () => {
    await north.publish('liveStatus', status('gw-south', { people: 99 }));
    await north.publish('liveStatus', null, '{"gateway":"gw-north","people":-1}');
    await north.publish('liveStatus', null, 'not json');
    await south.publish('liveStatus', status('gw-south', { people: 1 }));

    await vi.waitFor(async () => expect((await statusOf('gw-south'))?.status?.people).toBe(1), {
      timeout: 15_000,
    });
    expect((await statusOf('gw-north'))?.status?.people).toBe(5);
    // One line per gateway and channel a minute, however many it sends; the counter sees all.
    const refused = context.lines.filter((line) => line.msg === 'live message refused');
    expect(refused.map((line) => [line.gateway, line.path])).toEqual([['gw-north', 'gateway']]);
    const text = await (await fetch(`${cloud.httpUrl}/metrics`)).text();
    expect(text).toMatch(/sb_cloud_messages_refused_total\{channel="liveStatus"\} 3/);
  });

  it('stores an alarm once and logs it once, even when delivered twice', async () => {
    const alarm = {
      gateway: 'gw-north',
      at: context.clock.now(),
      code: 'CAMERA_LOST',
      severity: 'critical',
      message: 'cam+1 gone',
      device: 'cam+1',
    };

    await north.publish('alarm', alarm);
    await north.publish('alarm', alarm);

    await vi.waitFor(
      () => expect(context.lines.filter((line) => line.msg === 'gateway alarm')).toHaveLength(1),
      { timeout: 15_000 },
    );
    const text = await (await fetch(`${cloud.httpUrl}/metrics`)).text();
    expect(text).toMatch(/sb_cloud_alarms_total\{severity="critical"\} 1/);
  });

  it('shows a gateway silent for longer than the offline limit as offline', async () => {
    await context.clock.advance(120_001);

    expect((await statusOf('gw-north'))?.online).toBe(false);
    await north.publish('liveStatus', status('gw-north', { people: 6 }));
    await vi.waitFor(async () => expect((await statusOf('gw-north'))?.online).toBe(true), {
      timeout: 15_000,
    });
  });
});

describe('the HQ page', () => {
  it('shows the login form without a session', async () => {
    const html = await (await fetch(`${cloud.httpUrl}/?lang=en`)).text();

    expect(html).toContain('<form class="login" method="post" action="/api/login">');
    expect(html).toContain('name="viewport"');
    expect(html).not.toContain('North');
  });

  it('lists the latest figures of each branch, escaped, marking a synthetic camera', async () => {
    const html = await page('en');

    expect(html).toContain('North &lt;Main&gt; Street');
    expect(html).not.toContain('North <Main>');
    const north = html.slice(
      html.indexOf('data-branch="north#1"'),
      html.indexOf('data-branch="south/2"'),
    );
    expect(north).toContain('data-state="online"');
    expect(north).toMatch(/People in view<\/dt><dd>6</);
    expect(north).toMatch(/Tickets waiting<\/dt><dd>4</);
    expect(north).toMatch(/Served today<\/dt><dd>17</);
    expect(north).toMatch(/Uplink backlog<\/dt><dd>3</);
    expect(north).toContain('class="synthetic"');
    expect(north).toContain('<a href="/gateways/gw-north">gw-north</a>');
  });

  it('sends a failed form login back to the form with its error', async () => {
    const login = await fetch(`${cloud.httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'admin', password: 'not it' }),
      redirect: 'manual',
    });
    const html = await (await fetch(`${cloud.httpUrl}/?error=login&lang=en`)).text();

    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/?error=login');
    expect(login.headers.get('set-cookie')).toBeNull();
    expect(html).toContain('role="alert"');
  });

  it('switches to Chinese', async () => {
    const html = await page('zh');

    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('画面中人数');
    expect(html).toContain('模拟数据');
  });
});
