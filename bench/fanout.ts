// Campaign fan-out: N gateways, each a real uplink on its own SQLite file, in one process,
// from the publish call until every gateway has applied the signed manifest (asset fetched
// and hash checked) and the cloud's rollout shows them all applied.
// Run: npx tsx bench/fanout.ts [gateways=1000] [embedded|mosquitto]
// With `mosquitto` the gateways and the campaigns module meet on the broker at
// SB_TEST_MQTT_URL (default mqtt://127.0.0.1:1883) instead of the cloud's embedded aedes.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import {
  type ControlPlane,
  controlDb,
  loadSigningKey,
  startControlPlane,
} from '../cloud/campaigns/index.ts';
import { connectExternalBroker } from '../cloud/fleet/index.ts';
import { startCloud } from '../cloud/index.ts';
import { openStore as openCloudStore } from '../cloud/store/index.ts';
import { createRegistry, silentLogger, systemClock } from '../core/index.ts';
import { openStore, outbox } from '../edge/store/index.ts';
import { startUplink, type Uplink, UplinkConfig } from '../edge/uplink/index.ts';
import { topic, topicFilter } from '../protocol/index.ts';
import { tempDir } from '../tests/support/context.ts';
import { mqttUrl } from '../tests/support/services.ts';

const count = Number(process.argv[2] ?? 1000);
const mode = process.argv[3] === 'mosquitto' ? 'mosquitto' : 'embedded';
const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
const run = randomBytes(3).toString('hex');
const dir = tempDir('sb-bench-fanout-');
const branches = Array.from({ length: count }, (_, index) => ({
  id: `fan-${run}-${String(index).padStart(4, '0')}`,
  name: `Fan-out ${index}`,
  timeZone: 'Asia/Shanghai',
  region: 'bench',
}));
const password = 'bench password 1';
const setupStarted = performance.now();

const cloud = await startCloud(
  {
    store: { url: `sqlite:${join(dir.path, 'cloud.db')}` },
    admin: { password },
    pull: { intervalMs: 600_000 },
    branches,
  },
  context,
);
const cloudStore = await openCloudStore({ url: `sqlite:${join(dir.path, 'cloud.db')}` }, context);
let plane: ControlPlane | null = null;
if (mode === 'mosquitto') {
  const broker = await connectExternalBroker({ url: mqttUrl, shareGroup: null }, context);
  const signingKey = await loadSigningKey(cloudStore.db, undefined, context);
  plane = startControlPlane(
    { db: cloudStore.db, broker, signingKey, offlineAfterMs: 120_000 },
    context,
  );
}

const appliedAt = new Map<string, number>();
let published = 0;
const uplinks: Uplink[] = [];
const closers: Array<() => void> = [];

async function startOne(branch: string) {
  const store = openStore(join(dir.path, `${branch}.db`), context);
  closers.push(() => store.close());
  const config = UplinkConfig.parse({
    cloudUrl: cloud.httpUrl,
    enrolmentToken: await cloud.createEnrolmentToken(branch),
    statusIntervalMs: 60_000,
    ...(mode === 'mosquitto' ? { brokerUrl: mqttUrl } : {}),
  });
  const uplink = await startUplink(
    {
      gateway: `gw-${branch}`,
      branch,
      config,
      credentialsFile: join(dir.path, branch, 'credentials.json'),
      outbox: outbox(store.db),
      db: store.db,
      screens: {
        applyManifest: (manifest) => {
          if (manifest.campaigns.length > 0) appliedAt.set(branch, performance.now() - published);
          return { applied: true };
        },
        hasAsset: () => false,
      },
      status: () => ({
        version: 'bench',
        people: 0,
        cameraSource: null,
        ticketsWaiting: 0,
        ticketsServedToday: 0,
        backlog: {},
        devicesOnline: 0,
        devicesTotal: 0,
      }),
    },
    context,
  );
  uplinks.push(uplink);
}

for (let index = 0; index < branches.length; index += 25) {
  await Promise.all(branches.slice(index, index + 25).map((branch) => startOne(branch.id)));
}
while (uplinks.some((uplink) => uplink.stats().state !== 'online')) await systemClock.sleep(50);
const setupSeconds = (performance.now() - setupStarted) / 1000;

const login = await fetch(`${cloud.httpUrl}/api/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password }),
});
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
const api = async (path: string, body: unknown, type = 'application/json') => {
  const response = await fetch(`${cloud.httpUrl}${path}`, {
    method: 'POST',
    headers: { cookie, 'content-type': type },
    body: Buffer.isBuffer(body) ? new Blob([new Uint8Array(body)]) : JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
};
const picture = Buffer.concat([Buffer.from('\x89PNG'), randomBytes(64 * 1024)]);
const asset = await api('/api/assets', picture, 'image/png');
await api('/api/campaigns', {
  id: 'fanout',
  name: 'Fan-out',
  objective: 'branch-visits',
  items: [{ id: 'fanout-pic', type: 'image', asset: asset.sha256 }],
  branches: { regions: ['bench'] },
});

published = performance.now();
if (plane) await plane.publish('fanout');
else await api('/api/campaigns/fanout/publish', {});
const publishMs = performance.now() - published;
while (appliedAt.size < count) await systemClock.sleep(20);
const rollouts = controlDb(cloudStore.db);
let reportedMs = 0;
for (;;) {
  const row = await rollouts
    .selectFrom('campaign_rollouts')
    .select((eb) => eb.fn.countAll<number>().as('applied'))
    .where('campaign', '=', 'fanout')
    .where('state', '=', 'applied')
    .executeTakeFirstOrThrow();
  reportedMs = performance.now() - published;
  if (Number(row.applied) >= count) break;
  await systemClock.sleep(50);
}

const latencies = [...appliedAt.values()].sort((a, b) => a - b);
const quantile = (q: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
console.log(
  JSON.stringify({
    gateways: count,
    broker: mode,
    setupSeconds: +setupSeconds.toFixed(1),
    publishCallMs: Math.round(publishMs),
    appliedP50Ms: Math.round(quantile(0.5)),
    appliedP95Ms: Math.round(quantile(0.95)),
    appliedP99Ms: Math.round(quantile(0.99)),
    appliedMaxMs: Math.round(quantile(1)),
    allReportedAppliedMs: Math.round(reportedMs),
    cpus: cpus().length,
    node: process.version,
  }),
);

await Promise.all(uplinks.map((uplink) => uplink.stop()));
for (const close of closers) close();
if (mode === 'mosquitto') await clearRetained();
await plane?.stop();
await cloudStore.close();
await cloud.stop();
dir.remove();

/** Leaves nothing retained on the shared broker: an empty retained payload clears a topic. */
async function clearRetained() {
  const client = await mqtt.connectAsync(mqttUrl);
  for (const { id } of branches) {
    for (const channel of ['campaignManifest', 'rolloutReport', 'liveStatus'] as const) {
      await client.publishAsync(topic(channel, { branch: id }), '', { qos: 1, retain: true });
    }
  }
  await client.endAsync();
}
