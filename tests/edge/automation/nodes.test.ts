import { createDecipheriv, createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, MessageOf } from '../../../protocol/index.ts';
import { eventually } from '../../support/context.ts';
import { type AutomationHarness, startAutomationHarness } from './harness.ts';

let harness: AutomationHarness;

const tab = { id: 'test-tab', type: 'tab', label: 'test' };
const node = (id: string, type: string, fields: Record<string, unknown>, wires: string[] = []) => ({
  id,
  type,
  z: 'test-tab',
  x: 100,
  y: 100,
  wires: [wires],
  ...fields,
});
const inject = (id: string, payload: unknown, wires: string[]) =>
  node(
    id,
    'inject',
    {
      props: [{ p: 'payload' }],
      repeat: '',
      once: false,
      topic: '',
      payload: JSON.stringify(payload),
      payloadType: 'json',
    },
    wires,
  );

const flow = [
  tab,
  inject('go-issue', { segment: 'vip' }, ['issue']),
  node('issue', 'sb-queue-out', { action: 'issue', service: 'cash', counter: '' }),
  inject('go-override', { text: 'from the flow' }, ['override']),
  node('override', 'sb-screen-out', {
    kind: 'override',
    title: 'Hello',
    minutes: '2',
    screens: 'tv-1, tv-2',
    text: '',
    theme: '',
  }),
  inject('go-relay', true, ['relay']),
  node('relay', 'sb-device-out', { device: 'lights', action: 'switch', on: 'payload' }),
  inject('go-bad', { minutes: 0 }, ['bad-minutes']),
  node('bad-minutes', 'sb-screen-out', {
    kind: 'override',
    title: 'Too short',
    minutes: '1',
    screens: '',
    text: '',
    theme: '',
  }),
  node('catcher', 'catch', { scope: null, uncaught: false }, ['caught']),
  node('caught', 'sb-technician-alert', { severity: 'critical', title: 'flow error' }),
  node('bad-config', 'sb-queue-out', { action: 'teleport', service: '', counter: '' }),
  node('door', 'sb-device-in', { device: '', channel: 'telemetry', kind: 'door' }, ['door-alert']),
  node('door-alert', 'sb-technician-alert', { severity: 'info', title: 'door' }),
  node('entries', 'sb-audience-in', { source: 'zone', target: 'hall', mode: 'entries' }, [
    'entry-alert',
  ]),
  node('entry-alert', 'sb-technician-alert', { severity: 'info', title: 'entries' }),
];

/** Collects what arrives on a channel of the harness's bus. */
async function collect<C extends Channel>(channel: C) {
  const seen: MessageOf<C>[] = [];
  await harness.bus.subscribe(channel, {}, (message) => void seen.push(message));
  return seen;
}

const trigger = (id: string) => harness.editor(`/inject/${id}`, { method: 'POST' });

