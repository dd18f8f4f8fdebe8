import { area, circle, distance, featureCollection, intersect } from '@turf/turf';
import type { MultiPolygon, Polygon } from 'geojson';
import { SmartBranchError } from '../../../core/index.ts';
import { type BranchPlace, branchPlace, branchPlaces } from '../branches.ts';
import type { InsightsDb } from '../schema.ts';
import { type AgeGroup, ageGroups } from './rows.ts';

export const rings = [1, 3, 5] as const;
export type RingKm = (typeof rings)[number];
const outerKm = 5;
// Own branches closer than this share part of a 5 km ring.
const neighbourKm = 2 * outerKm;

export interface Ring {
  km: RingKm;
  population: number;
  ages: Record<AgeGroup, number>;
  /** Population-weighted mean income of the latest year, or null without income data. */
  income: number | null;
  customers: number;
  /** The bank's customers per inhabitant, or null without population. */
  penetration: number | null;
  /** Population per year given in the imports, oldest first. */
  trend: Array<{ year: number; population: number }>;
  pois: Record<string, number>;
  competitors: number;
}

interface AreaPoint {
  year: number | null;
  longitude: number;
  latitude: number;
  geometry: Polygon | MultiPolygon | null;
  population: number;
  ages: Partial<Record<AgeGroup, number>>;
  income: number | null;
  customers: number | null;
}

interface PlacePoint {
  kind: string;
  category: string;
  name: string;
  longitude: number;
  latitude: number;
}

/** A bounding box a little wider than the outer ring, so the database filters first. */
function box(site: { longitude: number; latitude: number }, km: number) {
  const latitudeDegrees = (km / 111) * 1.2;
  const longitudeDegrees =
    latitudeDegrees / Math.max(0.05, Math.cos((site.latitude * Math.PI) / 180));
  return {
    west: site.longitude - longitudeDegrees,
    east: site.longitude + longitudeDegrees,
    south: site.latitude - latitudeDegrees,
    north: site.latitude + latitudeDegrees,
  };
}

async function nearby(db: InsightsDb, site: { longitude: number; latitude: number }, km: number) {
  const bounds = box(site, km);
  const inBox = <T extends 'insights_areas' | 'insights_places'>(table: T) =>
    db
      .selectFrom(table as 'insights_areas')
      .selectAll()
      .where('longitude', '>=', bounds.west)
      .where('longitude', '<=', bounds.east)
      .where('latitude', '>=', bounds.south)
      .where('latitude', '<=', bounds.north);
  const areas = (await inBox('insights_areas').execute()).map((row) => ({
    ...row,
    geometry: row.geometry ? (JSON.parse(row.geometry) as Polygon | MultiPolygon) : null,
    ages: JSON.parse(row.ages) as AreaPoint['ages'],
  }));
  const places = (await inBox('insights_places').execute()) as unknown as PlacePoint[];
  return { areas: areas as AreaPoint[], places };
}

/** The share of an area inside a ring: by its outline when it has one, else by its point. */
function shareInside(site: [number, number], ring: RingKm, cell: AreaPoint): number {
  if (!cell.geometry) {
    return distance(site, [cell.longitude, cell.latitude], { units: 'kilometers' }) <= ring ? 1 : 0;
  }

  const disc = circle(site, ring, { units: 'kilometers', steps: 128 });
  const outline = { type: 'Feature' as const, geometry: cell.geometry, properties: {} };
  const overlap = intersect(featureCollection([disc, outline]));
  return overlap ? area(overlap) / area(outline) : 0;
}

function latestYear(cells: AreaPoint[]): number | null {
  const years = cells.map((cell) => cell.year).filter((year): year is number => year !== null);
  return years.length ? Math.max(...years) : null;
}

