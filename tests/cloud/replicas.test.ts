import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/index.ts';
import { type Outbox, openStore, outbox } from '../../edge/store/index.ts';
import { startUplink, type Uplink, UplinkConfig } from '../../edge/uplink/index.ts';
import { encodeMessage, topic } from '../../protocol/index.ts';
import { type Running, run } from '../cli/run.ts';
import { eventually, tempDir } from '../support/context.ts';
import { mqttUrl, pgUrl, serviceAvailable } from '../support/services.ts';
import { queueRecord } from './peer.ts';
import { adminPassword, testContext } from './support.ts';

const ready =
  (await serviceAvailable('PostgreSQL', pgUrl)) && (await serviceAvailable('Mosquitto', mqttUrl));
const runId = randomBytes(4).toString('hex');
const schema = `sb_replicas_${runId}`;
const branches = Array.from({ length: 6 }, (_, index) => ({
  id: `rep-${runId}-${index}`,
  name: `Replica branch ${index}`,
  timeZone: 'UTC',
}));
const folder = tempDir('sb-replicas-');
const leaseTtlMs = 2000;
const replicas: Running[] = [];
const uplinks: Uplink[] = [];
const closers: Array<() => void> = [];
const sql = new pg.Pool({ connectionString: pgUrl, options: `-c search_path=${schema}` });

afterAll(async () => {
  for (const uplink of uplinks) await uplink.stop();
  for (const close of closers) close();
  for (const replica of replicas) if (replica.child.exitCode === null) await replica.stop();
  await clearRetained();
  await sql.query(`drop schema if exists "${schema}" cascade`);
  await sql.end();
  folder.remove();
});

async function clearRetained() {
  const client = await mqtt.connectAsync(mqttUrl);
  for (const { id } of branches) {
    await client.publishAsync(topic('liveStatus', { branch: id }), '', { qos: 1, retain: true });
  }
  await client.endAsync();
}

function startReplica(name: string): Running {
  const replica = run(['cloud', '--config', join(folder.path, 'cloud.json')], {
    env: { SB_CLOUD_REPLICA_ID: `${name}-${runId}`, SB_LOG_LEVEL: 'warn' },
  });
  replicas.push(replica);
  return replica;
}

