export type { Release } from './bundles.ts';
export { advance, planWaves, type RolloutRequest, type RolloutStatus } from './rollouts.ts';
export { maxBundleBytes, type ReleaseDeps, releaseRoutes } from './routes.ts';
