// The gateway side of the simulated day (bench/day.ts): a process of gateways, each with an
// outbox holding one business day of records made in advance, instead of a whole gateway
// runtime. Each is either the real uplink (`startUplink`) over that outbox, or a light client
// speaking the same protocol whose answers cost next to nothing (see `lightGateway`).
// Forked by bench/day.ts with a HostJob; talks to it by HostMessage.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { createLogger, createRegistry, systemClock } from '../core/index.ts';
import type { Outbox } from '../edge/store/index.ts';
import { startUplink, UplinkConfig } from '../edge/uplink/index.ts';
import {
  decodeMessage,
  encodeMessage,
  maxPayloadBytes,
  Stream,
  type StreamName,
  topic,
  UplinkRecord,
} from '../protocol/index.ts';
import { type BranchDay, branchDay } from './insights-support.ts';

export interface HostJob {
  /** Gateways `first` .. `first + count - 1`, of branches with the same numbers. */
  first: number;
  count: number;
  folder: string;
  cloudUrl: string;
  brokerUrl: string;
  statusIntervalMs: number;
  /** When the branch opens, epoch ms: the day's records are stamped from there. */
  opensAt: number;
  /** Simulated time runs this many times real time from `go`; null: the whole day at once. */
  speed: number | null;
  kind: GatewayKind;
}

/** `uplink`: the real `startUplink`; `light`: a client answering from shared, ready JSON. */
export type GatewayKind = 'uplink' | 'light';

/** What the host reports of a gateway, whichever kind it is. */
interface DayGateway {
  online(): boolean;
  sent(): { records: number; pulls: number; statuses: number };
}

export type HostMessage =
  | { kind: 'online' }
  | { kind: 'sent'; records: number; pulls: number; statuses: number };

export const dayGatewayId = (index: number) => `gw-day-${index}`;
export const dayBranchId = (index: number) => `day-${index}`;

/** Gateways started at once: each connects to the broker and subscribes to 6 topics. */
const startBatch = 50;

