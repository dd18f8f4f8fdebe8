import { describe, expect, it } from 'vitest';
import {
  beforeAfter,
  flows,
  heatMap,
  homography,
  insightsDb,
  perSquareMetre,
  planZones,
  project,
  setCamera,
  setSite,
} from '../../../cloud/insights/index.ts';
import type { UplinkRecord } from '../../../protocol/index.ts';
import {
  dialects,
  flowHour,
  ingest,
  lineMinute,
  openTestStore,
  queueMinute,
  zoneMinute,
} from './fixtures.ts';

const now = Date.UTC(2026, 3, 1);
const minute = 60_000;
const week = 7 * 86_400_000;
// 10:00 and 11:00 in Shanghai on Monday 9 March 2026.
const ten = Date.UTC(2026, 2, 9, 2);
const eleven = ten + 3_600_000;

// 100 camera pixels a metre, the plan 10 m × 8 m: zones of 4 × 3 m and 4 × 2 m.
const camera = {
  calibration: [
    { camera: [0, 0], plan: [0, 0] },
    { camera: [1000, 0], plan: [10, 0] },
    { camera: [1000, 800], plan: [10, 8] },
    { camera: [0, 800], plan: [0, 8] },
  ] as Array<{ camera: [number, number]; plan: [number, number] }>,
  zones: [
    {
      id: 'waiting',
      kind: 'waiting' as const,
      polygon: [
        [0, 0],
        [400, 0],
        [400, 300],
        [0, 300],
      ] as Array<[number, number]>,
    },
    {
      id: 'counter',
      kind: 'service-point' as const,
      polygon: [
        [600, 0],
        [1000, 0],
        [1000, 200],
        [600, 200],
      ] as Array<[number, number]>,
    },
  ],
};

/** One day of the branch, `shift` weeks after 9 March, with `entries` an hour. */
function day(shift: number, entries: number, firstSeq: number): UplinkRecord[] {
  const at = (instant: number) => instant + shift * week;
  const records = [
    lineMinute(0, at(ten), entries),
    lineMinute(0, at(eleven), entries),
    zoneMinute(0, at(ten), 'waiting', { occupancyMean: 3 }),
    zoneMinute(0, at(ten) + minute, 'waiting', { occupancyMean: 3 }),
    zoneMinute(0, at(eleven), 'counter', { occupancyMean: 1 }, 'service-point'),
    flowHour(0, at(ten), [
      ['door', 'waiting', 12],
      ['waiting', 'counter', 9],
      ['counter', 'waiting', 2],
    ]),
  ];
  return records.map((record, index) => ({ ...record, seq: firstSeq + index }));
}

describe('four-point calibration from camera to plan', () => {
  it('maps the corners exactly and the crossing of the diagonals onto the plan centre', () => {
    // A floor seen in perspective: the far edge (top of the image) looks shorter.
    const transform = homography([
      { camera: [100, 400], plan: [0, 10] },
      { camera: [500, 400], plan: [10, 10] },
      { camera: [400, 100], plan: [10, 0] },
      { camera: [200, 100], plan: [0, 0] },
    ]);

    const corner = project(transform, [400, 100]);
    // The diagonals (100,400)–(400,100) and (500,400)–(200,100) cross at (300,200) by hand.
    const centre = project(transform, [300, 200]);

    expect(corner[0]).toBeCloseTo(10, 9);
    expect(corner[1]).toBeCloseTo(0, 9);
    expect(centre[0]).toBeCloseTo(5, 9);
    expect(centre[1]).toBeCloseTo(5, 9);
  });

  it('refuses a calibration with three points on one line, naming it', () => {
    const degenerate = () =>
      homography([
        { camera: [0, 0], plan: [0, 0] },
        { camera: [100, 0], plan: [1, 0] },
        { camera: [200, 0], plan: [2, 0] },
        { camera: [0, 100], plan: [0, 1] },
      ]);

    expect(degenerate).toThrow(
      expect.objectContaining({ code: 'SB_ERR_INVALID_REQUEST', path: 'calibration' }),
    );
  });
});

