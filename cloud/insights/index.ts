export { type Anomaly, AnomalyQuery, anomalies } from './anomalies.ts';
export { ExternalFact, rebuildInsights, recordExternalFacts } from './backfill.ts';
export { BranchFilter, type BranchPlace, branchPlace, branchPlaces } from './branches.ts';
export {
  CatchmentRule,
  recommendTheme,
  ringFigure,
  segmentsOf,
  selectBranchesByCatchment,
} from './catchment/choices.ts';
export {
  ImportKind,
  type ImportProblem,
  type ImportReport,
  importSurroundings,
} from './catchment/imports.ts';
export { customerMix } from './catchment/mix.ts';
export { type CatchmentProfile, catchmentProfile, type Ring, rings } from './catchment/profile.ts';
export { ageGroups, PoiCategory } from './catchment/rows.ts';
export { InsightsConfig, type InsightsConfigInput } from './config.ts';
export { toCsv } from './csv.ts';
export { deriveFacts, derivers, type Fact, flowSeparator } from './derive.ts';
export { type Figures, FiguresQuery, figures, Period } from './figures.ts';
export { FunnelQuery, funnel, funnelSteps } from './funnel.ts';
export { readRecords, type StreamFigures, storeBatch, streamFigures } from './ingest.ts';
export { homography, planArea, project } from './place/homography.ts';
export { beforeAfter, flows, heatMap, perSquareMetre } from './place/layout.ts';
export {
  CameraInput,
  planTypes,
  planZones,
  readPlan,
  SiteInput,
  setCamera,
  setPlan,
  setSite,
  setTheme,
} from './place/site.ts';
export { type Puller, type PullerFigures, startPuller } from './puller.ts';
export { type InsightsDb, insightsDb } from './schema.ts';
export { type SeriesPoint, SeriesQuery, series } from './series.ts';
