import { join } from 'node:path';
import { type ModuleContext, parseConfig } from '../core/index.ts';
import { startFleetGateway } from '../edge/fleet-runtime.ts';
import { type Gateway, GatewayConfig } from '../edge/runtime.ts';
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
  /**
   * Frames per clock second of each synthetic camera. Default 1/30: one frame every 30 clock
   * seconds, so a fleet at 60× analyses two frames a real second per branch, not 120.
   */
  cameraFps?: number;
  /** The clock's speed, for how often status goes to the cloud: every 5 real s. Default 60. */
  speed?: number;
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

/** Real seconds between a fleet gateway's status reports and between the cloud's pulls. */
const fleetReportRealSeconds = 5;

/** Clock ms of `fleetReportRealSeconds` at `speed`, never below the product's defaults. */
function fleetReportMs(speed: number) {
  return Math.max(5000, Math.round(fleetReportRealSeconds * 1000 * speed));
}

/**
 * A fleet's cloud settings at `speed` (default 60): every gateway's five streams are pulled
 * each five real seconds (five clock minutes at 60×; the records are minute records), with
 * room to answer, and a gateway shows as offline after three missed status reports. At the
 * product's 2 s pull, 100 gateways at 60× would be 15 000 pulls a real second.
 */
export function fleetCloudSettings(speed = 60) {
  const reportMs = fleetReportMs(speed);
  return {
    pull: { intervalMs: reportMs, timeoutMs: reportMs * 2 },
    fleet: { offlineAfterMs: reportMs * 3 },
  };
}

/** The customers, kiosk, door and counters of branch `index`, before its bus is known. */
export function fleetSimulatorConfig(index: number, options: FleetGatewayOptions) {
  const branch = fleetBranchId(index);
  const credential = (name: string) => ({ username: name, password: `${branch}-${name}-pw` });

  return parseConfig(
    `fleet simulator ${branch}`,
    {
      seed: fleetSeed(options.seed, index),
      branch,
      gateway: {
        brokerUrl: 'mqtt://127.0.0.1:1',
        clients: {
          kiosk: credential('kiosk'),
          door: credential('door'),
          counter: credential('counter'),
        },
      },
      customers: {
        arrivalsPerHour: options.arrivalsPerHour ?? 40,
        serviceMix: { cash: 5, cards: 3, accounts: 2 },
      },
      counters: fleetQueue.counters.map((counter, position) => ({
        id: counter.id,
        serviceMinutesMean: 3 + position,
      })),
      // Clock milliseconds: a sped-up clock must not turn a busy loop's delay into a timeout.
      replyTimeoutMs: 120_000,
      idlePollSeconds: 60,
    },
    SimulatorConfig,
  );
}

/**
 * A fleet-mode gateway's config: the real store, bus, queue, screens and uplink; a synthetic
 * camera; every port picked by the system; plain-text bus passwords (a demo's). What fleet
 * mode leaves out is `startFleetGateway`'s to say.
 */
export function fleetGatewayConfig(
  index: number,
  options: FleetGatewayOptions,
  enrolmentToken?: string,
): GatewayConfig {
  const branch = fleetBranchId(index);
  const simulator = fleetSimulatorConfig(index, options);
  const dataDir = join(options.root, branch);
  const uplink = options.cloud && {
    cloudUrl: options.cloud.httpUrl,
    brokerUrl: options.cloud.brokerUrl,
    statusIntervalMs: fleetReportMs(options.speed ?? 60),
    retryMs: 10_000,
    ...(enrolmentToken ? { enrolmentToken } : {}),
  };

  return parseConfig(
    `fleet gateway ${branch}`,
    {
      gateway: `${branch}-gw`,
      branch,
      branchName: `Fleet branch ${index}`,
      dataDir,
      http: { port: 0 },
      bus: { port: 0, clients: simulatorBusClients(branch, simulator) },
      cameras: [
        {
          id: 'lobby-cam',
          fps: options.cameraFps ?? 1 / 30,
          source: { kind: 'synthetic', seed: fleetSeed(options.seed, index) },
        },
      ],
      // Refreshes a display or HQ would get every second at a real branch come every clock
      // minute: at 60× that is still once a real second.
      queue: { ...fleetQueue, stateRefreshMs: 60_000 },
      screens: { timeZone, cacheDir: join(dataDir, 'screens-cache') },
      liveCountIntervalMs: 60_000,
      ...(uplink ? { uplink } : {}),
    },
    GatewayConfig,
  );
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
      const gateway = await startFleetGateway(config, { ...context, log });
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
