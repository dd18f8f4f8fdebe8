import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ReleaseReport, Timestamp } from '../protocol/index.ts';

/** A switch to a new release that has not proved healthy yet. */
export const Trial = z.object({
  version: z.string(),
  /** The version to go back to. */
  from: z.string(),
  rollout: z.string(),
  release: z.string(),
  startedAt: Timestamp,
  deadlineAt: Timestamp,
  /** The copy of the gateway's database taken before an irreversible release switched. */
  backup: z.string().nullable(),
  exits: z.number().int().nonnegative(),
});
export type Trial = z.output<typeof Trial>;

const HistoryEntry = z.object({
  at: Timestamp,
  version: z.string(),
  from: z.string(),
  result: z.enum(['applied', 'rolled-back']),
  reason: z.string().optional(),
});

/** What the supervisor keeps across its own restarts and the box's reboots. */
export const DeployState = z.object({
  trial: Trial.nullable().default(null),
  /** Releases refused or rolled back here: never tried again without a new release id. */
  failed: z.array(z.string()).default([]),
  /** Reports the cloud has not acknowledged yet, oldest first. */
  reports: z.array(ReleaseReport).default([]),
  history: z.array(HistoryEntry).default([]),
});
export type DeployState = z.output<typeof DeployState>;

const historyKept = 50;
const reportsKept = 200;

/** The state file, or a fresh state when it is missing or unreadable (said in `damaged`). */
export function readState(file: string): { state: DeployState; damaged: boolean } {
  if (!existsSync(file)) return { state: DeployState.parse({}), damaged: false };

  try {
    return { state: DeployState.parse(JSON.parse(readFileSync(file, 'utf8'))), damaged: false };
  } catch {
    return { state: DeployState.parse({}), damaged: true };
  }
}

/** Written beside and renamed, so a power cut leaves the old state or the new one. */
export function writeState(file: string, state: DeployState): void {
  const trimmed = {
    ...state,
    history: state.history.slice(-historyKept),
    reports: state.reports.slice(-reportsKept),
  };
  writeFileSync(`${file}.next`, JSON.stringify(trimmed, null, 2), { mode: 0o640 });
  renameSync(`${file}.next`, file);
}

/** The one copy of the state in the supervisor's process, written through on every change. */
export interface StateStore {
  read(): DeployState;
  update(change: (state: DeployState) => void): DeployState;
}

export function stateStore(file: string): StateStore & { damaged: boolean } {
  const loaded = readState(file);
  let state = loaded.state;
  return {
    damaged: loaded.damaged,
    read: () => structuredClone(state),
    update(change) {
      const next = structuredClone(state);
      change(next);
      writeState(file, next);
      state = next;
      return structuredClone(state);
    },
  };
}
