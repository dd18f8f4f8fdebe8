import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import {
  Id,
  type ReleaseManifest,
  type ReleaseReport,
  releaseSigningPayload,
  terminalReleaseStates,
} from '../../protocol/index.ts';
import type { SigningKey } from '../campaigns/index.ts';
import { listBranches, listGateways } from '../fleet/index.ts';
import type { Database } from '../store/index.ts';
import { type Release, toRelease } from './bundles.ts';
import { type ReleaseDb, type RolloutTable, releaseDb, type TargetTable } from './tables.ts';

export const RolloutRequest = z.strictObject({
  /** Which branches: by list, region or tag; all of them when none is given. */
  branches: z.array(Id).max(10_000).optional(),
  region: z.string().min(1).max(100).optional(),
  tags: z.array(z.string().min(1).max(60)).max(50).optional(),
  /** Share of the gateways in the canary wave, at least one. Default 0.1. */
  canaryShare: z.number().gt(0).max(1).default(0.1),
  /** Waves after the canary. Default 2. */
  waves: z.number().int().min(1).max(50).default(2),
  /** The rollout stops when failed / finished goes over this. Default 0.2. */
  failureRateStop: z.number().min(0).max(1).default(0.2),
  /** Needed for a release whose migrations the previous release cannot run on. */
  confirmIrreversible: z.boolean().default(false),
});
export type RolloutRequest = z.output<typeof RolloutRequest>;

const failedStates = new Set(['rolled-back', 'refused', 'failed']);
/** A target a newer rollout took over: finished for its own rollout, neither good nor bad. */
const superseded = 'superseded';
const isTerminal = (state: string) =>
  state === superseded || (terminalReleaseStates as readonly string[]).includes(state);

/** Migrations that are irreversible and new since the release uploaded before this one. */
async function newIrreversible(db: ReleaseDb, release: Release): Promise<string[]> {
  const before = await db
    .selectFrom('releases')
    .selectAll()
    .where('created_at', '<', release.createdAt)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  const known = new Set(before ? toRelease(before).migrations.map((m) => m.name) : []);
  return release.migrations.filter((m) => !m.reversible && !known.has(m.name)).map((m) => m.name);
}

async function targetGateways(db: Kysely<Database>, request: RolloutRequest) {
  const branches = (await listBranches(db)).filter(
    (branch) =>
      (!request.branches || request.branches.includes(branch.id)) &&
      (!request.region || branch.region === request.region) &&
      (!request.tags || request.tags.every((tag) => branch.tags.includes(tag))),
  );
  const chosen = new Set(branches.map((branch) => branch.id));
  return (await listGateways(db)).filter((gateway) => chosen.has(gateway.branch));
}

/** Canary first, then the rest in waves; the order is shuffled by a hash, so reproducible. */
export function planWaves<T extends { gateway: string }>(
  rollout: string,
  gateways: T[],
  canaryShare: number,
  waves: number,
): Array<T & { wave: number }> {
  const key = (gateway: string) =>
    createHash('sha256').update(`${rollout}:${gateway}`).digest('hex');
  const ordered = [...gateways].sort((a, b) => (key(a.gateway) < key(b.gateway) ? -1 : 1));
  const canary = Math.min(ordered.length, Math.max(1, Math.ceil(ordered.length * canaryShare)));
  const perWave = Math.max(1, Math.ceil((ordered.length - canary) / waves));
  return ordered.map((gateway, index) => ({
    ...gateway,
    wave: index < canary ? 0 : 1 + Math.floor((index - canary) / perWave),
  }));
}

export function signManifest(
  release: Release,
  confirmed: boolean,
  signingKey: SigningKey,
  now: number,
): ReleaseManifest {
  const unsigned = {
    release: release.id,
    version: release.version,
    sha256: release.sha256,
    size: release.size,
    engines: release.engines,
    migrations: release.migrations,
    confirmedIrreversible: confirmed,
    issuedAt: now,
    keyId: signingKey.keyId,
  };
  return { ...unsigned, signature: signingKey.sign(releaseSigningPayload(unsigned)) };
}

