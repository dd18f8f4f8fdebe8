import { describe, expect, it } from 'vitest';
import {
  catchmentProfile,
  customerMix,
  figures,
  InsightsConfig,
  importSurroundings,
  insightsDb,
  recommendTheme,
  segmentsOf,
  selectBranchesByCatchment,
  setSite,
} from '../../../cloud/insights/index.ts';
import { demographicsHour, dialects, ingest, openTestStore } from './fixtures.ts';

const now = Date.UTC(2026, 2, 1);
const config = InsightsConfig.parse({});
// turf's mean earth radius: a km north is this many degrees of latitude.
const degreesPerKm = 180 / Math.PI / 6371.0088;
const site = { longitude: 121, latitude: 31 };
const north = (km: number) => [site.longitude, site.latitude + km * degreesPerKm];

const feature = (coordinates: number[], properties: Record<string, unknown>) =>
  JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates }, properties });

function collection(features: string[]) {
  return `{"type":"FeatureCollection","features":[\n${features.join(',\n')}\n]}`;
}

const ages = (population: number) => ({
  '0-14': population * 0.1,
  '15-24': population * 0.1,
  '25-44': population * 0.4,
  '45-64': population * 0.3,
  '65+': population * 0.1,
});

const cells = [
  [0.5, 100],
  [2.99, 200],
  [3.01, 400],
  [4.9, 800],
  [6, 1600],
].map(([km, population]) =>
  feature(north(km ?? 0), { population, year: 2025, ages: ages(population ?? 0), customers: 10 }),
);

