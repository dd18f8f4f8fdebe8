import { z } from 'zod';

/** The age groups census data comes in; the branch's own bands are mapped onto them. */
export const ageGroups = ['0-14', '15-24', '25-44', '45-64', '65+'] as const;
export type AgeGroup = (typeof ageGroups)[number];

const Longitude = z.coerce.number().min(-180).max(180);
const Latitude = z.coerce.number().min(-90).max(90);
const Count = z.coerce.number().finite().nonnegative();
const Year = z.coerce.number().int().min(1900).max(2200);
const blankToUndefined = (value: unknown) => (value === '' || value === null ? undefined : value);

export const AreaRow = z.object({
  longitude: Longitude,
  latitude: Latitude,
  /** The cell's or census area's outline, GeoJSON only; a point otherwise. */
  geometry: z.unknown().optional(),
  population: Count,
  year: z.preprocess(blankToUndefined, Year.optional()),
  /** Yearly income or consumption level per person, in the bank's currency. */
  income: z.preprocess(blankToUndefined, Count.optional()),
  /** The bank's own customers living in the cell (a count). */
  customers: z.preprocess(blankToUndefined, Count.optional()),
  ages: z.partialRecord(z.enum(ageGroups), Count).default({}),
});
export type AreaRow = z.output<typeof AreaRow>;

export const PoiCategory = z.enum([
  'mall',
  'school',
  'hospital',
  'car-dealer',
  'residential',
  'office',
  'supermarket',
  'restaurant',
  'transit',
  'other',
]);
export type PoiCategory = z.output<typeof PoiCategory>;

export const PoiRow = z.object({
  longitude: Longitude,
  latitude: Latitude,
  category: PoiCategory,
  name: z.string().max(300).default(''),
});

export const CompetitorRow = z.object({
  longitude: Longitude,
  latitude: Latitude,
  name: z.string().min(1).max(300),
  brand: z.string().max(300).default(''),
});

/** OpenStreetMap tags onto our categories, first match wins. */
const osmCategories: Array<[string, RegExp, PoiCategory]> = [
  ['shop', /^(mall|department_store)$/, 'mall'],
  ['amenity', /^(school|kindergarten|college|university)$/, 'school'],
  ['amenity', /^(hospital|clinic|doctors)$/, 'hospital'],
  ['shop', /^car$/, 'car-dealer'],
  ['landuse', /^residential$/, 'residential'],
  ['building', /^(apartments|residential)$/, 'residential'],
  ['office', /./, 'office'],
  ['shop', /^supermarket$/, 'supermarket'],
  ['amenity', /^(restaurant|cafe|fast_food)$/, 'restaurant'],
  ['public_transport', /./, 'transit'],
];

/** A POI's category: its own `category` property, else what its OSM tags say. */
export function poiCategory(properties: Record<string, unknown>): unknown {
  if (properties.category !== undefined) return properties.category;

  for (const [tag, pattern, category] of osmCategories) {
    const value = properties[tag];
    if (typeof value === 'string' && pattern.test(value)) return category;
  }
  return 'other';
}

/** CSV columns `age_0_14` ... `age_65_plus` into the `ages` record. */
export function agesFromColumns(record: Record<string, string>): Record<string, string> {
  const ages: Record<string, string> = {};
  for (const group of ageGroups) {
    const column = `age_${group.replace('-', '_').replace('+', '_plus')}`;
    if (record[column] !== undefined && record[column] !== '') ages[group] = record[column];
  }
  return ages;
}
