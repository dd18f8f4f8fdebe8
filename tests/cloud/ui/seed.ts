import { syncBranches } from '../../../cloud/fleet/index.ts';
import {
  importSurroundings,
  insightsDb,
  setCamera,
  setSite,
} from '../../../cloud/insights/index.ts';
import { openStore, type Store } from '../../../cloud/store/index.ts';
import type { UplinkRecord } from '../../../protocol/index.ts';
import { syntheticCity } from '../../../simulator/city/index.ts';
import {
  addGateway,
  counterMinute,
  demographicsHour,
  flowHour,
  ingest,
  lineMinute,
  playHour,
  queueMinute,
  zoneMinute,
} from '../insights/fixtures.ts';
import { testContext } from '../support.ts';

export const seedBranches = [
  { id: 'mall-branch', name: 'Grand Mall', timeZone: 'Asia/Shanghai', region: 'east', tags: [] },
  { id: 'home-branch', name: 'Garden Estate', timeZone: 'Asia/Shanghai', region: 'east', tags: [] },
];

export const seedNow = Date.UTC(2026, 4, 20, 4);
const hour = 3_600_000;
const firstDay = Date.UTC(2026, 4, 13, 1); // 09:00 in Shanghai

function dayRecords(branchIndex: number, day: number) {
  const audience: UplinkRecord[] = [];
  const queue: UplinkRecord[] = [];
  const plays: UplinkRecord[] = [];
  for (let slot = 0; slot < 8; slot += 1) {
    const at = firstDay + day * 86_400_000 + slot * hour;
    const entries = 20 + branchIndex * 10 + slot;
    audience.push(lineMinute(0, at, entries));
    audience.push(zoneMinute(0, at, 'door', { passersBy: entries * 3 }, 'passing'));
    audience.push(
      zoneMinute(0, at + 60_000, 'waiting', { visits: 4, occupancyMean: 3 + slot / 2 }),
    );
    audience.push(
      zoneMinute(0, at + 120_000, 'counter', { visits: 3, occupancyMean: 1 }, 'service-point'),
    );
    audience.push(
      flowHour(0, at, [
        ['door', 'waiting', 12],
        ['waiting', 'counter', 9],
        ['counter', 'door', 8],
      ]),
    );
    audience.push(demographicsHour(0, at));
    queue.push(queueMinute(0, at, { issued: 6, served: 5, waitSeconds: 900, withinTarget: 4 }));
    const counters = { cash: '3', cards: '4' };
    for (const [service, counter] of Object.entries(counters)) {
      queue.push(counterMinute(0, at + 60_000, { service, counter }, [120, 300, 540], 240));
    }
    plays.push(playHour(0, at, 'spring-cards', 15 + slot));
  }
  return { audience, queue, plays };
}

const numbered = (records: UplinkRecord[]) =>
  records.map((record, index) => ({ ...record, seq: index + 1 }));

async function seedRecords(store: Store) {
  for (const [index, branch] of seedBranches.entries()) {
    const gateway = `gw-${branch.id}`;
    await addGateway(store, gateway, branch.id, seedNow);
    const all = {
      audience: [] as UplinkRecord[],
      queue: [] as UplinkRecord[],
      plays: [] as UplinkRecord[],
    };
    for (let day = 0; day < 7; day += 1) {
      const records = dayRecords(index, day);
      all.audience.push(...records.audience);
      all.queue.push(...records.queue);
      all.plays.push(...records.plays);
    }
    for (const stream of ['audience', 'queue', 'plays'] as const) {
      await ingest(store, gateway, stream, numbered(all[stream]), seedNow);
    }
  }
}

async function seedPlaces(store: Store) {
  const db = insightsDb(store.db);
  const sites = [
    { id: 'mall-branch', longitude: 121.47, latitude: 31.23, character: 'mall' as const },
    { id: 'home-branch', longitude: 121.56, latitude: 31.2, character: 'residential' as const },
  ];
  for (const site of sites) {
    await setSite(
      db,
      site.id,
      { longitude: site.longitude, latitude: site.latitude, areaM2: 240 },
      seedNow,
    );
    await setCamera(
      db,
      site.id,
      'hall',
      {
        calibration: [
          { camera: [0, 0], plan: [0, 0] },
          { camera: [640, 0], plan: [20, 0] },
          { camera: [640, 360], plan: [20, 12] },
          { camera: [0, 360], plan: [0, 12] },
        ],
        zones: [
          {
            id: 'door',
            kind: 'passing',
            polygon: [
              [0, 0],
              [160, 0],
              [160, 360],
              [0, 360],
            ],
          },
          {
            id: 'waiting',
            kind: 'waiting',
            polygon: [
              [160, 0],
              [480, 0],
              [480, 360],
              [160, 360],
            ],
          },
          {
            id: 'counter',
            kind: 'service-point',
            polygon: [
              [480, 0],
              [640, 0],
              [640, 360],
              [480, 360],
            ],
          },
        ],
      },
      seedNow,
    );
  }
  const city = syntheticCity(sites, { seed: 7, cellMetres: 1000, reachKm: 6 });
  for (const kind of ['population', 'pois', 'competitors'] as const) {
    await importSurroundings(
      db,
      { kind, format: 'geojson', name: `synthetic-${kind}.geojson`, text: city[kind] },
      seedNow,
    );
  }
}

/** A SQLite cloud store with two branches' week of figures, sites, cameras and a city. */
export async function seedStore(url: string) {
  const store = await openStore({ url }, testContext(seedNow));
  await syncBranches(store.db, seedBranches, seedNow);
  await seedRecords(store);
  await seedPlaces(store);
  await store.close();
}
