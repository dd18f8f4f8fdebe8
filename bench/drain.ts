// Backlog drain: a busy branch's gateway was cut off from HQ for 24 hours (8 cameras'
// audience minutes, 6 services' queue minutes over 12 open hours), then the link returns.
// Measures how fast the cloud drains the backlog over a real uplink and a real broker, and
// how stale HQ's live status gets meanwhile; once as fast as the cloud asks and once with
// the gateway's drain cap.
// Run: npx tsx bench/drain.ts [capRecordsPerSecond=1000]
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Cloud, startCloud } from '../cloud/index.ts';
import { createRegistry, silentLogger, systemClock } from '../core/index.ts';
import { type Outbox, openStore, outbox } from '../edge/store/index.ts';
import { startUplink, UplinkConfig } from '../edge/uplink/index.ts';
import { Stream } from '../protocol/index.ts';
import { tempDir } from '../tests/support/context.ts';

const cap = Number(process.argv[2] ?? 1000);
const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
const dayMs = 86_400_000;
const lineage = { model: 'movenet-multipose', modelVersion: '3.0.4', backend: 'wasm' } as const;

interface DrainFigures {
  records: number;
  seconds: number;
  recordsPerSecond: number;
  /** The oldest the live status HQ held got during the drain, in seconds. */
  liveStalenessMaxSeconds: number;
  statusesDuringDrain: number;
}

/** A day's backlog, written as the gateway would have: one record at a time. */
function fillBacklog(box: Outbox, start: number) {
  let records = 0;
  for (let minute = start; minute < start + dayMs; minute += 60_000) {
    for (let camera = 1; camera <= 8; camera += 1) {
      box.append({
        kind: 'audience.minute',
        at: minute,
        data: {
          camera: `cam-${camera}`,
          minute,
          frames: 120,
          peopleMean: 3.4,
          peopleMax: 7,
          source: 'camera',
          lineage,
        },
      });
      records += 1;
    }
    const hour = new Date(minute).getUTCHours();
    if (hour < 1 || hour > 12) continue;

    for (let service = 1; service <= 6; service += 1) {
      box.append({
        kind: 'queue.minute',
        at: minute,
        data: {
          minute,
          service: `svc-${service}`,
          issued: 2,
          served: 2,
          waitSecondsTotal: 410,
          waitSecondsMax: 300,
        },
      });
      records += 1;
    }
  }
  return records;
}

async function drainOnce(label: string, drainRecordsPerSecond?: number): Promise<DrainFigures> {
  const dir = tempDir('sb-bench-drain-');
  const branch = `drain-${label}`;
  const cloud: Cloud = await startCloud(
    {
      store: { url: `sqlite:${join(dir.path, 'cloud.db')}` },
      admin: { password: 'bench password 1' },
      branches: [{ id: branch, name: 'Drain', timeZone: 'Asia/Shanghai' }],
    },
    context,
  );
  const store = openStore(join(dir.path, 'gateway.db'), context);
  const box = outbox(store.db);
  const records = store.db.transaction(() => fillBacklog(box, Date.now() - dayMs))();
  const token = await cloud.createEnrolmentToken(branch);
  const gateway = `gw-${label}`;
  const config = UplinkConfig.parse({
    cloudUrl: cloud.httpUrl,
    enrolmentToken: token,
    statusIntervalMs: 1000,
    ...(drainRecordsPerSecond ? { drainRecordsPerSecond } : {}),
  });

  const started = performance.now();
  const uplink = await startUplink(
    {
      gateway,
      branch,
      config,
      outbox: box,
      db: store.db,
      credentialsFile: join(dir.path, 'credentials.json'),
      status: () => ({
        version: 'bench',
        people: 3,
        cameraSource: 'camera',
        ticketsWaiting: 4,
        ticketsServedToday: 0,
        backlog: {},
        devicesOnline: 0,
        devicesTotal: 0,
      }),
    },
    context,
  );
  let stalenessMs = 0;
  const statuses = new Set<number>();
  for (;;) {
    const stats = await cloud.stats();
    const status = stats.perGateway.find((figures) => figures.gateway === gateway)?.status;
    if (status) {
      statuses.add(status.at);
      stalenessMs = Math.max(stalenessMs, Date.now() - status.at);
    }
    // Drained once HQ stored every record; the gateway lets them go at the next pull.
    const cursor = (stream: string) =>
      stats.streams.find((s) => s.gateway === gateway && s.stream === stream)?.cursor ?? 0;
    const drained = Stream.options.every(
      (stream) => cursor(stream) >= box.position(stream).lastSeq,
    );
    if (drained) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;

  await uplink.stop();
  await cloud.stop();
  store.close();
  dir.remove();
  return {
    records,
    seconds: round(seconds),
    recordsPerSecond: Math.round(records / seconds),
    liveStalenessMaxSeconds: round(stalenessMs / 1000),
    statusesDuringDrain: statuses.size,
  };
}

const round = (value: number) => Math.round(value * 100) / 100;

const uncapped = await drainOnce('uncapped');
console.log(`24 h backlog, uncapped:     ${JSON.stringify(uncapped)}`);
const capped = await drainOnce('capped', cap);
console.log(`24 h backlog, capped ${cap}/s: ${JSON.stringify(capped)}`);
