import type { Kysely } from 'kysely';
import type { Database } from '../store/index.ts';

/** The insights tables as Kysely sees them; created by the `*-insights*` migrations. */
export type HourlyTable = {
  branch: string;
  metric: string;
  /** Zone, service, campaign, age band ... or '' for the branch as a whole. */
  dimension: string;
  hour_at: number;
  day: string;
  hour: number;
  weekday: number;
  value: number;
};

export type DailyTable = {
  branch: string;
  metric: string;
  dimension: string;
  day: string;
  week: string;
  value: number;
};

export type ExternalTable = {
  source: string;
  id: string;
  branch: string;
  at: number;
  metric: string;
  dimension: string;
  value: number;
};

export type ProgressTable = {
  branch: string;
  records: number;
  updated_at: number;
};

export type SiteTable = {
  branch: string;
  longitude: number | null;
  latitude: number | null;
  area_m2: number | null;
  theme: string | null;
  plan_type: string | null;
  plan_data: string | null;
  plan_width_m: number | null;
  plan_height_m: number | null;
  updated_at: number;
};

export type CameraTable = {
  branch: string;
  camera: string;
  calibration: string;
  zones: string;
  updated_at: number;
};

export type ImportTable = {
  id: string;
  kind: string;
  file_name: string;
  accepted: number;
  rejected: number;
  problems: string;
  at: number;
};

export type AreaTable = {
  import_id: string;
  line: number;
  year: number | null;
  longitude: number;
  latitude: number;
  geometry: string | null;
  population: number;
  ages: string;
  income: number | null;
  customers: number | null;
};

export type PlaceTable = {
  import_id: string;
  line: number;
  kind: string;
  category: string;
  name: string;
  longitude: number;
  latitude: number;
};

export type ThemeDecisionTable = {
  branch: string;
  at: number;
  theme: string;
  recommended: string | null;
  decision: string;
  user_id: string;
};

export type InsightsTables = {
  insights_hourly: HourlyTable;
  insights_daily: DailyTable;
  insights_external: ExternalTable;
  insights_progress: ProgressTable;
  insights_sites: SiteTable;
  insights_cameras: CameraTable;
  insights_imports: ImportTable;
  insights_areas: AreaTable;
  insights_places: PlaceTable;
  insights_theme_decisions: ThemeDecisionTable;
};

export type InsightsDb = Kysely<Database & InsightsTables>;

/** The cloud store seen with the insights tables too. */
export function insightsDb(db: Kysely<Database>): InsightsDb {
  return db.withTables<InsightsTables>();
}
