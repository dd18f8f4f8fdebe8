import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, systemClock } from '../../core/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../../edge/runtime.ts';
import { type Client, type Harness, startHarness } from '../cloud/campaigns/support.ts';
import { until } from '../edge/uplink/support.ts';
import { tempDir, testContext } from '../support/context.ts';

const context = testContext(systemClock);
const dir = tempDir('sb-modules-');
const branch = 'lakeside';
const branches = [
  { id: branch, name: 'Lakeside', timeZone: 'Asia/Shanghai', region: 'east' },
  { id: 'hillside', name: 'Hillside', timeZone: 'Asia/Shanghai', region: 'west' },
];
let harness: Harness;
let admin: Client;
let gateway: Gateway;

function gatewayConfig(uplink: Record<string, unknown>) {
  return parseConfig(
    'gateway',
    {
      gateway: 'lakeside-gw',
      branch,
      branchName: 'Lakeside',
      dataDir: join(dir.path, 'gateway'),
      http: { port: 0 },
      bus: { port: 0 },
      cameras: [{ id: 'cam-1', source: { kind: 'synthetic', seed: 3 }, fps: 2 }],
      queue: {
        timeZone: 'Asia/Shanghai',
        services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
        counters: [{ id: '1', name: 'Counter 1', services: ['cash'] }],
      },
      kioskLeads: {
        sealPublicKey: randomBytes(32).toString('base64'),
        consent: { version: 'v1', text: 'We may call you about it.' },
        products: { card: 'Credit card' },
      },
      automation: {},
      uplink: {
        cloudUrl: harness.cloud.httpUrl,
        statusIntervalMs: 60_000,
        retryMs: 200,
        ...uplink,
      },
    },
    GatewayConfig,
  );
}

const status = async (path: string) => (await fetch(`${gateway.httpUrl}${path}`)).status;
const followed = async () => (await admin.get(`/api/branches/${branch}/modules`)).body;
const healthOf = async () =>
  (await admin.get('/api/fleet/gateways')).body.gateways.find(
    (entry: { gateway: string }) => entry.gateway === 'lakeside-gw',
  );

/** Waits until the gateway's status in the cloud names settings version `version`. */
const acknowledged = (version: number) =>
  until(async () => {
    const answer = await followed();
    const own = answer.gateways[0]?.following;
    return own?.version === version ? own : null;
  });

beforeAll(async () => {
  harness = await startHarness('sqlite', { context, config: { branches } });
  admin = await harness.as('admin');
  const token = await harness.cloud.createEnrolmentToken(branch);
  gateway = await startGateway(gatewayConfig({ enrolmentToken: token }), context);
  await until(() => gateway.stats().uplink.state === 'online');
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await harness.stop();
  dir.remove();
});

