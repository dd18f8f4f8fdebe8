import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/index.ts';
import type { Gateway } from '../../edge/runtime.ts';
import type { Client, Harness } from '../cloud/campaigns/support.ts';
import { until } from '../edge/uplink/support.ts';
import { tempDir, testContext } from '../support/context.ts';
import { lakesideButton, startLakeside } from './lakeside.ts';

const context = testContext(systemClock);
const dir = tempDir('sb-commands-');
const configFile = join(dir.path, 'gateway.json');
const dataDir = join(dir.path, 'gateway');
let harness: Harness;
let admin: Client;
let gateway: Gateway;
let settings: Record<string, unknown>;

/** What HQ pushes: the same button on another pin, without its bus credentials. */
const pushed = (version: number, extra: Record<string, unknown> = {}) => {
  const { bus: _bus, ...rest } = lakesideButton;
  return { ...rest, version, model: `Call button v${version}`, ...extra };
};

const storedDevices = () =>
  JSON.parse(readFileSync(join(dataDir, 'ui-devices.json'), 'utf8')) as Array<
    typeof lakesideButton
  >;

const settled = (id: string) =>
  until(async () => {
    const answer = await admin.get(`/api/commands/${id}`);
    return answer.body.state === 'sent' ? null : answer.body;
  });

const command = async (body: Record<string, unknown>) =>
  settled((await admin.post('/api/gateways/lakeside-gw/commands', body)).body.id);

const pushProfile = (profile: Record<string, unknown>) =>
  admin.put('/api/gateways/lakeside-gw/devices/button-7/profile', { profile });

const writeSettings = (file: Record<string, unknown>) =>
  writeFileSync(configFile, JSON.stringify(file, null, 2));

beforeAll(async () => {
  ({ harness, gateway, settings } = await startLakeside(dir.path, context, 60_000));
  admin = await harness.as('admin');
  await until(() => gateway.stats().uplink.state === 'online');
  await until(() => gateway.stats().devices.total === 1);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await harness.stop();
  dir.remove();
});

describe('a device profile pushed by HQ', () => {
  it('is applied on the gateway and acknowledged with its version', async () => {
    const sent = await pushProfile(pushed(2, { connection: { type: 'gpio', pin: 18 } }));

    const done = await settled(sent.body.id);

    expect(sent.status).toBe(202);
    expect(done).toMatchObject({
      action: 'push-profile',
      state: 'ok',
      result: { device: 'button-7', version: 2, previous: 1 },
    });
    // Kept for the next start, with the password the device had: HQ never sent one.
    expect(storedDevices()).toEqual([
      expect.objectContaining({
        version: 2,
        model: 'Call button v2',
        connection: { type: 'gpio', pin: 18, activeLow: false },
        bus: lakesideButton.bus,
      }),
    ]);
  });

  it('is refused by the cloud, naming the field, when it fails the profile schema', async () => {
    const badPin = await pushProfile(pushed(3, { connection: { type: 'gpio', pin: -1 } }));
    const withPassword = await pushProfile({ ...pushed(3), bus: lakesideButton.bus });

    expect(badPin.status).toBe(400);
    expect(badPin.body.error).toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'profile.connection.pin',
    });
    expect(withPassword.status).toBe(400);
    expect(withPassword.body.error.message).toMatch(/bus/);
  });

  it('fails on the device, is rolled back, and the running profile stays', async () => {
    // No GPIO on this machine, and this version may not run on the simulated one.
    const sent = await pushProfile(pushed(3, { allowSimulated: false }));

    const done = await settled(sent.body.id);

    expect(done.state).toBe('error');
    expect(done.result).toMatchObject({ code: 'SB_ERR_DEVICE_FAULT' });
    expect(done.result.message).toMatch(/version 3 failed: .*back on version 2/);
    expect(storedDevices()[0]).toMatchObject({ version: 2, model: 'Call button v2' });
    await until(() => gateway.stats().devices.total === 1);
  });

  it('answers not found for a device this gateway does not run', async () => {
    const sent = await admin.put('/api/gateways/lakeside-gw/devices/nobody-9/profile', {
      profile: { ...pushed(2), device: 'nobody-9' },
    });

    expect(await settled(sent.body.id)).toMatchObject({
      state: 'error',
      result: { code: 'SB_ERR_NOT_FOUND' },
    });
  });
});

describe('reload-config', () => {
  it('refuses a file that fails its schema, naming the path, and changes nothing', async () => {
    writeSettings({
      ...settings,
      cameras: [{ id: 'cam-1', source: { kind: 'synthetic', seed: 3 }, fps: 2 }],
      queue: { ...(settings.queue as object), counters: 'all of them' },
    });

    const done = await command({ action: 'reload-config' });

    expect(done.state).toBe('error');
    expect(done.result.code).toBe('SB_ERR_INVALID_CONFIG');
    expect(done.result.message).toContain('queue.counters');
    expect(gateway.stats().cameras).toEqual([]);
    expect(gateway.modules().running).toEqual(['sensing', 'queue', 'screens']);
  });

  it('takes cameras and kiosk leads at once and names what waits for a restart', async () => {
    writeSettings({
      ...settings,
      http: { port: 0, host: '0.0.0.0' },
      cameras: [{ id: 'cam-1', source: { kind: 'synthetic', seed: 3 }, fps: 2 }],
      kioskLeads: {
        sealPublicKey: Buffer.alloc(32, 7).toString('base64'),
        consent: { version: 'v1', text: 'We may call you about it.' },
        products: { card: 'Credit card' },
      },
    });

    const done = await command({ action: 'reload-config' });

    expect(done).toMatchObject({
      state: 'ok',
      result: {
        reloaded: ['cameras', 'kioskLeads'],
        restarted: ['sensing'],
        needsRestart: ['http'],
        modules: { running: ['sensing', 'queue', 'screens', 'leads'] },
      },
    });
    expect(gateway.stats().cameras).toEqual([expect.objectContaining({ id: 'cam-1' })]);
    expect((await fetch(`${gateway.httpUrl}/kiosk/lead`)).status).toBe(200);
  });
});
