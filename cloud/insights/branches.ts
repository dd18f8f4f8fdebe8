import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import type { InsightsDb } from './schema.ts';

/** Which branches a question is about: a list, a region, a theme, or all of them. */
export const BranchFilter = z.strictObject({
  branches: z.array(z.string().min(1).max(200)).max(5000).optional(),
  region: z.string().min(1).max(100).optional(),
  theme: z.string().min(1).max(100).optional(),
});
export type BranchFilter = z.output<typeof BranchFilter>;

export interface BranchPlace {
  id: string;
  name: string;
  timeZone: string;
  region: string | null;
  theme: string | null;
  longitude: number | null;
  latitude: number | null;
  areaM2: number | null;
}

/** Every branch with its site (where HQ has set one), in id order. */
export async function branchPlaces(db: InsightsDb, filter: BranchFilter = {}) {
  let query = db
    .selectFrom('branches')
    .leftJoin('insights_sites', 'insights_sites.branch', 'branches.id')
    .select([
      'branches.id as id',
      'branches.name as name',
      'branches.time_zone as timeZone',
      'branches.region as region',
      'insights_sites.theme as theme',
      'insights_sites.longitude as longitude',
      'insights_sites.latitude as latitude',
      'insights_sites.area_m2 as areaM2',
    ])
    .orderBy('branches.id');
  if (filter.branches) query = query.where('branches.id', 'in', filter.branches);
  if (filter.region) query = query.where('branches.region', '=', filter.region);
  if (filter.theme) query = query.where('insights_sites.theme', '=', filter.theme);
  if (filter.branches?.length === 0) return [];

  return (await query.execute()) as BranchPlace[];
}

export async function branchPlace(db: InsightsDb, id: string): Promise<BranchPlace> {
  const [place] = await branchPlaces(db, { branches: [id] });
  if (!place) throw new SmartBranchError('SB_ERR_NOT_FOUND', `branch ${id}`, 'branch');
  return place;
}
