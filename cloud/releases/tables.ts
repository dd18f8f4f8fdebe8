import type { Kysely } from 'kysely';
import type { Database } from '../store/index.ts';

/** The release tables, as migration 2026-12-07T1000-releases made them. */
export type ReleaseTable = {
  id: string;
  version: string;
  sha256: string;
  size: number;
  engines: string;
  /** JSON array of `{ name, reversible }`. */
  migrations: string;
  created_at: number;
  created_by: string;
};

export type ReleaseChunkTable = {
  release: string;
  idx: number;
  data: string;
};

export type RolloutTable = {
  id: string;
  release: string;
  /** The signed manifest as JSON, exactly as gateways get it. */
  manifest: string;
  waves: number;
  current_wave: number;
  failure_rate_stop: number;
  /** running, stopped or completed. */
  state: string;
  reason: string | null;
  created_at: number;
  created_by: string;
};

export type TargetTable = {
  rollout: string;
  gateway: string;
  branch: string;
  /** 0 is the canary wave. */
  wave: number;
  /** pending, or a ReleaseState. */
  state: string;
  reason: string | null;
  running: string | null;
  updated_at: number;
};

export type ReleaseTables = {
  releases: ReleaseTable;
  release_chunks: ReleaseChunkTable;
  release_rollouts: RolloutTable;
  release_targets: TargetTable;
};

export type ReleaseDb = Kysely<Database & ReleaseTables>;

/** The store with the release tables known to the query builder. */
export const releaseDb = (db: Kysely<Database>): ReleaseDb => db.withTables<ReleaseTables>();