describe('Node-RED embedded with the SmartBranch nodes', () => {
  beforeAll(async () => {
    harness = await startAutomationHarness();
    const deployed = await harness.editor('/flows', {
      method: 'POST',
      body: JSON.stringify(flow),
      headers: { 'Node-RED-Deployment-Type': 'full' },
    });
    expect(deployed.status).toBe(204);
  });
  afterAll(async () => harness?.stop());

  it('keeps the editor behind the login and lets a technician in by session or password', async () => {
    const page = await fetch(`${harness.url}/flows/`, { redirect: 'manual' });
    expect([page.status, page.headers.get('location')]).toEqual([303, '/login?next=%2Fflows']);
    expect((await fetch(`${harness.url}/flows/settings`)).status).toBe(401);
    expect(
      (
        await fetch(`${harness.url}/flows/flows`, {
          method: 'POST',
          body: '[]',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(401);

    const settings = await (await harness.editor('/settings')).json();
    expect(settings.user).toMatchObject({ username: 'tech', permissions: '*' });

    const token = (password: string) =>
      harness.editor('/auth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: 'node-red-admin',
          grant_type: 'password',
          scope: '*',
          username: 'tech',
          password,
        }),
      });
    expect((await token('secret')).status).toBe(200);
    expect((await token('guess')).status).toBe(403);
  });

  it('stores flows in the data folder and its credential secret for the gateway alone', () => {
    expect(existsSync(join(harness.dataDir, 'node-red', 'flows.json'))).toBe(true);
    expect(statSync(join(harness.dataDir, 'automation-secret')).mode & 0o777).toBe(0o600);
  });

  it('issues a ticket, sends an override and switches a relay on the bus', async () => {
    const issues = await collect('queueIssue');
    const overrides = await collect('screenOverride');
    const commands = await collect('deviceCommand');
    for (const id of ['go-issue', 'go-override', 'go-relay'])
      expect((await trigger(id)).status).toBe(200);

    await eventually(() => issues.length && overrides.length && commands.length, 'three messages');
    expect(issues[0]).toMatchObject({ service: 'cash', segment: 'vip', source: 'bus' });
    expect(overrides[0]).toMatchObject({
      title: 'Hello',
      text: 'from the flow',
      minutes: 2,
      screens: ['tv-1', 'tv-2'],
    });
    expect(commands[0]).toMatchObject({ action: 'switch', on: true });
  });

  it('refuses a message its schema refuses, naming the field, and sends nothing', async () => {
    const overrides = await collect('screenOverride');
    await trigger('go-bad');
    const alert = await eventually(
      () => harness.alerts.find((entry) => entry.title === 'flow error'),
      'the caught error',
    );
    expect(alert.node).toBe('caught');
    expect(alert.message).toMatch(/^screenOverride minutes: /);
    expect(overrides).toEqual([]);
  });

  it('shows a node with a bad config at fault and runs the rest', () => {
    const refused = harness.context.lines.find((entry) =>
      String(entry.detail ?? '').startsWith('config action'),
    );
    expect(refused?.node).toBe('bad-config');
  });

  it("hears door telemetry and a rise in a zone's people", async () => {
    await harness.bus.publish(
      'deviceTelemetry',
      { device: 'door-9' },
      { device: 'door-9', at: 1, kind: 'door', values: { direction: 'entry' } },
    );
    await harness.bus.publish(
      'deviceTelemetry',
      { device: 'lamp' },
      { device: 'lamp', at: 1, kind: 'light', values: { lux: 3 } },
    );
    for (const people of [2, 2, 5]) {
      await harness.bus.publish('zoneAudience', { zone: 'hall' }, { zone: 'hall', at: 1, people });
    }
    await eventually(() => harness.alerts.some((entry) => entry.title === 'entries'), 'entries');
    const titles = harness.alerts.map((entry) => entry.title);
    expect(titles.filter((title) => title === 'door')).toHaveLength(1);
    expect(titles.filter((title) => title === 'entries')).toHaveLength(1);
  });

  it("encrypts a flow's credentials with the gateway's secret, never in plain text", async () => {
    // A broker config node nothing uses, so it never connects: only its password matters.
    const broker = {
      id: 'cloud-broker',
      type: 'mqtt-broker',
      name: 'a broker',
      broker: '127.0.0.1',
      port: '1',
      credentials: { user: 'flow-user', password: 'flow-password-7f3a' },
    };
    const deployed = await harness.editor('/flows', {
      method: 'POST',
      body: JSON.stringify([...flow, broker]),
      headers: { 'Node-RED-Deployment-Type': 'full' },
    });
    expect(deployed.status).toBe(204);

    const stored = readFileSync(join(harness.dataDir, 'node-red', 'flows_cred.json'), 'utf8');
    expect(stored).not.toContain('flow-password-7f3a');
    expect(stored).not.toContain('flow-user');
    // Node-RED's scheme: AES-256-CTR, the key the SHA-256 of the secret, the IV in front.
    const sealed = (JSON.parse(stored) as { $: string }).$;
    const open = (secret: string) => {
      const key = createHash('sha256').update(secret).digest();
      const decipher = createDecipheriv(
        'aes-256-ctr',
        key,
        Buffer.from(sealed.slice(0, 32), 'hex'),
      );
      return decipher.update(sealed.slice(32), 'base64', 'utf8') + decipher.final('utf8');
    };
    const secret = readFileSync(join(harness.dataDir, 'automation-secret'), 'utf8').trim();
    expect(JSON.parse(open(secret))).toEqual({
      'cloud-broker': { user: 'flow-user', password: 'flow-password-7f3a' },
    });
    expect(() => JSON.parse(open('another secret'))).toThrow();
  });
});