/** Publishes a release to a group of branches; refused when it would need a confirmation. */
export async function createRollout(
  store: Kysely<Database>,
  release: Release,
  request: RolloutRequest,
  signingKey: SigningKey,
  user: string,
  now: number,
) {
  const db = releaseDb(store);
  const irreversible = await newIrreversible(db, release);
  if (irreversible.length > 0 && !request.confirmIrreversible) {
    throw new SmartBranchError(
      'SB_ERR_CONFIRMATION_REQUIRED',
      `migrations ${irreversible.join(', ')} cannot be rolled back: send confirmIrreversible`,
      'confirmIrreversible',
    );
  }

  const gateways = await targetGateways(store, request);
  if (gateways.length === 0) {
    throw new SmartBranchError(
      'SB_ERR_INVALID_REQUEST',
      'no enrolled gateway in those branches',
      'branches',
    );
  }

  const id = `r-${randomBytes(6).toString('hex')}`;
  const manifest = signManifest(release, request.confirmIrreversible, signingKey, now);
  const planned = planWaves(id, gateways, request.canaryShare, request.waves);
  const waves = Math.max(...planned.map((target) => target.wave));
  await db.transaction().execute(async (trx) => {
    // A newer rollout takes over from older ones still under way on the same gateways.
    await trx
      .updateTable('release_targets')
      .set({ state: superseded, updated_at: now })
      .where(
        'gateway',
        'in',
        planned.map((target) => target.gateway),
      )
      .where('state', 'not in', [...terminalReleaseStates, superseded])
      .execute();
    await trx
      .insertInto('release_rollouts')
      .values({
        id,
        release: release.id,
        manifest: JSON.stringify(manifest),
        waves,
        current_wave: 0,
        failure_rate_stop: request.failureRateStop,
        state: 'running',
        reason: null,
        created_at: now,
        created_by: user,
      })
      .execute();
    for (const target of planned) {
      await trx
        .insertInto('release_targets')
        .values({
          rollout: id,
          gateway: target.gateway,
          branch: target.branch,
          wave: target.wave,
          state: 'pending',
          reason: null,
          running: null,
          updated_at: now,
        })
        .execute();
    }
  });
  return { id, targets: planned.length, waves: waves + 1, irreversible };
}

/** The newest running rollout with this gateway in an open wave and not yet finished. */
export async function offerFor(db: ReleaseDb, gateway: string, now: number) {
  const row = await db
    .selectFrom('release_targets as t')
    .innerJoin('release_rollouts as r', 'r.id', 't.rollout')
    .select(['r.id', 'r.manifest', 't.state'])
    .where('t.gateway', '=', gateway)
    .where('r.state', '=', 'running')
    .whereRef('t.wave', '<=', 'r.current_wave')
    .where('t.state', 'not in', [...terminalReleaseStates, superseded])
    .orderBy('r.created_at', 'desc')
    .executeTakeFirst();
  if (!row) return null;

  if (row.state === 'pending') {
    await db
      .updateTable('release_targets')
      .set({ state: 'offered', updated_at: now })
      .where('rollout', '=', row.id)
      .where('gateway', '=', gateway)
      .execute();
  }
  return { rollout: row.id, manifest: JSON.parse(row.manifest) as ReleaseManifest };
}

