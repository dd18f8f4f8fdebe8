import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, CloudConfig, startCloud } from '../../cloud/index.ts';
import { sealLead } from '../../cloud/leads/index.ts';
import { parseConfig, scaledClock } from '../../core/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../../edge/runtime.ts';
import { eventually, tempDir, testContext } from '../support/context.ts';
import { leadKeysInEnvironment } from '../support/lead-keys.ts';
import { freePort } from '../support/services.ts';

// A gateway.json without `kioskLeads`: the gateway offers the lead form with HQ's settings.
const clock = scaledClock({ speed: 10 });
const dir = tempDir('sb-hq-lead-settings-');
const branch = 'west';
const sealKeys = leadKeysInEnvironment({
  consent: { version: 'hq-2027-01', text: { zh: '总行的同意书。', en: "HQ's consent." } },
  products: { pension: { zh: '养老金', en: 'Pension' } },
});

const context = testContext(clock);
let ports: { http: number; broker: number };
let cloud: Cloud;
let gateway: Gateway;

const cloudConfig = () =>
  parseConfig(
    'cloud',
    {
      http: { port: ports.http },
      broker: { port: ports.broker },
      store: { url: `sqlite:${join(dir.path, 'cloud.db')}` },
      admin: { username: 'admin', password: 'hq-lead-settings-admin' },
      branches: [{ id: branch, name: 'West', timeZone: 'Asia/Shanghai' }],
    },
    CloudConfig,
  );

const gatewayConfig = (token?: string) =>
  parseConfig(
    'gateway',
    {
      gateway: 'gw-west',
      branch,
      branchName: 'West branch',
      dataDir: join(dir.path, 'gateway'),
      http: { port: 0 },
      bus: { port: 0 },
      queue: {
        timeZone: 'Asia/Shanghai',
        services: [{ id: 'cash', name: 'Cash', prefix: 'A', targetWaitMinutes: 10 }],
        counters: [{ id: '1', name: 'Counter 1', services: ['cash'] }],
      },
      uplink: {
        cloudUrl: `http://127.0.0.1:${ports.http}`,
        retryMs: 200,
        ...(token ? { enrolmentToken: token } : {}),
      },
    },
    GatewayConfig,
  );

const leadPage = async (language: string) =>
  (await fetch(`${gateway.httpUrl}/kiosk/lead?lang=${language}`)).text();

describe("a gateway without its own lead settings takes HQ's", () => {
  beforeAll(async () => {
    ports = { http: await freePort(), broker: await freePort() };
    cloud = await startCloud(cloudConfig(), context);
    gateway = await startGateway(gatewayConfig(await cloud.createEnrolmentToken(branch)), context);
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await cloud?.stop();
    dir.remove();
  });

  it("runs the lead form with HQ's consent and products once it has them", async () => {
    await eventually(() => gateway.modules().running.includes('leads'), 'the leads module');

    expect(gateway.modules().unavailable).toEqual([]);
    const zh = await leadPage('zh');
    expect(zh).toContain('总行的同意书。');
    expect(zh).toContain('养老金');
    expect(await leadPage('en')).toContain('HQ&#39;s consent.');
  });

  it('queues a lead sealed to the key HQ gave', async () => {
    const lead = {
      branch,
      product: 'pension',
      name: 'West Customer',
      phone: '13955556666',
      consent: true as const,
      consentVersion: 'hq-2027-01',
      consentText: '总行的同意书。',
    };
    const response = await fetch(`${gateway.httpUrl}/kiosk/lead`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sealed: sealLead(lead, sealKeys.publicKey) }),
    });

    expect(response.status).toBe(202);
    expect(gateway.outbox.position('leads').lastSeq).toBe(1);
  });

  it('keeps offering it after a restart while HQ is away, from the copy it kept', async () => {
    await gateway.stop();
    await cloud.stop();
    gateway = await startGateway(gatewayConfig(), context);

    expect(gateway.modules().running).toContain('leads');
    expect(await leadPage('zh')).toContain('总行的同意书。');
  });

  it('names the reason where HQ was never reached and nothing was kept', async () => {
    await gateway.stop();
    const elsewhere = { ...gatewayConfig(), dataDir: join(dir.path, 'fresh') };
    gateway = await startGateway(elsewhere, context);

    await eventually(
      () => gateway.modules().unavailable.some((entry) => entry.module === 'leads'),
      'the reason',
    );
    expect(gateway.modules().running).not.toContain('leads');
    const reason = gateway.modules().unavailable.find((entry) => entry.module === 'leads');
    expect(reason?.reason).toMatch(/^kiosk lead settings not (yet )?fetched from HQ/);
    expect((await fetch(`${gateway.httpUrl}/kiosk/lead`)).status).toBe(404);
  });
});
