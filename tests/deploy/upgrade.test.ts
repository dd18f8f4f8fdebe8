import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { type Cloud, CloudConfig, startCloud } from '../../cloud/index.ts';
import { parseConfig, systemClock } from '../../core/index.ts';
import {
  buildBundle,
  installService,
  layout,
  linkedVersion,
  type Service,
  startService,
} from '../../deploy/index.ts';
import { outbox } from '../../edge/store/index.ts';
import { eventually, tempDir, testContext } from '../support/context.ts';
import { freePort } from '../support/services.ts';
import { repoPackage } from './fixtures.ts';

const dir = tempDir('sb-upgrade-');
const root = join(dir.path, 'root');
const where = layout('gateway', root);
const branch = 'upgrade-branch';
const gateway = 'upgrade-gw';
const adminPassword = 'upgrade-admin-pass';
const lineage = { model: 'movenet-multipose', modelVersion: '3.0.4', backend: 'wasm' };
const fixtureMigration = '2099-01-01T0000-fixture-upgrade.sql';

let cloud: Cloud;
let service: Service;
let cookie = '';

afterAll(async () => {
  await service?.stop();
  await cloud?.stop();
  dir.remove();
});

async function startTheCloud() {
  cloud = await startCloud(
    parseConfig(
      'cloud',
      {
        store: { url: `sqlite:${join(dir.path, 'cloud.db')}` },
        admin: { username: 'admin', password: adminPassword },
        pull: { intervalMs: 500 },
        branches: [{ id: branch, name: 'Upgrade branch', timeZone: 'Asia/Shanghai' }],
      },
      CloudConfig,
    ),
    testContext(systemClock),
  );
  const login = await fetch(`${cloud.httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: adminPassword }),
  });
  cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function gatewayConfig(token: string) {
  return {
    gateway,
    branch,
    branchName: 'Upgrade branch',
    dataDir: where.local.dataDir,
    http: { port: await freePort() },
    bus: { port: await freePort() },
    queue: {
      timeZone: 'Asia/Shanghai',
      services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
      counters: [{ id: '1', name: 'C1', services: ['cash'] }],
    },
    uplink: { cloudUrl: cloud.httpUrl, enrolmentToken: token, statusIntervalMs: 1000 },
  };
}

/** The branch's activity while versions come and go: audience minutes into the outbox. */
/**
 * The minutes the test records start 80 minutes ago: the gateway's retention drops unconfirmed
 * records older than its age limit, so they must be recent like a real branch's.
 */
const firstMinuteAt = Math.floor(Date.now() / 60_000) * 60_000 - 80 * 60_000;

function recordMinutes(count: number, from: number) {
  const db = new Database(join(where.local.dataDir, 'gateway.db'));
  db.pragma('busy_timeout = 5000');
  const box = outbox(db);
  for (let minute = from; minute < from + count; minute++) {
    box.append({
      kind: 'audience.minute',
      at: firstMinuteAt + minute * 60_000,
      data: {
        camera: 'cam-1',
        minute: firstMinuteAt + minute * 60_000,
        frames: 120,
        peopleMean: 1.5,
        peopleMax: 3,
        source: 'synthetic',
        lineage,
      },
    });
  }
  db.close();
}

async function publish(version: string, options: Parameters<typeof repoPackage>[2] = {}) {
  const source = repoPackage(join(dir.path, `src-${version}`), version, options);
  const bundle = await buildBundle(source, join(dir.path, 'bundles'));
  const upload = await fetch(`${cloud.httpUrl}/api/releases`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/gzip' },
    body: new Uint8Array(readFileSync(bundle.file)),
  });
  const release = (await upload.json()) as { id: string };
  const rollout = await fetch(`${cloud.httpUrl}/api/releases/${release.id}/rollouts`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ branches: [branch] }),
  });
  return ((await rollout.json()) as { id: string }).id;
}

async function finished(rollout: string) {
  return eventually(
    async () => {
      const response = await fetch(`${cloud.httpUrl}/api/rollouts/${rollout}`, {
        headers: { cookie },
      });
      const status = (await response.json()) as {
        branches: Array<{ state: string; reason: string | null; running: string | null }>;
      };
      const target = status.branches[0];
      return target && ['applied', 'rolled-back', 'refused', 'failed'].includes(target.state)
        ? target
        : null;
    },
    `rollout ${rollout} to finish`,
    120_000,
  );
}

describe('a gateway upgraded and rolled back from HQ', () => {
  it('goes 0.1.0 → 0.2.0, back from a failing 0.3.0 by itself, then to 0.1.0, losing no record', async () => {
    await startTheCloud();
    const configFile = join(dir.path, 'gateway.json');
    writeFileSync(
      configFile,
      JSON.stringify(await gatewayConfig(await cloud.createEnrolmentToken(branch))),
    );
    const installed = repoPackage(join(dir.path, 'src-0.1.0'), '0.1.0');
    await installService({
      role: 'gateway',
      configFile,
      root,
      source: installed,
      dependencies: 'link',
      start: false,
    });
    // The installed config names the box's paths; this test's box lives under `root`.
    writeFileSync(
      where.local.configFile,
      JSON.stringify(await gatewayConfig(await cloud.createEnrolmentToken(branch))),
    );

    service = await startService(
      {
        role: 'gateway',
        configFile: where.local.configFile,
        root,
        pollIntervalMs: 1000,
        checkIntervalMs: 500,
        output: join(dir.path, 'runtime.log'),
        trial: { healthTimeoutMs: 25_000, healthyChecks: 3, maxExits: 3 },
      },
      testContext(systemClock),
    );
    await eventually(() => service.supervisor.status().healthy, '0.1.0 healthy', 60_000);
    recordMinutes(20, 0);

    const upgrade = await finished(
      await publish('0.2.0', {
        migrations: {
          [fixtureMigration]: 'CREATE TABLE fixture_upgrade (x INTEGER);',
        },
      }),
    );
    expect(upgrade).toMatchObject({ state: 'applied', running: '0.2.0' });
    expect(linkedVersion(where.local.previous)).toBe('0.1.0');
    recordMinutes(20, 20);

    const broken = await finished(await publish('0.3.0', { behaviour: 'hang' }));
    expect(broken).toMatchObject({ state: 'rolled-back', running: '0.2.0' });
    expect(broken.reason).toMatch(/no healthy answer within 25 s/);
    expect(linkedVersion(where.local.current)).toBe('0.2.0');
    await eventually(() => service.supervisor.status().healthy, '0.2.0 healthy again', 60_000);
    recordMinutes(20, 40);

    const back = await finished(await publish('0.1.0'));
    expect(back).toMatchObject({ state: 'applied', running: '0.1.0' });
    recordMinutes(20, 60);

    const pulled = await eventually(
      async () => {
        const records = await cloud.records(gateway, 'audience');
        return records.length >= 80 ? records : null;
      },
      'all 80 minutes in the cloud',
      60_000,
    );
    expect(pulled.map((record) => record.seq)).toEqual(
      Array.from({ length: 80 }, (_, index) => index + 1),
    );
    expect(pulled.map((record) => record.at)).toEqual(
      Array.from({ length: 80 }, (_, index) => firstMinuteAt + index * 60_000),
    );

    const db = new Database(join(where.local.dataDir, 'gateway.db'), { readonly: true });
    const applied = db
      .prepare('SELECT count(*) FROM migrations WHERE name = ?')
      .pluck()
      .get(fixtureMigration);
    db.close();
    expect(applied).toBe(1);
  }, 420_000);
});
