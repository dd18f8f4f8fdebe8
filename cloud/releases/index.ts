export type { Release } from './bundles.ts';
export {
  advance,
  listRollouts,
  planWaves,
  type RolloutRequest,
  type RolloutStatus,
  type RolloutSummary,
  rolloutStatus,
} from './rollouts.ts';
export { maxBundleBytes, type ReleaseDeps, releaseRoutes } from './routes.ts';
export { type ReleaseDb, releaseDb } from './tables.ts';
