import { isDeepStrictEqual } from 'node:util';
import type { ModuleName } from '../protocol/index.ts';
import type { GatewayConfig } from './config.ts';

type Key = keyof GatewayConfig;

/**
 * The settings a running gateway takes from a reloaded gateway.json, each with the modules
 * that read it when they start: restarting those modules applies it. The others (identity,
 * data folder, listeners, bus logins, technicians, uplink, store limits) are held by parts
 * that live as long as the process, so they wait for a restart.
 */
const reloadable: Partial<Record<Key, readonly ModuleName[]>> = {
  branchName: ['queue', 'screens', 'automation'],
  cameras: ['sensing'],
  detectorWorkers: ['sensing'],
  liveCountIntervalMs: ['sensing'],
  queue: ['queue', 'screens'],
  kiosks: ['queue'],
  screens: ['screens'],
  kioskLeads: ['leads'],
  automation: ['automation'],
};

export interface ReloadPlan {
  /** The changed settings the running gateway takes now. */
  reloaded: Key[];
  /** The modules to restart for them, in the switchboard's order. */
  restart: ModuleName[];
  /** The changed settings that wait for the next start. */
  needsRestart: Key[];
  /** The config to run on: the new reloadable settings, the others as started. */
  config: GatewayConfig;
}

const moduleOrder: readonly ModuleName[] = ['sensing', 'queue', 'screens', 'leads', 'automation'];

/** What a reload of `next` over `current` changes, and what it leaves for a restart. */
export function reloadPlan(current: GatewayConfig, next: GatewayConfig): ReloadPlan {
  const keys = [...new Set([...Object.keys(current), ...Object.keys(next)])] as Key[];
  const changed = keys.filter((key) => !isDeepStrictEqual(current[key], next[key])).sort();
  const reloaded = changed.filter((key) => reloadable[key] !== undefined);
  const modules = new Set(reloaded.flatMap((key) => reloadable[key] ?? []));

  const config = { ...current } as Record<Key, unknown>;
  for (const key of reloaded) {
    if (next[key] === undefined) delete config[key];
    else config[key] = next[key];
  }
  return {
    reloaded,
    restart: moduleOrder.filter((name) => modules.has(name)),
    needsRestart: changed.filter((key) => reloadable[key] === undefined),
    config: config as GatewayConfig,
  };
}
