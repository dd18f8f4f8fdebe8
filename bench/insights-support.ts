import type { Kysely } from 'kysely';
import { syncBranches } from '../cloud/fleet/index.ts';
import { loadCursor } from '../cloud/insights/ingest.ts';
import type { Database } from '../cloud/store/index.ts';
import type { QueueMinute, StreamName, UplinkRecord } from '../protocol/index.ts';

export { figures, insightsDb, series, storeBatch } from '../cloud/insights/index.ts';

export const loadCursorForBench = (db: Kysely<Database>, gateway: string, now: number) =>
  loadCursor(db, gateway, 'audience', now);

const lineage = { model: 'm', modelVersion: '1', backend: 'wasm' } as const;

/** Zone minutes of one gateway's pull, from minute `start` after `at0`, as a branch sends them. */
export function zoneRecords(start: number, count: number, at0: number): UplinkRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const minute = at0 + (start + index) * 60_000;
    return {
      seq: start + index + 1,
      at: minute,
      kind: 'audience.zone-minute',
      data: {
        camera: 'hall',
        zone: `zone-${index % 4}`,
        zoneKind: 'waiting',
        minute,
        frames: 60,
        entries: 2,
        exits: 2,
        occupancyMean: 3,
        occupancyMax: 4,
        visits: 2,
        dwellSeconds: { '0-5': 0, '5-15': 1, '15-30': 1, '30-60': 0, '60+': 0 },
        attentionSeconds: 4,
        source: 'synthetic',
        confidence: 0.9,
        lineage,
      },
    };
  });
}

/**
 * Branches and their gateways written straight into the store, as enrolment leaves them (the
 * password hash is never checked by these benches), in statements of at most 1,000 rows.
 */
export async function enrolForBench(
  db: Kysely<Database>,
  gateways: ReadonlyArray<{ id: string; branch: string }>,
  now: number,
): Promise<void> {
  const branches = [...new Set(gateways.map((gateway) => gateway.branch))].map((id) => ({
    id,
    name: 'Bench',
    timeZone: 'Asia/Shanghai',
    tags: [],
  }));
  await syncBranches(db, branches, now);
  for (let start = 0; start < gateways.length; start += 1000) {
    const rows = gateways.slice(start, start + 1000).map((gateway) => ({
      id: gateway.id,
      branch: gateway.branch,
      password_hash: 'x',
      version: '1',
      enrolled_at: now,
      rotated_at: now,
    }));
    await db.insertInto('gateways').values(rows).execute();
  }
}

// A business day ------------------------------------------------------------------------------

const minuteMs = 60_000;
const hourMs = 60 * minuteMs;
/** Open minutes of the simulated branch: 12 hours, as the capacity model assumes. */
const openMinutes = 12 * 60;
/** Tickets a busy branch issues in a day, over its 5 services and 4 counters. */
const ticketsADay = 300;

/** A record before the outbox gives it its sequence. */
type Unsequenced = {
  [K in UplinkRecord['kind']]: Omit<Extract<UplinkRecord, { kind: K }>, 'seq'>;
}[UplinkRecord['kind']];

/** One branch's records of a day, per stream, in sequence order from 1. */
export type BranchDay = Record<StreamName, UplinkRecord[]>;

/**
 * One business day of a busy branch, as its gateway's uplink sends it, from `opensAt` for 12
 * open hours: per minute, 2 cameras' audience minutes, 4 zones' minutes and the door's line;
 * per hour, 2 zones' demographics, the hall's flows and 6 screens × 3 items' plays; the queue's
 * minute records of 300 tickets (issued, and ended per counter, as the queue's minute closer
 * writes them); 20 coupon redemptions and 3 sealed kiosk leads.
 */
export function branchDay(opensAt: number): BranchDay {
  const records: Unsequenced[] = [];
  for (let index = 0; index < openMinutes; index += 1) {
    const minute = opensAt + index * minuteMs;
    records.push(...sensingMinute(minute, busyness(index)));
    if ((index + 1) % 60 === 0) records.push(...hourRecords(minute + minuteMs - hourMs));
  }
  records.push(...queueMinutes(opensAt), ...redemptions(opensAt), ...leads(opensAt));
  return sequenced(records);
}

