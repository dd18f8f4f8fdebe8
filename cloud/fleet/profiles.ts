import { z } from 'zod';
import { Id } from '../../protocol/index.ts';
import type { ControlDb } from '../campaigns/schema.ts';

/** What HQ adds to a branch beyond the config file: theme, address, coordinates. */
export const ProfileInput = z.strictObject({
  theme: Id.nullable().optional(),
  address: z.string().min(1).max(500).nullable().optional(),
  latitude: z.number().min(-90).max(90).nullable().optional(),
  longitude: z.number().min(-180).max(180).nullable().optional(),
});
export type ProfileInput = z.output<typeof ProfileInput>;

export async function saveProfile(db: ControlDb, branch: string, input: ProfileInput) {
  const current = await branchProfile(db, branch);
  const row = {
    theme: input.theme === undefined ? current.theme : input.theme,
    address: input.address === undefined ? current.address : input.address,
    latitude: input.latitude === undefined ? current.latitude : input.latitude,
    longitude: input.longitude === undefined ? current.longitude : input.longitude,
  };
  await db
    .insertInto('branch_profiles')
    .values({ branch, ...row })
    .onConflict((conflict) => conflict.column('branch').doUpdateSet(row))
    .execute();
  return { branch, ...row };
}

export async function branchProfile(db: ControlDb, branch: string) {
  const row = await db
    .selectFrom('branch_profiles')
    .selectAll()
    .where('branch', '=', branch)
    .executeTakeFirst();
  return row ?? { branch, theme: null, address: null, latitude: null, longitude: null };
}
