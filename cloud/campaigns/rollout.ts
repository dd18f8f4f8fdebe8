import type { RolloutReport } from '../../protocol/index.ts';
import type { RolloutState } from './model.ts';
import type { ControlDb } from './schema.ts';

export interface BranchRollout {
  branch: string;
  version: number;
  state: RolloutState;
  reason: string | null;
  gateway: string | null;
  updatedAt: number;
}

/**
 * A gateway's report moves the rollout of every campaign its branch's manifest of that
 * version holds. A report of an older version than the branch's rows is stale and ignored.
 */
export async function recordReport(
  db: ControlDb,
  branch: string,
  report: RolloutReport,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable('campaign_rollouts')
    .set({
      state: report.state,
      reason: report.reason ?? null,
      gateway: report.gateway,
      updated_at: now,
    })
    .where('branch', '=', branch)
    .where('version', '=', report.version)
    .where('state', '!=', 'removed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function campaignRollout(db: ControlDb, campaign: string) {
  const rows = await db
    .selectFrom('campaign_rollouts')
    .selectAll()
    .where('campaign', '=', campaign)
    .orderBy('branch')
    .execute();
  const branches: BranchRollout[] = rows.map((row) => ({
    branch: row.branch,
    version: row.version,
    state: row.state as RolloutState,
    reason: row.reason,
    gateway: row.gateway,
    updatedAt: row.updated_at,
  }));
  const counts: Record<RolloutState, number> = {
    pending: 0,
    downloading: 0,
    applied: 0,
    failed: 0,
    removed: 0,
  };
  for (const branch of branches) counts[branch.state] += 1;
  return { campaign, counts, branches };
}

/** Branches that held a campaign in their last manifest: they need it taken out. */
export async function branchesHolding(db: ControlDb, campaign: string): Promise<string[]> {
  const rows = await db
    .selectFrom('campaign_rollouts')
    .select('branch')
    .where('campaign', '=', campaign)
    .where('state', '!=', 'removed')
    .execute();
  return rows.map((row) => row.branch);
}
