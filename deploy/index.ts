export {
  type BundleInfo,
  buildBundle,
  describeBundle,
  extractBundle,
  folderMigrations,
  migrationReversible,
  sha256File,
} from './bundle.ts';
export { type Notify, probeHealth, systemdNotify, watchdogPeriodMs } from './child.ts';
export { manifestSigned, readGatewayCredentials } from './cloud-link.ts';
export {
  type DoctorOptions,
  doctor,
  type Finding,
  type FindingStatus,
  formatFinding,
} from './doctor.ts';
export { satisfiesEngines } from './engines.ts';
export {
  defaultSource,
  type InstallOptions,
  type InstallResult,
  installedConfig,
  installService,
  type UninstallOptions,
  uninstallService,
} from './install.ts';
export { type Layout, layout, type Role, releaseFolder, serviceUser, unitName } from './layout.ts';
export { copyRelease, linkedVersion, packageInfo, pointLink } from './releases.ts';
export { type Service, type ServiceOptions, serviceTargets, startService } from './service.ts';
export { type DeployState, readState, type StateStore, stateStore } from './state.ts';
export {
  type Supervisor,
  type SupervisorOptions,
  type SupervisorStatus,
  startSupervisor,
  type TrialOptions,
  type UpgradeRequest,
} from './supervisor.ts';
export { hostSystem, plannedSystem, type System } from './system.ts';
export { type UnitOptions, unitFile } from './units.ts';
export { startUpdater, type UpdateOutcome, type Updater, type UpdaterOptions } from './updater.ts';