/** Whether this gateway is a target of any rollout of the release: it may download it. */
export async function mayDownload(db: ReleaseDb, gateway: string, release: string) {
  const row = await db
    .selectFrom('release_targets as t')
    .innerJoin('release_rollouts as r', 'r.id', 't.rollout')
    .select('t.gateway')
    .where('t.gateway', '=', gateway)
    .where('r.release', '=', release)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Takes a gateway's reports in order. A report for a rollout it is not in is ignored, and a
 * finished target does not go back to an earlier step (a late resend).
 */
export async function recordReports(
  db: ReleaseDb,
  gateway: string,
  reports: ReleaseReport[],
  now: number,
) {
  let accepted = 0;
  const touched = new Set<string>();
  for (const report of reports) {
    const target = await db
      .selectFrom('release_targets')
      .selectAll()
      .where('rollout', '=', report.rollout)
      .where('gateway', '=', gateway)
      .executeTakeFirst();
    if (!target || (isTerminal(target.state) && !isTerminal(report.state))) continue;

    await db
      .updateTable('release_targets')
      .set({
        state: report.state,
        reason: report.reason ?? null,
        running: report.running,
        updated_at: now,
      })
      .where('rollout', '=', report.rollout)
      .where('gateway', '=', gateway)
      .execute();
    accepted += 1;
    touched.add(report.rollout);
  }
  for (const rollout of touched) await advance(db, rollout);
  return { accepted, ignored: reports.length - accepted };
}

/**
 * Stops the rollout when too many finished targets failed, else opens the next wave once
 * every target of the open ones has finished. The update is conditional on the wave read, so
 * two replicas taking reports at once open it once.
 */
export async function advance(db: ReleaseDb, id: string): Promise<void> {
  const rollout = await db
    .selectFrom('release_rollouts')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!rollout || rollout.state !== 'running') return;

  const open = await db
    .selectFrom('release_targets')
    .select(['state'])
    .where('rollout', '=', id)
    .where('wave', '<=', rollout.current_wave)
    .execute();
  const finished = open.filter((target) => isTerminal(target.state));
  const failed = finished.filter((target) => failedStates.has(target.state)).length;
  const judged = finished.filter((target) => target.state !== superseded).length;
  const guarded = db
    .updateTable('release_rollouts')
    .where('id', '=', id)
    .where('current_wave', '=', rollout.current_wave)
    .where('state', '=', 'running');

  if (judged > 0 && failed / judged > rollout.failure_rate_stop) {
    const percent = Math.round(rollout.failure_rate_stop * 100);
    const reason = `${failed} of ${judged} failed, over the ${percent}% stop`;
    await guarded.set({ state: 'stopped', reason }).execute();
    return;
  }
  if (finished.length < open.length) return;

  const last = rollout.current_wave >= rollout.waves;
  await guarded
    .set(last ? { state: 'completed' } : { current_wave: rollout.current_wave + 1 })
    .execute();
  if (!last) await advance(db, id);
}

export interface RolloutStatus {
  id: string;
  release: string;
  version: string;
  state: string;
  reason: string | null;
  currentWave: number;
  waves: number;
  counts: Record<string, number>;
  branches: Array<{
    branch: string;
    gateway: string;
    wave: number;
    state: string;
    reason: string | null;
    running: string | null;
    updatedAt: number;
  }>;
}

/** Kept in every view, for a page or report that lists them. */
export interface RolloutSummary extends RolloutStatus {
  createdAt: number;
  createdBy: string;
}

export function rolloutView(rollout: RolloutTable, targets: TargetTable[]): RolloutStatus {
  const counts: Record<string, number> = {};
  for (const target of targets) counts[target.state] = (counts[target.state] ?? 0) + 1;
  const manifest = JSON.parse(rollout.manifest) as ReleaseManifest;
  return {
    id: rollout.id,
    release: rollout.release,
    version: manifest.version,
    state: rollout.state,
    reason: rollout.reason,
    currentWave: rollout.current_wave,
    waves: rollout.waves + 1,
    counts,
    branches: targets.map((target) => ({
      branch: target.branch,
      gateway: target.gateway,
      wave: target.wave,
      state: target.state,
      reason: target.reason,
      running: target.running,
      updatedAt: target.updated_at,
    })),
  };
}

export async function rolloutStatus(db: ReleaseDb, id: string): Promise<RolloutStatus> {
  const rollout = await db
    .selectFrom('release_rollouts')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!rollout) throw new SmartBranchError('SB_ERR_NOT_FOUND', `rollout ${id}`);

  const targets = await db
    .selectFrom('release_targets')
    .selectAll()
    .where('rollout', '=', id)
    .orderBy('branch')
    .orderBy('gateway')
    .execute();
  return rolloutView(rollout, targets);
}

/**
 * The latest rollouts, newest first, with their targets counted per state (the branches
 * themselves are left out: `rolloutStatus` gives them for one rollout).
 */
export async function listRollouts(db: ReleaseDb, limit = 100): Promise<RolloutSummary[]> {
  const rollouts = await db
    .selectFrom('release_rollouts')
    .selectAll()
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
  if (rollouts.length === 0) return [];

  const counted = await db
    .selectFrom('release_targets')
    .select(['rollout', 'state', (eb) => eb.fn.countAll<number>().as('count')])
    .where(
      'rollout',
      'in',
      rollouts.map((rollout) => rollout.id),
    )
    .groupBy(['rollout', 'state'])
    .execute();
  return rollouts.map((rollout) => {
    const view = rolloutView(rollout, []);
    for (const row of counted.filter((entry) => entry.rollout === rollout.id)) {
      view.counts[row.state] = Number(row.count);
    }
    return { ...view, createdAt: rollout.created_at, createdBy: rollout.created_by };
  });
}
