import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSite, seedDemoCity } from '../../cli/demo-city.ts';
import { type Cloud, startCloud } from '../../cloud/index.ts';
import { insightsDb } from '../../cloud/insights/index.ts';
import { openStore } from '../../cloud/store/index.ts';
import { syntheticCity } from '../../simulator/index.ts';
import {
  adminPassword,
  sqliteTarget,
  tempFolder,
  testConfig,
  testContext,
} from '../cloud/support.ts';

const branch = { id: 'sz-futian', name: 'Futian', timeZone: 'Asia/Shanghai', region: 'south' };
const folder = tempFolder('sb-demo-city-');
const target = sqliteTarget(folder.path);
let cloud: Cloud;

beforeAll(async () => {
  cloud = await startCloud(testConfig(target, { branches: [branch] }), testContext());
});

afterAll(async () => {
  await cloud?.stop();
  folder.remove();
});

describe('the demo synthetic city', () => {
  it('is the same city for the same seed, and labels every feature synthetic', () => {
    const site = { id: branch.id, ...demoSite };
    const first = syntheticCity([site], { seed: 7 });
    const again = syntheticCity([site], { seed: 7 });
    const other = syntheticCity([site], { seed: 8 });

    const features = [first.population, first.pois, first.competitors].flatMap(
      (text) => JSON.parse(text).features as Array<{ properties: { synthetic?: boolean } }>,
    );
    expect(again).toEqual(first);
    expect(other.pois).not.toBe(first.pois);
    expect(first.label).toBe('SYNTHETIC');
    expect(features.length).toBeGreaterThan(100);
    expect(features.every((feature) => feature.properties.synthetic === true)).toBe(true);
  });

  it('gives the demo branch a site and a catchment through the API, every row accepted', async () => {
    const reports = await seedDemoCity(
      cloud.httpUrl,
      { username: 'admin', password: adminPassword },
      branch.id,
      7,
    );
    const login = await fetch(`${cloud.httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const profile = await (
      await fetch(`${cloud.httpUrl}/api/insights/branches/${branch.id}/catchment`, {
        headers: { cookie },
      })
    ).json();
    const store = await openStore(target, testContext());
    const imports = await insightsDb(store.db)
      .selectFrom('insights_imports')
      .select('file_name')
      .execute();
    await store.close();

    expect(reports.map((report) => report.kind)).toEqual(['population', 'pois', 'competitors']);
    expect(reports.every((report) => report.accepted > 0 && report.rejected === 0)).toBe(true);
    expect(profile.rings.map((ring: { km: number }) => ring.km)).toEqual([1, 3, 5]);
    expect(profile.rings[1].population).toBeGreaterThan(1000);
    expect(profile.rings[1].trend.map((year: { year: number }) => year.year)).toEqual([
      2023, 2024, 2025,
    ]);
    expect(profile.nearestCompetitor.name).toMatch(/^Synthetic /);
    expect(typeof profile.theme.theme).toBe('string');
    expect(imports.map((row) => row.file_name).sort()).toEqual([
      'SYNTHETIC city competitors.geojson',
      'SYNTHETIC city pois.geojson',
      'SYNTHETIC city population.geojson',
    ]);
  });

  it('names the step that failed when the cloud refuses the login', async () => {
    const refused = seedDemoCity(
      cloud.httpUrl,
      { username: 'admin', password: 'not the password' },
      branch.id,
      7,
    );

    await expect(refused).rejects.toThrow(/demo city: login answered 401/);
  });
});
