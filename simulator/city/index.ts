/**
 * A SYNTHETIC city around the demo branches: a population grid, points of interest and
 * competitors, written as the GeoJSON files a bank would import, so the catchment profile
 * shows something without any outside data. Every feature says `synthetic: true`; nothing
 * here describes a real place.
 */
import { type Random, random } from '../random.ts';

export interface CitySite {
  id: string;
  longitude: number;
  latitude: number;
  /** What the surroundings look like: shops next door, or housing estates. Default mixed. */
  character?: 'mall' | 'residential' | 'mixed';
}

export interface CityOptions {
  seed?: number;
  /** Grid cell size, in metres. Default 500. */
  cellMetres?: number;
  /** How far the grid reaches from each branch, in km. Default 6. */
  reachKm?: number;
  /** Years of population given, newest last. Default [2023, 2024, 2025]. */
  years?: number[];
}

export interface SyntheticCity {
  label: 'SYNTHETIC';
  population: string;
  pois: string;
  competitors: string;
}

const metresPerDegree = 111_320;

function offset(site: CitySite, eastMetres: number, northMetres: number): [number, number] {
  const cos = Math.cos((site.latitude * Math.PI) / 180);
  return [
    site.longitude + eastMetres / (metresPerDegree * cos),
    site.latitude + northMetres / metresPerDegree,
  ];
}

function point(coordinates: [number, number], properties: Record<string, unknown>) {
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates },
    properties: { synthetic: true, ...properties },
  };
}

function cells(site: CitySite, rng: Random, options: Required<CityOptions>) {
  const features = [];
  const steps = Math.floor((options.reachKm * 1000) / options.cellMetres);
  for (let east = -steps; east <= steps; east += 1) {
    for (let north = -steps; north <= steps; north += 1) {
      const distanceKm = (Math.hypot(east, north) * options.cellMetres) / 1000;
      const density = 900 * Math.exp(-distanceKm / 4) * (0.6 + rng.next() * 0.8);
      const families = site.character === 'residential' ? 0.22 : 0.12;
      const where = offset(site, east * options.cellMetres, north * options.cellMetres);
      for (const [index, year] of options.years.entries()) {
        const population = Math.round(density * (1 + 0.02 * (index - options.years.length + 1)));
        features.push(
          point(where, {
            year,
            population,
            income: Math.round(60_000 + rng.next() * 90_000),
            customers: Math.round(population * (0.05 + rng.next() * 0.1)),
            ages: {
              '0-14': Math.round(population * families),
              '15-24': Math.round(population * 0.12),
              '25-44': Math.round(population * 0.32),
              '45-64': Math.round(population * (0.44 - families)),
              '65+': Math.round(population * 0.1),
            },
          }),
        );
      }
    }
  }
  return features;
}

const categoryWeights = {
  mall: {
    mall: 6,
    school: 1,
    office: 4,
    restaurant: 6,
    residential: 1,
    'car-dealer': 1,
    hospital: 1,
  },
  residential: {
    mall: 0.2,
    school: 4,
    office: 1,
    restaurant: 2,
    residential: 8,
    'car-dealer': 1,
    hospital: 1,
  },
  mixed: {
    mall: 1,
    school: 2,
    office: 3,
    restaurant: 3,
    residential: 3,
    'car-dealer': 2,
    hospital: 1,
  },
} as const;

function pois(site: CitySite, rng: Random) {
  const weights = categoryWeights[site.character ?? 'mixed'];
  return Array.from({ length: 60 }, (_, index) => {
    const category = rng.pick(weights);
    // Most points lie near the branch, where its character shows.
    const distance = rng.exponential(1500);
    const angle = rng.next() * 2 * Math.PI;
    const where = offset(site, distance * Math.cos(angle), distance * Math.sin(angle));
    return point(where, { category, name: `Synthetic ${category} ${site.id}-${index + 1}` });
  });
}

function competitors(site: CitySite, rng: Random) {
  const brands = ['Synthetic Savings Bank', 'Synthetic Commerce Bank', 'Synthetic Post Bank'];
  return Array.from({ length: 6 }, (_, index) => {
    const distance = 400 + rng.next() * 4000;
    const angle = rng.next() * 2 * Math.PI;
    const where = offset(site, distance * Math.cos(angle), distance * Math.sin(angle));
    const brand = brands[index % brands.length] ?? 'Synthetic Bank';
    return point(where, { name: `${brand} ${site.id}-${index + 1}`, brand });
  });
}

const collection = (features: unknown[]) =>
  JSON.stringify({ type: 'FeatureCollection', features }, null, 1);

/**
 * The city as three GeoJSON texts, ready for `importSurroundings` (population, pois,
 * competitors) or `POST /api/insights/imports`. Same seed, same city.
 */
export function syntheticCity(sites: readonly CitySite[], input: CityOptions = {}): SyntheticCity {
  const options: Required<CityOptions> = {
    seed: input.seed ?? 1,
    cellMetres: input.cellMetres ?? 500,
    reachKm: input.reachKm ?? 6,
    years: input.years ?? [2023, 2024, 2025],
  };
  const population = [];
  const places = [];
  const rivals = [];
  for (const site of sites) {
    population.push(...cells(site, random(options.seed, `cells ${site.id}`), options));
    places.push(...pois(site, random(options.seed, `pois ${site.id}`)));
    rivals.push(...competitors(site, random(options.seed, `competitors ${site.id}`)));
  }
  return {
    label: 'SYNTHETIC',
    population: collection(population),
    pois: collection(places),
    competitors: collection(rivals),
  };
}
