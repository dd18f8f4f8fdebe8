import { syncBranches } from '../../../cloud/fleet/index.ts';
import { loadCursor, storeBatch } from '../../../cloud/insights/ingest.ts';
import { openStore, type Store } from '../../../cloud/store/index.ts';
import {
  type StreamName,
  type UplinkRecord,
  type WaitHistogram,
  waitBucketOf,
} from '../../../protocol/index.ts';
import {
  cleanupAfter,
  postgresTarget,
  sqliteTarget,
  storeDialects,
  tempFolder,
  testContext,
} from '../support.ts';

export const dialects = await storeDialects();

export const lineage = { model: 'movenet-multipose', modelVersion: '1', backend: 'wasm' } as const;

export const fixtureBranches = [
  { id: 'berlin', name: 'Berlin Mitte', timeZone: 'Europe/Berlin', region: 'eu', tags: [] },
  { id: 'shanghai', name: 'Shanghai Bund', timeZone: 'Asia/Shanghai', region: 'cn', tags: [] },
  { id: 'beijing', name: 'Beijing West', timeZone: 'Asia/Shanghai', region: 'cn', tags: [] },
];

/** A fresh store per dialect, removed when the test that opened it ends. */
export async function openTestStore(dialect: 'sqlite' | 'postgres', now: number) {
  const folder = tempFolder('sb-insights-');
  const postgres = dialect === 'postgres' ? postgresTarget() : null;
  const store = await openStore(postgres ?? sqliteTarget(folder.path), testContext(now));
  cleanupAfter(async () => {
    await store.close();
    await postgres?.drop();
    folder.remove();
  });
  await syncBranches(store.db, fixtureBranches, now);
  for (const branch of fixtureBranches) await addGateway(store, `gw-${branch.id}`, branch.id, now);
  return store;
}

export async function addGateway(store: Store, gateway: string, branch: string, now: number) {
  await store.db
    .insertInto('gateways')
    .values({
      id: gateway,
      branch,
      password_hash: 'scrypt$x$y',
      version: '1',
      enrolled_at: now,
      rotated_at: now,
    })
    .execute();
}

/** Stores records as the puller would: from the stream's current cursor. */
export async function ingest(
  store: Store,
  gateway: string,
  stream: StreamName,
  records: UplinkRecord[],
  now: number,
) {
  const after = await loadCursor(store.db, gateway, stream, now);
  return storeBatch(store.db, { gateway, stream, after, records }, now);
}

export function lineMinute(seq: number, minute: number, entries: number): UplinkRecord {
  return {
    seq,
    at: minute,
    kind: 'audience.line-minute',
    data: {
      camera: 'door',
      line: 'entrance',
      minute,
      entries,
      exits: entries,
      source: 'synthetic',
      confidence: 0.9,
      lineage,
    },
  };
}

const dwellSeconds = { '0-5': 0, '5-15': 0, '15-30': 0, '30-60': 0, '60+': 0 };

export function zoneMinute(
  seq: number,
  minute: number,
  zone: string,
  figures: { visits?: number; occupancyMean?: number; passersBy?: number; attention?: number },
  zoneKind: 'service-point' | 'waiting' | 'passing' = 'waiting',
): UplinkRecord {
  const visits = figures.visits ?? 0;
  return {
    seq,
    at: minute,
    kind: 'audience.zone-minute',
    data: {
      camera: 'hall',
      zone,
      zoneKind,
      minute,
      frames: 60,
      entries: visits,
      exits: visits,
      occupancyMean: figures.occupancyMean ?? 0,
      occupancyMax: Math.ceil(figures.occupancyMean ?? 0),
      visits,
      dwellSeconds: { ...dwellSeconds, '15-30': visits },
      attentionSeconds: figures.attention ?? 0,
      ...(figures.passersBy !== undefined ? { passersBy: figures.passersBy, stops: 0 } : {}),
      source: 'synthetic',
      confidence: 0.9,
      lineage,
    },
  };
}

export function queueMinute(
  seq: number,
  minute: number,
  figures: { issued: number; served: number; waitSeconds: number; withinTarget: number },
): UplinkRecord {
  return {
    seq,
    at: minute,
    kind: 'queue.minute',
    data: {
      minute,
      service: 'cash',
      issued: figures.issued,
      served: figures.served,
      waitSecondsTotal: figures.waitSeconds,
      waitSecondsMax: figures.waitSeconds,
      servedWithinTarget: figures.withinTarget,
    },
  };
}

/** A record of the tickets one counter ended in a minute, as current gateways send them. */
export function counterMinute(
  seq: number,
  minute: number,
  where: { service: string; counter: string },
  waitsSeconds: number[],
  serviceSecondsEach: number,
): UplinkRecord {
  const waitHistogram: WaitHistogram = {};
  for (const wait of waitsSeconds) {
    const bucket = waitBucketOf(wait);
    waitHistogram[bucket] = (waitHistogram[bucket] ?? 0) + 1;
  }
  const waitSecondsTotal = waitsSeconds.reduce((sum, wait) => sum + wait, 0);
  return {
    seq,
    at: minute,
    kind: 'queue.minute',
    data: {
      minute,
      ...where,
      issued: 0,
      served: waitsSeconds.length,
      waitSecondsTotal,
      waitSecondsMax: Math.max(0, ...waitsSeconds),
      noShows: 0,
      serviceSecondsTotal: serviceSecondsEach * waitsSeconds.length,
      servedWithinTarget: waitsSeconds.filter((wait) => wait <= 600).length,
      estimated: 0,
      estimateErrorSecondsTotal: 0,
      waitHistogram,
    },
  };
}

export function playHour(
  seq: number,
  hour: number,
  campaign: string,
  viewers: number,
): UplinkRecord {
  return {
    seq,
    at: hour,
    kind: 'screen.play-hour',
    data: {
      screen: 'tv-1',
      item: `${campaign}-spot`,
      campaign,
      hour,
      plays: 10,
      completed: 10,
      cut: 0,
      playedMs: 150_000,
      viewers,
      attentionSeconds: viewers * 2,
      ages: {},
      suppressed: 0,
    },
  };
}

export function flowHour(
  seq: number,
  hour: number,
  flows: Array<[string, string, number]>,
): UplinkRecord {
  return {
    seq,
    at: hour,
    kind: 'audience.flow-hour',
    data: {
      camera: 'hall',
      hour,
      flows: flows.map(([from, to, moves]) => ({ from, to, moves })),
      source: 'synthetic',
      confidence: 0.8,
      lineage,
    },
  };
}

export function demographicsHour(seq: number, hour: number): UplinkRecord {
  return {
    seq,
    at: hour,
    kind: 'audience.demographics-hour',
    data: {
      camera: 'hall',
      zone: 'waiting',
      hour,
      people: 20,
      k: 5,
      ages: [
        { from: '25-34', to: '25-34', people: 8 },
        { from: '35-44', to: '45-54', people: 7 },
      ],
      agesUnknown: 5,
      agesSuppressed: 0,
      genders: { male: 9, female: 6, unknown: 5 },
      gendersSuppressed: 0,
      source: 'synthetic',
      confidence: 0.7,
      lineage,
    },
  };
}
