import { join } from 'node:path';
import { type ModuleContext, parseConfig } from '../core/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../edge/runtime.ts';
import { simulatorBusClients } from './clients.ts';
import { SimulatorConfig } from './config.ts';
import type { FleetBranch } from './fleet.ts';
import { fleetSeed } from './fleet.ts';

/** The cloud a fleet enrols into: the embedded one, or any with these three. */
export interface FleetCloud {
  httpUrl: string;
  brokerUrl: string;
  createEnrolmentToken(branch: string): Promise<string>;
}

export interface FleetGatewayOptions {
  /** Every branch's data folder is `<root>/<branch id>`. */
  root: string;
  /** The fleet's seed; each branch plays `fleetSeed(seed, index)`. */
  seed: number;
  /** Absent: the gateways run without an uplink. */
  cloud?: FleetCloud;
  /** Frames per clock second of each synthetic camera. Default 0.2: a sped-up fleet stays light. */
  cameraFps?: number;
  /** Customers per hour at each branch. Default 40. */
  arrivalsPerHour?: number;
}

const timeZone = 'Asia/Shanghai';

const fleetQueue = {
  timeZone,
  services: [
    { id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 },
    { id: 'cards', name: 'Cards', prefix: 'B', priority: 1, targetWaitMinutes: 15 },
    { id: 'accounts', name: 'Accounts', prefix: 'C', priority: 2, targetWaitMinutes: 20 },
  ],
  counters: [
    { id: '1', name: 'Window 1', services: ['cash', 'cards'] },
    { id: '2', name: 'Window 2', services: ['cash', 'accounts'] },
    { id: '3', name: 'Window 3', services: ['cards', 'accounts'] },
  ],
};

/** Branch `index`'s id: `fleet-007`, sorted the same as the indexes. */
export function fleetBranchId(index: number): string {
  return `fleet-${String(index).padStart(3, '0')}`;
}

/** The `branches` section a cloud needs to enrol a fleet of `count`. */
export function fleetCloudBranches(count: number) {
  return Array.from({ length: count }, (_, index) => ({
    id: fleetBranchId(index),
    name: `Fleet branch ${index}`,
    timeZone,
    region: `region-${index % 5}`,
    tags: ['fleet'],
  }));
}

/** The customers, kiosk, door and counters of branch `index`, before its bus is known. */
export function fleetSimulatorConfig(index: number, options: FleetGatewayOptions) {
  const branch = fleetBranchId(index);
  const credential = (name: string) => ({ username: name, password: `${branch}-${name}-pw` });

  return parseConfig(`fleet simulator ${branch}`, {
    seed: fleetSeed(options.seed, index),
    branch,
    gateway: { brokerUrl: 'mqtt://127.0.0.1:1', clients: {
      kiosk: credential('kiosk'), door: credential('door'), counter: credential('counter') } },
    customers: { arrivalsPerHour: options.arrivalsPerHour ?? 40,
      serviceMix: { cash: 5, cards: 3, accounts: 2 } },
    counters: fleetQueue.counters.map((counter, position) =>
      ({ id: counter.id, serviceMinutesMean: 3 + position })),
    // Clock milliseconds: a sped-up clock must not turn a busy loop's delay into a timeout.
    replyTimeoutMs: 120_000,
    idlePollSeconds: 30,
  }, SimulatorConfig);
}

/**
 * A fleet-mode gateway: the real store, bus, queue, screens and uplink; a synthetic camera;
 * no Node-RED; every port picked by the system; plain-text bus passwords (a demo's).
 */
export function fleetGatewayConfig(index: number, options: FleetGatewayOptions,
  enrolmentToken?: string): GatewayConfig {
  const branch = fleetBranchId(index);
  const simulator = fleetSimulatorConfig(index, options);
  const dataDir = join(options.root, branch);
  const uplink = options.cloud && { cloudUrl: options.cloud.httpUrl,
    brokerUrl: options.cloud.brokerUrl, statusIntervalMs: 60_000, retryMs: 10_000,
    ...(enrolmentToken ? { enrolmentToken } : {}) };

  return parseConfig(`fleet gateway ${branch}`, {
    gateway: `${branch}-gw`, branch, branchName: `Fleet branch ${index}`, dataDir,
    http: { port: 0 },
    bus: { port: 0, clients: simulatorBusClients(branch, simulator) },
    cameras: [{ id: 'lobby-cam', fps: options.cameraFps ?? 0.2,
      source: { kind: 'synthetic', seed: fleetSeed(options.seed, index) } }],
    queue: fleetQueue,
    screens: { timeZone, cacheDir: join(dataDir, 'screens-cache') },
    liveCountIntervalMs: 10_000,
    ...(uplink ? { uplink } : {}),
  }, GatewayConfig);
}

export interface FleetGateways {
  /** For `startFleet`: starts branch `index`'s gateway and hands back its simulator config. */
  startBranch(index: number): Promise<FleetBranch>;
  /** The gateways started so far, by index. */
  gateways(): Gateway[];
}

/** Starts each branch's real gateway on the context's clock, enrolled into the cloud if given. */
export function fleetGateways(options: FleetGatewayOptions, context: ModuleContext): FleetGateways {
  const started: Gateway[] = [];

  return {
    gateways: () => [...started],
    startBranch: async (index) => {
      const branch = fleetBranchId(index);
      const token = await options.cloud?.createEnrolmentToken(branch);
      const config = fleetGatewayConfig(index, options, token);
      const log = context.log.child({ branch });
      const gateway = await startGateway(config, { ...context, log });
      started[index] = gateway;
      const simulator = fleetSimulatorConfig(index, options);

      return {
        simulator: { ...simulator, gateway: { ...simulator.gateway, brokerUrl: gateway.busUrl } },
        stop: async () => {
          await gateway.flush();
          await gateway.stop();
        },
      };
    },
  };
}
