import { syntheticCity } from '../simulator/index.ts';
import { hqSession } from './hq-session.ts';

/** Where the demo branch stands on the map: Futian, Shenzhen. Its surroundings are made up. */
export const demoSite = { longitude: 114.0579, latitude: 22.5431, areaM2: 320 };

const kinds = ['population', 'pois', 'competitors'] as const;

export interface CityReport {
  kind: (typeof kinds)[number];
  accepted: number;
  rejected: number;
}

/**
 * Gives a branch its site and imports a SYNTHETIC city around it (population grid, points of
 * interest, competitors) through the cloud's API, as HQ imports a bank's files, so the
 * catchment pages show something without any outside data. Each import is named SYNTHETIC.
 */
export async function seedDemoCity(
  cloudUrl: string,
  admin: { username: string; password: string },
  branch: string,
  seed: number,
): Promise<CityReport[]> {
  const { call, expectOk } = await hqSession(cloudUrl, admin, 'demo city');
  await expectOk(
    await call('PUT', `/api/insights/branches/${encodeURIComponent(branch)}/site`, demoSite),
    'site',
  );

  const city = syntheticCity([{ id: branch, ...demoSite, character: 'mixed' }], { seed });
  const reports: CityReport[] = [];
  for (const kind of kinds) {
    const name = encodeURIComponent(`SYNTHETIC city ${kind}.geojson`);
    const response = await expectOk(
      await call(
        'POST',
        `/api/insights/imports?kind=${kind}&name=${name}`,
        city[kind],
        'application/geo+json',
      ),
      `${kind} import`,
    );
    const report = (await response.json()) as { accepted: number; rejected: number };
    reports.push({ kind, accepted: report.accepted, rejected: report.rejected });
  }
  return reports;
}
