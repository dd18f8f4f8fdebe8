import { z } from 'zod';
import { SmartBranchError } from '../../../core/index.ts';
import { branchPlace } from '../branches.ts';
import type { InsightsDb } from '../schema.ts';
import { homography, type Point, planArea, project } from './homography.ts';

const Coordinate = z.tuple([z.number().finite(), z.number().finite()]);

export const SiteInput = z.strictObject({
  longitude: z.number().min(-180).max(180).optional(),
  latitude: z.number().min(-90).max(90).optional(),
  /** The branch's floor area, in m². */
  areaM2: z.number().positive().max(1_000_000).optional(),
  /** The floor plan image's width and height on the ground, in metres. */
  planWidthM: z.number().positive().max(10_000).optional(),
  planHeightM: z.number().positive().max(10_000).optional(),
});
export type SiteInput = z.output<typeof SiteInput>;

export const CameraInput = z.strictObject({
  /** Four camera pixels and where each lies on the plan, in metres from its top left. */
  calibration: z.array(z.strictObject({ camera: Coordinate, plan: Coordinate })).length(4),
  zones: z
    .array(
      z.strictObject({
        id: z.string().min(1).max(200),
        kind: z.enum(['service-point', 'waiting', 'passing']).optional(),
        /** The zone's outline in camera pixels, as drawn on the gateway. */
        polygon: z.array(Coordinate).min(3).max(100),
      }),
    )
    .max(100),
});
export type CameraInput = z.output<typeof CameraInput>;

export const planTypes = ['image/png', 'image/jpeg', 'image/svg+xml'] as const;

export async function setSite(db: InsightsDb, branch: string, input: SiteInput, now: number) {
  await branchPlace(db, branch);
  const values = {
    ...(input.longitude !== undefined ? { longitude: input.longitude } : {}),
    ...(input.latitude !== undefined ? { latitude: input.latitude } : {}),
    ...(input.areaM2 !== undefined ? { area_m2: input.areaM2 } : {}),
    ...(input.planWidthM !== undefined ? { plan_width_m: input.planWidthM } : {}),
    ...(input.planHeightM !== undefined ? { plan_height_m: input.planHeightM } : {}),
    updated_at: now,
  };
  await db
    .insertInto('insights_sites')
    .values({ branch, ...values })
    .onConflict((conflict) => conflict.column('branch').doUpdateSet(values))
    .execute();
}

export async function setTheme(db: InsightsDb, branch: string, theme: string, now: number) {
  await db
    .insertInto('insights_sites')
    .values({ branch, theme, updated_at: now })
    .onConflict((conflict) => conflict.column('branch').doUpdateSet({ theme, updated_at: now }))
    .execute();
}

/** Stores the floor plan image (PNG, JPEG or SVG) as the branch designers drew it. */
export async function setPlan(
  db: InsightsDb,
  branch: string,
  type: string,
  image: Buffer,
  now: number,
) {
  if (!(planTypes as readonly string[]).includes(type)) {
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `plan type ${type}`, 'content-type');
  }

  await branchPlace(db, branch);
  const values = { plan_type: type, plan_data: image.toString('base64'), updated_at: now };
  await db
    .insertInto('insights_sites')
    .values({ branch, ...values })
    .onConflict((conflict) => conflict.column('branch').doUpdateSet(values))
    .execute();
}

export async function readPlan(db: InsightsDb, branch: string) {
  const row = await db
    .selectFrom('insights_sites')
    .select(['plan_type', 'plan_data'])
    .where('branch', '=', branch)
    .executeTakeFirst();
  if (!row?.plan_type || !row.plan_data) {
    throw new SmartBranchError('SB_ERR_NOT_FOUND', `floor plan of ${branch}`, 'plan');
  }
  return { type: row.plan_type, image: Buffer.from(row.plan_data, 'base64') };
}

/** Stores a camera's calibration and zones; refuses a calibration that cannot be solved. */
export async function setCamera(
  db: InsightsDb,
  branch: string,
  camera: string,
  input: CameraInput,
  now: number,
) {
  await branchPlace(db, branch);
  homography(input.calibration);
  const values = {
    calibration: JSON.stringify(input.calibration),
    zones: JSON.stringify(input.zones),
    updated_at: now,
  };
  await db
    .insertInto('insights_cameras')
    .values({ branch, camera, ...values })
    .onConflict((conflict) => conflict.columns(['branch', 'camera']).doUpdateSet(values))
    .execute();
}

export interface PlanZone {
  camera: string;
  zone: string;
  kind: string | null;
  /** The outline on the plan, in metres from its top left. */
  polygon: Point[];
  areaM2: number;
}

/** Every camera's zones mapped onto the floor plan through its calibration. */
export async function planZones(db: InsightsDb, branch: string): Promise<PlanZone[]> {
  const cameras = await db
    .selectFrom('insights_cameras')
    .selectAll()
    .where('branch', '=', branch)
    .orderBy('camera')
    .execute();
  return cameras.flatMap((row) => {
    const transform = homography(JSON.parse(row.calibration) as CameraInput['calibration']);
    const zones = JSON.parse(row.zones) as CameraInput['zones'];
    return zones.map((zone) => {
      const polygon = zone.polygon.map((corner) => project(transform, corner));
      return {
        camera: row.camera,
        zone: zone.id,
        kind: zone.kind ?? null,
        polygon,
        areaM2: planArea(polygon),
      };
    });
  });
}