describe('modules switched by HQ on a running gateway', () => {
  it('runs every configured module before HQ ever said, and reports them in its health', async () => {
    const health = await until(async () => {
      const entry = await healthOf();
      return entry?.modules ? entry : null;
    });

    expect(health.modules).toEqual({
      version: 0,
      running: ['sensing', 'queue', 'screens', 'leads', 'automation'],
      unavailable: [],
    });
    expect(health.screensOnline).toBe(0);
    expect(health.cameras).toEqual([expect.objectContaining({ id: 'cam-1' })]);
    expect(['online', 'degraded', 'offline']).toContain(health.cameras[0].state);
    expect(await status('/kiosk/lead')).toBe(200);
  });

  it('stops the modules HQ switches off, keeps the others, and acknowledges', async () => {
    const set = await admin.put(`/api/branches/${branch}/modules`, {
      modules: { sensing: false, leads: false },
    });

    const ack = await acknowledged(1);

    expect(set.body.version).toBe(1);
    // HQ's base package leaves automation off, so the gateway stops Node-RED too.
    expect(ack).toEqual({ version: 1, running: ['queue', 'screens'], unavailable: [] });
    expect(gateway.stats().cameras).toEqual([]);
    expect(await status('/kiosk/lead')).toBe(404);
    expect(await status('/flows/')).toBe(404);
    expect(await status('/screens/sw.js')).toBe(200);
  });

  it('starts modules again and stops the queue and screens while the gateway serves', async () => {
    await admin.put(`/api/branches/${branch}/modules`, {
      modules: { sensing: true, automation: true, queue: false, screens: false },
    });

    const ack = await acknowledged(2);
    await until(() => gateway.stats().cameras.length === 1);

    expect(ack.running).toEqual(['sensing', 'automation']);
    expect(gateway.stats().queue).toBeNull();
    expect(gateway.stats().screens).toBeNull();
    expect(await status('/screens/sw.js')).toBe(404);
    expect(await status('/screens/socket.io/?EIO=4&transport=polling')).toBe(404);
    expect(await status('/queue/socket.io/?EIO=4&transport=polling')).toBe(404);
    expect(await status('/flows/')).not.toBe(404);
  });

  it('hides from the HQ page the figures of modules the branch does not run', async () => {
    const page = (await admin.get('/')).text;
    const card = page.slice(page.indexOf(`data-branch="${branch}"`));
    const lakeside = card.slice(0, card.indexOf('</section>'));
    const hillside = page.slice(page.indexOf('data-branch="hillside"'));

    expect(lakeside).toContain('data-field="field.people"');
    expect(lakeside).not.toContain('data-field="field.ticketsWaiting"');
    expect(lakeside).not.toContain('data-field="field.screensOnline"');
    expect(lakeside).toMatch(/sensing, automation/);
    expect(hillside).toContain('data-field="field.ticketsWaiting"');
    const dashboard = (await admin.get(`/insights/branches/${branch}`)).text;
    expect(dashboard).toContain('<section class="card" id="queue" hidden>');
    expect(dashboard).toContain('<section class="card" id="campaigns" hidden>');
    expect(dashboard).toContain('<section class="card" id="footfall">');
  });

  it('restarts a running module on command and refuses one that is off', async () => {
    const restart = await admin.post('/api/gateways/lakeside-gw/commands', {
      action: 'restart-module',
      module: 'sensing',
    });
    const refused = await admin.post('/api/gateways/lakeside-gw/commands', {
      action: 'restart-module',
      module: 'queue',
    });
    const settled = (id: string) =>
      until(async () => {
        const answer = await admin.get(`/api/commands/${id}`);
        return answer.body.state === 'sent' ? null : answer.body;
      });

    expect(await settled(restart.body.id)).toMatchObject({
      state: 'ok',
      result: { modules: ['sensing', 'automation'] },
    });
    expect(await settled(refused.body.id)).toMatchObject({
      state: 'error',
      result: { code: 'SB_ERR_UNAVAILABLE' },
    });
  });

  it('keeps the switched modules across a restart, before it reaches the cloud', async () => {
    await gateway.stop();

    // A broker nobody listens on: what runs now comes from the gateway's own store.
    gateway = await startGateway(gatewayConfig({ brokerUrl: 'mqtt://127.0.0.1:1' }), context);

    expect(gateway.modules()).toEqual({
      version: 2,
      running: ['sensing', 'automation'],
      unavailable: [],
    });
    expect(await status('/queue/socket.io/?EIO=4&transport=polling')).toBe(404);
  });

  it('puts the queue back when HQ switches it on after the restart', async () => {
    await gateway.stop();
    gateway = await startGateway(gatewayConfig({}), context);
    await admin.put(`/api/branches/${branch}/modules`, { modules: { queue: true } });

    const ack = await acknowledged(3);

    expect(ack.running).toEqual(['sensing', 'queue', 'automation']);
    expect(await status('/queue/socket.io/?EIO=4&transport=polling')).toBe(200);
    expect(gateway.stats().queue).toMatchObject({ waiting: 0 });
  });
});
