import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/index.ts';
import { eventually, tempDir } from '../support/context.ts';
import { freePort } from '../support/services.ts';
import { type Running, run, runToEnd } from './run.ts';

const dir = tempDir('sb-pieces-');
const running: Running[] = [];
afterAll(async () => {
  for (const piece of running) await piece.stop();
  dir.remove();
});

const file = (name: string, content: unknown) => {
  const path = join(dir.path, name);
  writeFileSync(path, JSON.stringify(content, null, 2));
  return path;
};

const branch = 'b-apart';
const queue = {
  timeZone: 'Europe/Berlin',
  services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
  counters: [{ id: '1', name: 'Counter 1', services: ['cash'] }],
};

async function login(cloudUrl: string) {
  const response = await fetch(`${cloudUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'apart-admin-pass' }),
  });
  return response.headers.get('set-cookie')?.split(';')[0] ?? '';
}

describe('the pieces run apart, as a bank deploys them', () => {
  it('enrols a gateway started from its own config, whose live figures reach HQ', async () => {
    const [httpPort, brokerPort, busPort, gatewayHttp] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const cloudUrl = `http://127.0.0.1:${httpPort}`;
    const cloudConfig = file('cloud.json', {
      http: { port: httpPort },
      broker: { port: brokerPort },
      store: { url: `sqlite:${join(dir.path, 'cloud.db')}` },
      admin: { username: 'admin', password: 'apart-admin-pass' },
      branches: [{ id: branch, name: 'Apart', timeZone: 'Europe/Berlin' }],
    });
    const cloud = run(['cloud', '--config', cloudConfig]);
    running.push(cloud);
    await cloud.waitFor(/HQ page/);

    const minted = await runToEnd(['enrolment-token', '--cloud', cloudUrl, '--branch', branch], {
      env: { SB_HQ_PASSWORD: 'apart-admin-pass' },
    });
    const token = minted.output.split('\n')[0]?.trim() ?? '';
    expect(minted.code).toBe(0);
    expect(token).toMatch(/^[A-Za-z0-9_-]{16,}$/);

    const kiosk = { username: 'kiosk', password: 'kiosk-pass' };
    const door = { username: 'door', password: 'door-pass' };
    const counter = { username: 'counter', password: 'counter-pass' };
    const { SimulatorConfig, simulatorBusClients } = await import('../../simulator/index.ts');
    const sim = {
      seed: 5,
      branch,
      gateway: { brokerUrl: `mqtt://127.0.0.1:${busPort}`, clients: { kiosk, door, counter } },
      customers: { arrivalsPerHour: 600, serviceMix: { cash: 1 }, walkToKioskSeconds: 1 },
      idlePollSeconds: 1,
      counters: [{ id: '1', serviceMinutesMean: 0.05 }],
    };
    const clients = await Promise.all(
      simulatorBusClients(branch, SimulatorConfig.parse(sim)).map(async (client) => ({
        ...client,
        password: await hashPassword(client.password),
      })),
    );
    const gatewayConfig = file('gateway.json', {
      gateway: 'gw-apart',
      branch,
      branchName: 'Apart',
      dataDir: join(dir.path, 'gateway'),
      http: { port: gatewayHttp },
      bus: { port: busPort, clients },
      queue,
      cameras: [{ id: 'cam', source: { kind: 'synthetic', seed: 1 }, fps: 2 }],
      uplink: { cloudUrl, enrolmentToken: token, statusIntervalMs: 1000 },
    });
    const gateway = run(['gateway', '--config', gatewayConfig]);
    running.push(gateway);
    await gateway.waitFor(/technician page/);
    const simulator = run(['simulate', '--config', file('sim.json', sim), '--status-every', '1']);
    running.push(simulator);

    const cookie = await login(cloudUrl);
    const seen = await eventually(
      async () => {
        const answer = await fetch(`${cloudUrl}/api/branches`, { headers: { cookie } });
        const body = (await answer.json()) as { branches: Record<string, unknown>[] };
        const figures = body.branches.find((entry) => entry.id === branch);
        return figures?.online && Number(figures.servedToday) > 0 ? figures : null;
      },
      'the branch online at HQ with tickets served',
      60_000,
    );

    expect(seen.cameraSource).toBe('synthetic');
    expect(seen.people).toEqual(expect.any(Number));
    const line = await simulator.waitFor(
      /\[\d+s\] customers (\d+) · tickets issued [1-9]\d*, called \d+, served \d+ · door events/,
    );
    expect(Number(line[1])).toBeGreaterThan(0);
    for (const piece of [simulator, gateway, cloud]) expect(await piece.stop()).toBe(0);
  }, 120_000);
});