function ringFigures(site: [number, number], km: RingKm, cells: AreaPoint[], places: PlacePoint[]) {
  const latest = latestYear(cells);
  const weighted = cells.map((cell) => ({ cell, share: shareInside(site, km, cell) }));
  const current = weighted.filter(({ cell, share }) => share > 0 && cell.year === latest);
  const ages = Object.fromEntries(ageGroups.map((group) => [group, 0])) as Record<AgeGroup, number>;
  let population = 0;
  let customers = 0;
  let incomeWeight = 0;
  let incomeSum = 0;
  for (const { cell, share } of current) {
    population += cell.population * share;
    customers += (cell.customers ?? 0) * share;
    for (const group of ageGroups) ages[group] += (cell.ages[group] ?? 0) * share;
    if (cell.income !== null) {
      incomeWeight += cell.population * share;
      incomeSum += cell.income * cell.population * share;
    }
  }

  const perYear = new Map<number, number>();
  for (const { cell, share } of weighted) {
    if (cell.year !== null && share > 0) {
      perYear.set(cell.year, (perYear.get(cell.year) ?? 0) + cell.population * share);
    }
  }

  const inside = places.filter(
    (place) => distance(site, [place.longitude, place.latitude], { units: 'kilometers' }) <= km,
  );
  const pois: Record<string, number> = {};
  for (const place of inside.filter((entry) => entry.kind === 'poi')) {
    pois[place.category] = (pois[place.category] ?? 0) + 1;
  }

  return {
    km,
    population,
    ages,
    income: incomeWeight > 0 ? incomeSum / incomeWeight : null,
    customers,
    penetration: population > 0 ? customers / population : null,
    trend: [...perYear]
      .sort(([a], [b]) => a - b)
      .map(([year, people]) => ({ year, population: people })),
    pois,
    competitors: inside.filter((entry) => entry.kind === 'competitor').length,
  } satisfies Ring;
}

function nearestCompetitor(site: [number, number], places: PlacePoint[]) {
  const found = places
    .filter((place) => place.kind === 'competitor')
    .map((place) => ({
      name: place.name,
      brand: place.category,
      longitude: place.longitude,
      latitude: place.latitude,
      distanceKm: distance(site, [place.longitude, place.latitude], { units: 'kilometers' }),
    }))
    .sort((a, b) => a.distanceKm - b.distanceKm);
  return found[0] ?? null;
}

/** Own branches within 10 km and the share of this branch's 3 km population they also reach. */
function neighbours(site: [number, number], cells: AreaPoint[], others: BranchPlace[]) {
  const latest = latestYear(cells);
  const current = cells.filter((cell) => cell.year === latest);
  const within = (from: [number, number], cell: AreaPoint) =>
    distance(from, [cell.longitude, cell.latitude], { units: 'kilometers' }) <= 3;
  const own = current.filter((cell) => within(site, cell));
  const ownPopulation = own.reduce((sum, cell) => sum + cell.population, 0);
  return others
    .filter((other) => other.longitude !== null && other.latitude !== null)
    .map((other) => {
      const position: [number, number] = [other.longitude ?? 0, other.latitude ?? 0];
      const shared = own.filter((cell) => within(position, cell));
      const sharedPopulation = shared.reduce((sum, cell) => sum + cell.population, 0);
      return {
        branch: other.id,
        distanceKm: distance(site, position, { units: 'kilometers' }),
        sharedPopulation3km: sharedPopulation,
        overlapShare3km: ownPopulation > 0 ? sharedPopulation / ownPopulation : 0,
      };
    })
    .filter((neighbour) => neighbour.distanceKm <= neighbourKm)
    .sort((a, b) => a.distanceKm - b.distanceKm);
}

/**
 * A branch's surroundings: population, age groups, income, customers and POIs within 1, 3
 * and 5 km, its competitors and the nearest one, and its own neighbouring branches.
 * Distances are on the sphere (turf); areas with an outline count by the share inside.
 */
export async function catchmentProfile(db: InsightsDb, branchId: string) {
  const branch = await branchPlace(db, branchId);
  if (branch.longitude === null || branch.latitude === null) {
    throw new SmartBranchError('SB_ERR_CONFLICT', `branch ${branchId} has no location`, 'branch');
  }

  const site: [number, number] = [branch.longitude, branch.latitude];
  const { areas, places } = await nearby(
    db,
    branch as { longitude: number; latitude: number },
    neighbourKm + 3,
  );
  const others = (await branchPlaces(db)).filter((other) => other.id !== branch.id);
  return {
    branch: branch.id,
    longitude: site[0],
    latitude: site[1],
    rings: rings.map((km) => ringFigures(site, km, areas, places)),
    nearestCompetitor: nearestCompetitor(site, places),
    competitors: places
      .filter((place) => place.kind === 'competitor')
      .filter(
        (place) =>
          distance(site, [place.longitude, place.latitude], { units: 'kilometers' }) <= outerKm,
      )
      .map(({ name, category, longitude, latitude }) => ({
        name,
        brand: category,
        longitude,
        latitude,
      })),
    pois: places
      .filter((place) => place.kind === 'poi')
      .filter(
        (place) =>
          distance(site, [place.longitude, place.latitude], { units: 'kilometers' }) <= outerKm,
      )
      .map(({ name, category, longitude, latitude }) => ({ name, category, longitude, latitude })),
    neighbours: neighbours(site, areas, others),
  };
}
export type CatchmentProfile = Awaited<ReturnType<typeof catchmentProfile>>;