/** Each stream's records in time order, numbered from 1 as the gateway's outbox does. */
function sequenced(records: Unsequenced[]): BranchDay {
  const day: BranchDay = { audience: [], queue: [], plays: [], redemptions: [], leads: [] };
  const streamOf: Record<UplinkRecord['kind'], StreamName> = {
    'audience.minute': 'audience',
    'audience.zone-minute': 'audience',
    'audience.line-minute': 'audience',
    'audience.demographics-hour': 'audience',
    'audience.flow-hour': 'audience',
    'queue.minute': 'queue',
    'screen.play-hour': 'plays',
    'benefit.redemption': 'redemptions',
    'lead.sealed': 'leads',
  };
  const ordered = records.map((record, index) => ({ record, index }));
  ordered.sort((a, b) => a.record.at - b.record.at || a.index - b.index);
  for (const { record } of ordered) {
    const stream = day[streamOf[record.kind]];
    stream.push({ ...record, seq: stream.length + 1 } as UplinkRecord);
  }
  return day;
}

/** The crowd over a day, 0..1: a morning and an afternoon peak, a lull at lunch. */
function busyness(minuteOfDay: number): number {
  const hour = minuteOfDay / 60;
  const peak = (centre: number, width: number) => Math.exp(-(((hour - centre) / width) ** 2));
  return 0.2 + 0.8 * Math.max(peak(2.5, 1.5), 0.9 * peak(8, 2));
}

const zones = [
  { camera: 'hall', zone: 'waiting', zoneKind: 'waiting' },
  { camera: 'hall', zone: 'counters', zoneKind: 'service-point' },
  { camera: 'entrance', zone: 'screen-front', zoneKind: 'passing' },
  { camera: 'entrance', zone: 'atm', zoneKind: 'service-point' },
] as const;

/** What sensing sends as each open minute closes. */
function sensingMinute(minute: number, crowd: number): Unsequenced[] {
  const at = minute + minuteMs;
  const common = { minute, source: 'camera', confidence: 0.86, lineage } as const;
  const people = Math.round(crowd * 12);
  const cameras = ['hall', 'entrance'].map((camera) => ({
    at,
    kind: 'audience.minute' as const,
    data: {
      camera,
      minute,
      frames: 120,
      peopleMean: people * 0.75,
      peopleMax: people,
      source: 'camera' as const,
      lineage,
    },
  }));
  const visits = Math.round(crowd * 4);
  const zoneMinutes = zones.map(({ camera, zone, zoneKind }) => ({
    at,
    kind: 'audience.zone-minute' as const,
    data: {
      ...common,
      camera,
      zone,
      zoneKind,
      frames: 120,
      entries: visits,
      exits: visits,
      occupancyMean: Math.round(crowd * 40) / 10,
      occupancyMax: Math.ceil(crowd * 6),
      visits,
      dwellSeconds: { '0-5': 1, '5-15': 1, '15-30': 1, '30-60': 0, '60+': visits },
      ...(zoneKind === 'passing'
        ? { passersBy: Math.round(crowd * 9), stops: Math.round(crowd * 2) }
        : { dwellMinutes: { '0-2': 1, '2-5': 1, '5-10': visits, '10-20': 0, '20+': 0 } }),
      attentionSeconds: Math.round(crowd * 90),
    },
  }));
  const door = {
    at,
    kind: 'audience.line-minute' as const,
    data: { ...common, camera: 'entrance', line: 'door', entries: people, exits: people },
  };
  return [...cameras, ...zoneMinutes, door];
}