async function httpUrlOf(replica: Running) {
  const match = await replica.waitFor(/HQ page (http:\/\/127\.0\.0\.1:\d+)\//, 60_000);
  return match[1] as string;
}

async function enrolmentToken(httpUrl: string, branch: string) {
  const login = await fetch(`${httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: adminPassword }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const answer = await fetch(`${httpUrl}/api/enrolment-tokens`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ branch }),
  });
  return ((await answer.json()) as { token: string }).token;
}

async function startGateway(httpUrl: string, branch: string): Promise<Outbox> {
  const context = testContext();
  const store = openStore(join(folder.path, `${branch}.db`), context);
  closers.push(() => store.close());
  const config = UplinkConfig.parse({
    cloudUrl: httpUrl,
    enrolmentToken: await enrolmentToken(httpUrl, branch),
    brokerUrl: mqttUrl,
    statusIntervalMs: 500,
  });
  const box = outbox(store.db);
  const uplink = await startUplink(
    {
      gateway: `gw-${branch}`,
      branch,
      config,
      credentialsFile: join(folder.path, branch, 'credentials.json'),
      outbox: box,
      db: store.db,
      status: () => ({
        version: 'test',
        people: 0,
        cameraSource: null,
        ticketsWaiting: 0,
        ticketsServedToday: 0,
        backlog: { queue: box.position('queue').backlog },
        devicesOnline: 0,
        devicesTotal: 0,
      }),
    },
    { ...context, clock: systemClock },
  );
  uplinks.push(uplink);
  return box;
}

async function metric(httpUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      total += Number(line.split(' ').at(-1));
    }
  }
  return total;
}

async function count(query: string, values: unknown[] = []): Promise<number> {
  const result = await sql.query(query, values);
  return Number(result.rows[0]?.count ?? 0);
}

describe.skipIf(!ready)('three cloud replicas on PostgreSQL and Mosquitto', () => {
  it('loses and duplicates nothing when a replica is killed mid-pull', async () => {
    writeFileSync(
      join(folder.path, 'cloud.json'),
      JSON.stringify({
        store: { url: pgUrl, schema },
        broker: { url: mqttUrl, shareGroup: `sb-test-${runId}` },
        replica: { leaseTtlMs },
        admin: { password: adminPassword },
        pull: { intervalMs: 300, limit: 20, timeoutMs: 2000 },
        branches,
      }),
    );
    const first = startReplica('a');
    const firstUrl = await httpUrlOf(first);
    const others = [startReplica('b'), startReplica('c')];
    const urls = [firstUrl, ...(await Promise.all(others.map(httpUrlOf)))];
    const boxes = await Promise.all(branches.map((branch) => startGateway(firstUrl, branch.id)));

    // Records keep arriving at every gateway while the replicas pull them.
    let written = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        for (const box of boxes) box.append(withoutSeq(queueRecord(0, minuteAt(written))));
        written += 1;
        await systemClock.sleep(10);
      }
    })();

    await eventually(
      async () => (await count('select count(distinct owner) from pull_leases')) === 3,
      'the gateways spread over three replicas',
      20_000,
    );
    await eventually(
      async () => (await metric(urls[1] as string, 'sb_cloud_records_ingested_total')) > 0,
      'the victim storing records',
      20_000,
    );
    const victim = `b-${runId}`;
    const victimLeases = await count('select count(*) from pull_leases where owner = $1', [victim]);
    others[0]?.child.kill('SIGKILL');
    await systemClock.sleep(1500);
    writing = false;
    await writer;

    const expected = written * branches.length;
    await eventually(
      async () => (await count('select count(*) from records')) === expected,
      `all ${expected} records stored`,
      60_000,
    );
    expect(victimLeases).toBeGreaterThan(0);
    expect(await count('select count(*) from pull_leases where owner = $1', [victim])).toBe(0);
    expect(
      await count(
        'select count(*) from (select gateway, stream, seq from records group by 1, 2, 3) r',
      ),
    ).toBe(expected);
    const issued = await sql.query(
      "select sum(value) as count from insights_hourly where metric = 'tickets.issued'",
    );
    expect(Number(issued.rows[0]?.count)).toBe(expected * 2);
    for (const branch of branches) {
      const cursor = await sql.query('select seq from cursors where gateway = $1 and stream = $2', [
        `gw-${branch.id}`,
        'queue',
      ]);
      expect(Number(cursor.rows[0]?.seq)).toBe(written);
    }

    // A gateway this cloud never enrolled, on a broker it shares, is not taken into its fleet.
    const stranger = await mqtt.connectAsync(mqttUrl);
    const forged = { ...strangerStatus, at: Date.now() };
    await stranger.publishAsync(
      topic('liveStatus', { branch: branches[0]?.id as string }),
      encodeMessage('liveStatus', forged),
      { qos: 1 },
    );
    await stranger.endAsync();
    await systemClock.sleep(500);

    // The pushed statuses were spread over the group: each living replica stored some.
    const survivors = [urls[0] as string, urls[2] as string];
    const statuses = await Promise.all(
      survivors.map((url) => metric(url, 'sb_cloud_live_status_total')),
    );
    for (const stored of statuses) expect(stored).toBeGreaterThan(0);
    expect(await count('select count(*) from gateway_status')).toBe(branches.length);

    // Each survivor tells an operator its share of the pulls and what it moved.
    const leases = await Promise.all(survivors.map((url) => metric(url, 'sb_cloud_pull_leases')));
    expect(leases.reduce((sum, held) => sum + held, 0)).toBe(branches.length);
    for (const url of survivors) {
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(await metric(url, 'sb_cloud_broker_messages_total')).toBeGreaterThan(0);
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toMatch(/sb_cloud_gateway_backlog_records\{gateway="gw-rep-/);
    }
  }, 180_000);
});

const strangerStatus = {
  gateway: 'gw-stranger',
  version: 'test',
  people: 0,
  cameraSource: null,
  ticketsWaiting: 0,
  ticketsServedToday: 0,
  backlog: {},
  devicesOnline: 0,
  devicesTotal: 0,
};

function minuteAt(index: number) {
  return 1_767_600_000_000 + index * 60_000;
}

function withoutSeq<T extends { seq: number }>(record: T): Omit<T, 'seq'> {
  const { seq: _seq, ...rest } = record;
  return rest;
}
