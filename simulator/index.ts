export { localHour } from './arrivals.ts';
export type { CounterTally, ServiceTally, SimulatorFault, SimulatorStats } from './branch.ts';
export * from './camera/index.ts';
export {
  type CityOptions,
  type CitySite,
  type SyntheticCity,
  syntheticCity,
} from './city/index.ts';
export { simulatorBusClients } from './clients.ts';
export { SimulatorConfig, type SimulatorConfigInput } from './config.ts';
export {
  type CouponHolders,
  type CouponRedemptionTry,
  CouponsConfig,
  type CouponsConfigInput,
} from './coupons.ts';
export {
  type Fleet,
  type FleetBranch,
  type FleetLag,
  type FleetOptions,
  fleetSeed,
  startFleet,
} from './fleet.ts';
export {
  type FleetCloud,
  type FleetGatewayOptions,
  type FleetGateways,
  fleetBranchId,
  fleetCloudBranches,
  fleetCloudSettings,
  fleetGatewayConfig,
  fleetGateways,
  fleetSimulatorConfig,
} from './fleet-gateways.ts';
export { type Link, type LinkOptions, openLink } from './link.ts';
export {
  type ManagerAction,
  type Managers,
  ManagersConfig,
  type ManagersConfigInput,
  startManagers,
} from './managers.ts';
export {
  type ProducedLead,
  type Prospects,
  ProspectsConfig,
  type ProspectsConfigInput,
  type ProspectsTotals,
  startProspects,
} from './prospects.ts';
export { type Random, random } from './random.ts';
export { type Simulator, startSimulator } from './simulator.ts';