/** What sensing and the screens send as each open hour closes. */
function hourRecords(hour: number): Unsequenced[] {
  const at = hour + hourMs;
  const common = { hour, source: 'camera', confidence: 0.81, lineage } as const;
  const demographics = ['waiting', 'screen-front'].map(
    (zone): Unsequenced => ({
      at,
      kind: 'audience.demographics-hour',
      data: {
        ...common,
        camera: zone === 'waiting' ? 'hall' : 'entrance',
        zone,
        people: 40,
        k: 5,
        ages: [
          { from: '25-34', to: '25-34', people: 14 },
          { from: '35-44', to: '45-54', people: 17 },
        ],
        agesUnknown: 6,
        agesSuppressed: 3,
        genders: { male: 19, female: 17, unknown: 4 },
        gendersSuppressed: 0,
      },
    }),
  );
  const flows: Unsequenced = {
    at,
    kind: 'audience.flow-hour',
    data: {
      ...common,
      camera: 'hall',
      flows: [
        { from: 'waiting', to: 'counters', moves: 30 },
        { from: 'counters', to: 'waiting', moves: 6 },
      ],
    },
  };
  return [...demographics, flows, ...playHours(hour, at)];
}

function playHours(hour: number, at: number): Unsequenced[] {
  const plays: Unsequenced[] = [];
  for (let screen = 1; screen <= 6; screen += 1) {
    for (let item = 1; item <= 3; item += 1) {
      plays.push({
        at,
        kind: 'screen.play-hour',
        data: {
          screen: `screen-${screen}`,
          item: `item-${item}`,
          campaign: `campaign-${item}`,
          hour,
          plays: 40,
          completed: 38,
          cut: 2,
          playedMs: 1_180_000,
          viewers: 95,
          attentionSeconds: 210,
          ages: { '25-34': 30, '35-44': 41 },
          suppressed: 4,
        },
      });
    }
  }
  return plays;
}

/** The queue's minute records: one for the tickets issued, one per counter for those served. */
function queueMinutes(opensAt: number): Unsequenced[] {
  const byKey = new Map<string, QueueMinute>();
  const entry = (minute: number, service: string, counter?: string) => {
    const key = `${minute}/${service}/${counter ?? ''}`;
    const found = byKey.get(key) ?? {
      minute,
      service,
      ...(counter ? { counter } : {}),
      issued: 0,
      served: 0,
      waitSecondsTotal: 0,
      waitSecondsMax: 0,
    };
    byKey.set(key, found);
    return found;
  };
  for (let ticket = 0; ticket < ticketsADay; ticket += 1) {
    const issuedAt = opensAt + Math.floor((ticket * openMinutes) / ticketsADay) * minuteMs;
    const service = `service-${ticket % 5}`;
    entry(issuedAt, service).issued += 1;

    const waitSeconds = 120 + (ticket % 10) * 45;
    const endedAt = issuedAt + (waitSeconds + 300) * 1000;
    const ended = entry(endedAt - (endedAt % minuteMs), service, `counter-${ticket % 4}`);
    ended.served += 1;
    ended.waitSecondsTotal += waitSeconds;
    ended.waitSecondsMax = Math.max(ended.waitSecondsMax, waitSeconds);
    ended.serviceSecondsTotal = (ended.serviceSecondsTotal ?? 0) + 300;
    ended.servedWithinTarget = (ended.servedWithinTarget ?? 0) + (waitSeconds <= 300 ? 1 : 0);
  }
  return [...byKey.values()].map((data) => ({
    at: data.minute + minuteMs,
    kind: 'queue.minute' as const,
    data,
  }));
}

function redemptions(opensAt: number): Unsequenced[] {
  return Array.from({ length: 20 }, (_, index) => {
    const at = opensAt + (index * 36 + 20) * minuteMs;
    return {
      at,
      kind: 'benefit.redemption' as const,
      data: {
        redemptionId: `redemption-${index}`,
        code: `COFFEE-${1000 + index}`,
        benefit: 'coffee-voucher',
        redeemedAt: at,
        offline: index % 10 === 0,
      },
    };
  });
}

/** Kiosk leads arrive sealed to the cloud's key: to the cloud here they are opaque bytes. */
function leads(opensAt: number): Unsequenced[] {
  return [90, 300, 610].map((minute) => ({
    at: opensAt + minute * minuteMs,
    kind: 'lead.sealed' as const,
    data: { sealed: Buffer.alloc(420, minute).toString('base64') },
  }));
}
