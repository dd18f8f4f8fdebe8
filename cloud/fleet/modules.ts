import type { Kysely } from 'kysely';
import { z } from 'zod';
import {
  encodeMessage,
  ModuleName,
  type ModuleSettings,
  type ModulesRunning,
  topic,
} from '../../protocol/index.ts';
import { type ControlDb, controlDb } from '../campaigns/schema.ts';
import type { Database } from '../store/index.ts';
import type { CloudBroker } from './broker.ts';
import { listGateways } from './gateways.ts';
import { readStatuses } from './live.ts';

export const ModulesInput = z.strictObject({
  modules: z.partialRecord(ModuleName, z.boolean()),
});

/** What a branch runs when HQ never said: the bank's base package. */
export const defaultModules: Record<z.output<typeof ModuleName>, boolean> = {
  sensing: true,
  queue: true,
  screens: true,
  leads: false,
  automation: false,
};

export async function branchModules(db: ControlDb, branch: string) {
  const row = await db
    .selectFrom('branch_modules')
    .selectAll()
    .where('branch', '=', branch)
    .executeTakeFirst();
  const modules = row ? (JSON.parse(row.modules) as ModuleSettings['modules']) : {};
  return { branch, version: row?.version ?? 0, modules: { ...defaultModules, ...modules } };
}

/**
 * Switches modules of one branch on or off (the ones not named stay as they were), and
 * publishes the result retained so the gateway follows, now or when it comes back.
 */
export async function setModules(
  db: ControlDb,
  broker: Pick<CloudBroker, 'publish'>,
  branch: string,
  change: ModuleSettings['modules'],
  now: number,
): Promise<ModuleSettings> {
  const settings = await db.transaction().execute(async (trx) => {
    const current = await branchModules(trx, branch);
    const modules = { ...current.modules, ...change };
    const version = current.version + 1;
    const row = { modules: JSON.stringify(modules), version, updated_at: now };
    await trx
      .insertInto('branch_modules')
      .values({ branch, ...row })
      .onConflict((conflict) => conflict.column('branch').doUpdateSet(row))
      .execute();
    return { branch, version, modules, at: now };
  });
  await broker.publish(
    topic('moduleSettings', { branch }),
    encodeMessage('moduleSettings', settings),
    { qos: 1, retain: true },
  );
  return settings;
}

/** Every branch's modules as HQ set them, for pages that hide what a branch does not run. */
export async function everyBranchModules(db: Kysely<Database>) {
  const rows = await controlDb(db)
    .selectFrom('branch_modules')
    .select(['branch', 'modules'])
    .execute();
  const set = new Map(rows.map((row) => [row.branch, JSON.parse(row.modules)]));
  return (branch: string): Record<ModuleName, boolean> => ({
    ...defaultModules,
    ...(set.get(branch) as ModuleSettings['modules'] | undefined),
  });
}

/**
 * What each gateway of a branch runs, from its latest status: the version it names is the
 * acknowledgement of the settings it follows, null until it has said.
 */
export async function modulesFollowed(db: Kysely<Database>, branch: string) {
  const [gateways, statuses] = await Promise.all([listGateways(db), readStatuses(db)]);
  return gateways
    .filter((gateway) => gateway.branch === branch)
    .map(({ gateway }) => ({
      gateway,
      following: (statuses.get(gateway)?.status.modules ?? null) as ModulesRunning | null,
    }));
}