/** How many of a stream's records are stamped at or before `until` (they are in time order). */
function visibleCount(records: readonly UplinkRecord[], until: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((records[middle]?.at ?? 0) <= until) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * A gateway's outbox holding a day written in advance: a record is there for the cloud once
 * the simulated clock passed its stamp. Shares the day's records with every other gateway
 * of the process, so a thousand branches' days take one day's memory.
 */
function dayOutbox(day: BranchDay, simulatedNow: () => number): Outbox {
  const confirmed = Object.fromEntries(Stream.options.map((stream) => [stream, 0])) as Record<
    StreamName,
    number
  >;
  const lastSeq = (stream: StreamName) => visibleCount(day[stream], simulatedNow());
  const written = () => {
    throw new Error('the simulated day is written in advance');
  };
  return {
    append: written,
    appendOrHold: written,
    retryHeld: () => true,
    space: () => ({ full: false, held: 0, lost: 0 }),
    onFull: () => {},
    after: (stream, afterSeq, limit) =>
      day[stream].slice(afterSeq, Math.min(afterSeq + limit, lastSeq(stream))),
    confirm: (stream, cursor) => {
      confirmed[stream] = Math.max(confirmed[stream], cursor);
    },
    position: (stream) => {
      const last = lastSeq(stream);
      return { lastSeq: last, confirmedSeq: confirmed[stream], backlog: last - confirmed[stream] };
    },
    prune: () => 0,
  };
}

/** The records one branch's gateway sends in the day, for checking what the cloud stored. */
export function recordsADay(opensAt: number): { total: number; ticketsIssued: number } {
  const day = branchDay(opensAt);
  const total = Stream.options.reduce((sum, stream) => sum + day[stream].length, 0);
  const ticketsIssued = day.queue.reduce(
    (sum, record) => sum + (record.kind === 'queue.minute' ? record.data.issued : 0),
    0,
  );
  return { total, ticketsIssued };
}

/**
 * Credentials as enrolment leaves them on a gateway's disk. The bench's Mosquitto takes
 * anonymous logins (the cloud's external-broker mode leaves authentication to the broker),
 * so the password is never checked, and no manifest comes down to verify.
 */
function writeCredentials(file: string, gateway: number, brokerUrl: string) {
  mkdirSync(dirname(file), { recursive: true });
  const credentials = {
    gateway: dayGatewayId(gateway),
    branch: dayBranchId(gateway),
    broker: { url: brokerUrl, username: dayGatewayId(gateway), password: 'not checked' },
    manifestPublicKey: 'none',
  };
  writeFileSync(file, JSON.stringify(credentials));
}

/** The live status a branch pushes; its backlog is what the cloud has not confirmed. */
function liveFigures(box: Outbox) {
  return {
    version: 'bench-day',
    people: 6,
    cameraSource: 'camera' as const,
    ticketsWaiting: 3,
    ticketsServedToday: 0,
    backlog: Object.fromEntries(
      Stream.options.map((stream) => [stream, box.position(stream).backlog]),
    ),
    devicesOnline: 12,
    devicesTotal: 12,
  };
}

/** The real uplink over the day's outbox. */
async function uplinkGateway(
  job: HostJob,
  index: number,
  box: Outbox,
  context: Parameters<typeof startUplink>[1],
): Promise<DayGateway> {
  const credentialsFile = join(job.folder, dayGatewayId(index), 'credentials.json');
  writeCredentials(credentialsFile, index, job.brokerUrl);
  const uplink = await startUplink(
    {
      gateway: dayGatewayId(index),
      branch: dayBranchId(index),
      config: UplinkConfig.parse({
        cloudUrl: job.cloudUrl,
        brokerUrl: job.brokerUrl,
        statusIntervalMs: job.statusIntervalMs,
      }),
      credentialsFile,
      outbox: box,
      status: () => liveFigures(box),
    },
    context,
  );
  return {
    online: () => uplink.stats().state === 'online',
    sent: () => {
      const stats = uplink.stats();
      return {
        records: stats.recordsSent,
        pulls: stats.pullsAnswered,
        statuses: stats.statusPushed,
      };
    },
  };
}

/**
 * The JSON of a run of a stream's records, made once for every gateway of the process: all
 * branches hold the same day, so their pulls ask for the same runs. Halved, as `answerPull`
 * does, until an answer fits the broker's payload limit. Cleared when large, since a paced
 * day asks for runs of every length.
 */
function answerCache(day: BranchDay) {
  const runs = new Map<string, { json: string; count: number }>();
  // Room for the answer's other fields: ids, cursor, last sequence, time.
  const envelopeBytes = 400;
  return (stream: StreamName, after: number, wanted: number) => {
    const key = `${stream}/${after}/${wanted}`;
    let found = runs.get(key);
    if (!found) {
      let count = wanted;
      let json = JSON.stringify(day[stream].slice(after, after + count));
      while (count > 1 && Buffer.byteLength(json) + envelopeBytes > maxPayloadBytes) {
        count = Math.ceil(count / 2);
        json = JSON.stringify(day[stream].slice(after, after + count));
      }
      if (runs.size > 10_000) runs.clear();
      found = { json, count };
      runs.set(key, found);
    }
    return found;
  };
}

/**
 * A client speaking the uplink's protocol on the cloud broker: it answers each pull of its
 * own from the shared cache and pushes its live status. The real uplink checks every answer
 * against its schema twice, about 20 µs a record on this box, which a thousand branches would
 * take from the two cores the cloud is measured on; the records were checked once, when the
 * day was made, and the payload is the same.
 */
async function lightGateway(
  job: HostJob,
  index: number,
  box: Outbox,
  answers: ReturnType<typeof answerCache>,
): Promise<DayGateway> {
  const gateway = dayGatewayId(index);
  const branch = dayBranchId(index);
  const counts = { records: 0, pulls: 0, statuses: 0 };
  const client = await mqtt.connectAsync(job.brokerUrl, {
    clientId: `gateway-${gateway}`,
    reconnectPeriod: 2000,
  });
  client.on('message', (_topic, payload) => {
    const decoded = decodeMessage('pullRequest', payload);
    if (!decoded.ok || (decoded.message.gateway && decoded.message.gateway !== gateway)) return;

    const { pullId, stream, after, limit } = decoded.message;
    box.confirm(stream, after);
    const lastSeq = box.position(stream).lastSeq;
    const run = answers(stream, after, Math.max(0, Math.min(limit, lastSeq - after)));
    const answer =
      `{"pullId":${JSON.stringify(pullId)},"gateway":"${gateway}","stream":"${stream}",` +
      `"after":${after},"records":${run.json},"lastSeq":${lastSeq},"at":${Date.now()}}`;
    client.publish(topic('pullResponse', { branch }), answer, { qos: 1 });
    counts.pulls += 1;
    counts.records += run.count;
  });
  await client.subscribeAsync(topic('pullRequest', { branch }), { qos: 1 });
  const pushStatus = () => {
    const status = { ...liveFigures(box), gateway, at: Date.now() };
    client.publish(topic('liveStatus', { branch }), encodeMessage('liveStatus', status), {
      qos: 1,
      retain: true,
    });
    counts.statuses += 1;
  };
  pushStatus();
  setInterval(pushStatus, job.statusIntervalMs);
  return { online: () => client.connected, sent: () => ({ ...counts }) };
}

/** Starts the job's gateways, says when all are online, opens the day on `go`. */
async function host(job: HostJob) {
  const log = createLogger({
    level: 'warn',
    destination: pino.destination(join(job.folder, `gateways-${job.first}.log`)),
  });
  const context = { clock: systemClock, log, registry: createRegistry({}) };
  const day = branchDay(job.opensAt);
  for (const stream of Stream.options) for (const record of day[stream]) UplinkRecord.parse(record);
  const answers = answerCache(day);
  // Before `go` nothing is there to pull; after it, the clock runs at `speed` or the whole
  // day is there at once.
  let goAt: number | null = null;
  const simulatedNow = () => {
    if (goAt === null) return Number.NEGATIVE_INFINITY;
    if (job.speed === null) return Number.POSITIVE_INFINITY;
    return job.opensAt + (Date.now() - goAt) * job.speed;
  };
  const send = (message: HostMessage) => process.send?.(message);
  process.on('message', (message: { kind: string }) => {
    if (message.kind === 'go') goAt = Date.now();
    if (message.kind === 'stop') process.exit(0);
  });

  const gateways: DayGateway[] = [];
  for (let offset = 0; offset < job.count; offset += startBatch) {
    const size = Math.min(startBatch, job.count - offset);
    const indexes = Array.from({ length: size }, (_, k) => job.first + offset + k);
    const started = indexes.map((index) => {
      const box = dayOutbox(day, simulatedNow);
      return job.kind === 'uplink'
        ? uplinkGateway(job, index, box, context)
        : lightGateway(job, index, box, answers);
    });
    gateways.push(...(await Promise.all(started)));
  }
  while (gateways.some((gateway) => !gateway.online())) await systemClock.sleep(200);
  send({ kind: 'online' });

  setInterval(() => {
    const sent = gateways.map((gateway) => gateway.sent());
    const total = (field: 'records' | 'pulls' | 'statuses') =>
      sent.reduce((sum, figures) => sum + figures[field], 0);
    send({
      kind: 'sent',
      records: total('records'),
      pulls: total('pulls'),
      statuses: total('statuses'),
    });
  }, 1000);
}

if (process.argv[2] === '--host') await host(JSON.parse(process.argv[3] ?? '{}') as HostJob);