describe.each(dialects)('the branch as a place on %s', (dialect) => {
  it('maps zones onto the plan and draws occupancy and dwell per m² by hour', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    await setSite(db, 'shanghai', { areaM2: 100, planWidthM: 10, planHeightM: 8 }, now);
    await setCamera(db, 'shanghai', 'hall', camera, now);
    await ingest(store, 'gw-shanghai', 'audience', day(0, 40, 1), now);

    const zones = await planZones(db, 'shanghai');
    const heat = await heatMap(db, 'shanghai', { from: '2026-03-09', to: '2026-03-09' });

    expect(zones.map(({ zone, areaM2 }) => ({ zone, areaM2 }))).toEqual([
      { zone: 'waiting', areaM2: expect.closeTo(12, 9) },
      { zone: 'counter', areaM2: expect.closeTo(8, 9) },
    ]);
    expect(zones[1]?.polygon[2]?.[0]).toBeCloseTo(10, 9);
    expect(zones[1]?.polygon[2]?.[1]).toBeCloseTo(2, 9);
    const waiting = heat.find((zone) => zone.zone === 'waiting')?.hours ?? [];
    const counter = heat.find((zone) => zone.zone === 'counter')?.hours ?? [];
    expect(waiting).toHaveLength(24);
    // 2 minutes at a mean of 3 people: 6 person-minutes, 360 person-seconds over 12 m².
    expect(waiting[10]).toEqual({ hour: 10, occupancy: 3, dwellSecondsPerM2: 30 });
    expect(waiting[11]).toEqual({ hour: 11, occupancy: 0, dwellSecondsPerM2: 0 });
    expect(counter[11]).toEqual({ hour: 11, occupancy: 1, dwellSecondsPerM2: 7.5 });
  });

  it('gives the zone-to-zone flow as Sankey links, a move back as its own pair of nodes', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    await ingest(store, 'gw-shanghai', 'audience', day(0, 40, 1), now);

    const sankey = await flows(db, 'shanghai', { from: '2026-03-09', to: '2026-03-09' });

    expect(sankey.links.map(({ source, target, value }) => [source, target, value])).toEqual([
      ['door ›', '› waiting', 12],
      ['waiting ›', '› counter', 9],
      ['counter ›', '› waiting', 2],
    ]);
    expect(sankey.nodes.map((node) => node.name).sort()).toEqual(
      ['counter ›', 'door ›', 'waiting ›', '› counter', '› waiting'].sort(),
    );
  });

  it('gives figures per m² and sets two periods side by side', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    await setSite(db, 'shanghai', { areaM2: 100 }, now);
    const served = (seq: number, at: number, count: number) =>
      queueMinute(seq, at, { issued: count, served: count, waitSeconds: 60, withinTarget: count });
    await ingest(store, 'gw-shanghai', 'audience', [...day(0, 40, 1), ...day(1, 80, 100)], now);
    await ingest(
      store,
      'gw-shanghai',
      'queue',
      [served(1, ten, 5), served(2, ten + week, 10)],
      now,
    );

    const first = await perSquareMetre(db, 'shanghai', { from: '2026-03-09', to: '2026-03-09' });
    const compared = await beforeAfter(
      db,
      'shanghai',
      { from: '2026-03-09', to: '2026-03-09' },
      { from: '2026-03-16', to: '2026-03-16' },
    );

    // 80 entries over 2 open hours and 100 m²; 7 person-minutes; 5 tickets served.
    expect(first).toEqual({
      areaM2: 100,
      openHours: 2,
      visitorsPerM2PerHour: 0.4,
      dwellSecondsPerM2: 4.2,
      ticketsServedPerM2: 0.05,
    });
    expect(compared.figures.entries).toEqual({
      before: 80,
      after: 160,
      change: 80,
      changeShare: 1,
    });
    expect(compared.figures.visitorsPerM2PerHour).toMatchObject({ before: 0.4, after: 0.8 });
    expect(compared.figures.ticketsServedPerM2).toMatchObject({ before: 0.05, after: 0.1 });
    expect(compared.figures.dwellSecondsPerM2.change).toBeCloseTo(0, 9);
  });
});