describe.each(dialects)('catchment profiles on %s', (dialect) => {
  it('counts people, POIs and competitors inside 1, 3 and 5 km as computed by hand', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    await setSite(db, 'shanghai', site, now);
    await importSurroundings(
      db,
      { kind: 'population', format: 'geojson', name: 'grid', text: collection(cells) },
      now,
    );
    const pois = [
      feature(north(0.8), { shop: 'mall', name: 'Mall' }),
      feature(north(2.95), { amenity: 'school', name: 'Inside' }),
      feature(north(3.05), { amenity: 'school', name: 'Outside' }),
    ];
    await importSurroundings(
      db,
      { kind: 'pois', format: 'geojson', name: 'osm', text: collection(pois) },
      now,
    );
    const rivals =
      'longitude,latitude,name,brand\n' +
      `${north(2).join(',')},Rival Near,Other Bank\n${north(4).join(',')},Rival Far,Other Bank\n`;
    await importSurroundings(
      db,
      { kind: 'competitors', format: 'csv', name: 'rivals', text: rivals },
      now,
    );

    const profile = await catchmentProfile(db, 'shanghai');

    expect(profile.rings.map((ring) => ring.population)).toEqual([100, 300, 1500]);
    expect(profile.rings[1]?.ages['25-44']).toBeCloseTo(120);
    expect(profile.rings[1]?.pois).toEqual({ mall: 1, school: 1 });
    expect(profile.rings[2]?.pois).toEqual({ mall: 1, school: 2 });
    expect(profile.rings.map((ring) => ring.competitors)).toEqual([0, 1, 2]);
    expect(profile.rings[1]?.penetration).toBeCloseTo(20 / 300);
    expect(profile.nearestCompetitor?.name).toBe('Rival Near');
    expect(profile.nearestCompetitor?.distanceKm).toBeCloseTo(2, 6);
  });

  it('gives the trend, penetration per ring, overlap, customer mix and segments', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    await setSite(db, 'shanghai', site, now);
    // An own branch 3.6 km north: within 3 km of it are the 2.99 km cell, not the 0.5 km one.
    await setSite(db, 'beijing', { longitude: 121, latitude: 31 + 3.6 * degreesPerKm }, now);
    const header = 'longitude,latitude,year,population,income,customers,';
    const agesHeader = 'age_0_14,age_15_24,age_25_44,age_45_64,age_65_plus';
    const row = (km: number, year: number, population: number, customers: string) => [
      ...north(km),
      year,
      population,
      50_000,
      customers,
      ...Object.values(ages(population)),
    ];
    const csv = [
      header + agesHeader,
      row(0.5, 2023, 100, ''),
      row(4.9, 2023, 700, ''),
      row(0.5, 2025, 120, '10'),
      row(2.99, 2025, 200, '20'),
      row(4.9, 2025, 800, '40'),
    ]
      .map((line) => (Array.isArray(line) ? line.join(',') : line))
      .join('\n');
    const report = await importSurroundings(
      db,
      { kind: 'population', format: 'csv', name: 'census.csv', text: csv },
      now,
    );
    await ingest(
      store,
      'gw-shanghai',
      'audience',
      [demographicsHour(1, Date.UTC(2026, 1, 2))],
      now,
    );
    const segmentConfig = InsightsConfig.parse({
      segments: [
        { id: 'families-3km', figure: 'age.0-14', ringKm: 3, atLeast: 50 },
        { id: 'seniors-1km', figure: 'age.65+', ringKm: 1, atLeast: 5 },
      ],
    });

    const profile = await catchmentProfile(db, 'shanghai');
    const measured = await figures(db, {
      branches: ['shanghai'],
      from: '2026-02-01',
      to: '2026-02-28',
    });
    const mix = customerMix(profile, measured.demographics);

    expect(report.accepted).toBe(5);
    expect(profile.rings.map((ring) => ring.trend)).toEqual([
      [
        { year: 2023, population: 100 },
        { year: 2025, population: 120 },
      ],
      [
        { year: 2023, population: 100 },
        { year: 2025, population: 320 },
      ],
      [
        { year: 2023, population: 800 },
        { year: 2025, population: 1120 },
      ],
    ]);
    expect(profile.rings.map((ring) => ring.customers)).toEqual([10, 30, 70]);
    expect(profile.rings[0]?.penetration).toBeCloseTo(10 / 120, 12);
    expect(profile.rings[1]?.penetration).toBeCloseTo(30 / 320, 12);
    expect(profile.rings[2]?.penetration).toBeCloseTo(70 / 1120, 12);
    expect(profile.rings[1]?.income).toBe(50_000);
    expect(profile.neighbours).toEqual([
      {
        branch: 'beijing',
        distanceKm: expect.closeTo(3.6, 6),
        sharedPopulation3km: 200,
        overlapShare3km: 200 / 320,
      },
    ]);
    // Inside: 25-34 ×8 and 35-44..45-54 ×7 spread over two bands, so 11.5 of 15 are 25-44.
    // Around (3 km): 20% 0-24, 40% 25-44, 30% 45-64, 10% 65+.
    expect(mix.measuredPeople).toBe(20);
    expect(mix.groups.find((group) => group.group === '25-44')?.branchShare).toBeCloseTo(
      11.5 / 15,
      12,
    );
    expect(mix.groups.find((group) => group.group === '45-64')?.gap).toBeCloseTo(
      3.5 / 15 - 0.3,
      12,
    );
    expect(mix.unreached).toEqual(['0-24', '45-64', '65+']);
    // By hand: 32 children within 3 km of shanghai, 100 of beijing; 12 and 20 seniors in 1 km.
    expect(segmentsOf(profile, segmentConfig).map((segment) => segment.id)).toEqual([
      'seniors-1km',
    ]);
    expect(
      segmentsOf(await catchmentProfile(db, 'beijing'), segmentConfig).map((each) => each.id),
    ).toEqual(['families-3km', 'seniors-1km']);
    expect(
      await selectBranchesByCatchment(db, { segments: ['families-3km'] }, segmentConfig),
    ).toEqual(['beijing']);
  });

  it('keeps the good rows of an import and names each bad one by its line', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const csv = [
      'longitude,latitude,population,year,age_0_14',
      '121.0,31.0,100,2025,10',
      '121.0,31.0,-5,2025,1',
      '121.0,31.0,50,2025,',
      '121.0,95.0,70,2025,7',
    ].join('\n');
    const geojson = collection([
      feature([121, 31], { population: 5 }),
      '{"type":"Feature","geometry":null,"properties":{"population":3}}',
    ]);

    const fromCsv = await importSurroundings(
      db,
      { kind: 'population', format: 'csv', name: 'census.csv', text: csv },
      now,
    );
    const fromGeojson = await importSurroundings(
      db,
      { kind: 'population', format: 'geojson', name: 'grid.geojson', text: geojson },
      now,
    );

    expect(fromCsv.accepted).toBe(2);
    expect(fromCsv.problems.map(({ line, path }) => ({ line, path }))).toEqual([
      { line: 3, path: 'population' },
      { line: 5, path: 'latitude' },
    ]);
    // A minified export holds every feature on line 1: each is still kept or named.
    const minified = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        JSON.parse(feature([121, 31], { amenity: 'school', name: 'A' })),
        JSON.parse(feature([121, 31.001], { amenity: 'school', name: 'B' })),
        JSON.parse(feature([121, 195], { amenity: 'school', name: 'C' })),
      ],
    });
    const fromMinified = await importSurroundings(
      db,
      { kind: 'pois', format: 'geojson', name: 'osm.min.geojson', text: minified },
      now,
    );

    expect(fromMinified.accepted).toBe(2);
    expect(fromMinified.problems.map(({ line, path }) => ({ line, path }))).toEqual([
      { line: 1, path: 'latitude' },
    ]);
    expect(fromGeojson.accepted).toBe(1);
    expect(fromGeojson.problems.map(({ line, path }) => ({ line, path }))).toEqual([
      { line: 3, path: 'longitude' },
    ]);
  });

  it('recommends a mall theme next to malls and a home theme among housing, with reasons', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const mallSite = site;
    const homeSite = { longitude: 121.3, latitude: 31 };
    await setSite(db, 'shanghai', mallSite, now);
    await setSite(db, 'beijing', homeSite, now);
    const near = (base: typeof site, km: number) => [
      base.longitude,
      base.latitude + km * degreesPerKm,
    ];
    const pois = [
      feature(near(mallSite, 0.3), { shop: 'mall', name: 'One' }),
      feature(near(mallSite, 0.6), { shop: 'department_store', name: 'Two' }),
      ...[0.2, 0.4, 0.6, 0.8].map((km) =>
        feature(near(homeSite, km), { landuse: 'residential', name: `Estate ${km}` }),
      ),
    ];
    await importSurroundings(
      db,
      { kind: 'pois', format: 'geojson', name: 'osm', text: collection(pois) },
      now,
    );

    const mall = recommendTheme(await catchmentProfile(db, 'shanghai'), config);
    const home = recommendTheme(await catchmentProfile(db, 'beijing'), config);

    expect(mall.theme).toBe('shopping-mall');
    expect(mall.reasons.find((reason) => reason.figure === 'poi.mall')).toMatchObject({
      value: 2,
      atLeast: 1,
      holds: true,
    });
    expect(home.theme).toBe('home');
    expect(home.reasons.find((reason) => reason.figure === 'poi.residential')).toMatchObject({
      value: 4,
      atLeast: 3,
      holds: true,
    });
    expect(home.reasons.find((reason) => reason.figure === 'poi.mall')?.holds).toBe(false);
  });

  it('selects exactly the branches whose catchment meets a targeting rule', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    await setSite(db, 'shanghai', site, now);
    await setSite(db, 'beijing', { longitude: 121, latitude: 31 + 2.5 * degreesPerKm }, now);
    await importSurroundings(
      db,
      { kind: 'population', format: 'geojson', name: 'grid', text: collection(cells) },
      now,
    );

    const dense = await selectBranchesByCatchment(
      db,
      { all: [{ figure: 'population', ringKm: 3, atLeast: 1000 }] },
      config,
    );
    const sparse = await selectBranchesByCatchment(
      db,
      { all: [{ figure: 'population', ringKm: 1, atMost: 150 }] },
      config,
    );

    // By hand: beijing sits 2.5 km north, so 0.5, 2.99, 3.01 and 4.9 km cells are within 3 km.
    expect(dense).toEqual(['beijing']);
    expect(sparse).toEqual(['shanghai']);
  });
});
