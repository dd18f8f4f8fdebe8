export * from './benefits/index.ts';
export {
  ConversionImport,
  ConversionRow,
  campaignTargets,
  conversionsFromCsv,
  funnel,
  importConversions,
  saveTargets,
  TargetsInput,
} from './conversions.ts';
export { csvField, parseCsv } from './csv.ts';
export { type BranchPlan, branchManifest, publishBranch, publishBranches } from './manifests.ts';
export {
  BranchSelector,
  type Campaign,
  CampaignInput,
  CampaignStatus,
  funnelSteps,
  Objective,
  Sha256,
  statusAt,
} from './model.ts';
export { type BranchRollout, campaignRollout } from './rollout.ts';
export { type ControlDb, controlDb } from './schema.ts';
export { type ControlPlane, type ControlPlaneOptions, startControlPlane } from './service.ts';
export { loadSigningKey, type SigningKey } from './signing.ts';
export {
  assetBytes,
  assetInfo,
  createCampaign,
  getCampaign,
  listCampaigns,
  storeAsset,
  updateCampaign,
} from './store.ts';
export {
  type CatchmentSource,
  selectBranches,
  type TargetBranch,
  targetBranches,
} from './targeting.ts';
