import { join } from 'node:path';
import { type ModuleContext, smartbranchVersion } from '../core/index.ts';
import { deviceBusClients } from '../devices/index.ts';
import {
  type AudienceCount,
  type AudienceMinute,
  type DeviceState,
  type LiveStatus,
  Stream,
  type UplinkRecord,
  type ZoneAudience,
} from '../protocol/index.ts';
import { type Bus, connectExternalBus, startBus } from './bus/index.ts';
import type { GatewayConfig } from './config.ts';
import { kioskLeadRoutes } from './leads/index.ts';
import { type Queue, startQueue } from './queue/index.ts';
import { type QueueWeb, queueWeb } from './queue/web/index.ts';
import { type Screens, ScreensConfig, startScreens } from './screens/index.ts';
import { type Sensing, startSensing } from './sensing/index.ts';
import {
  type Outbox,
  type OutboxWatch,
  openStore,
  outbox,
  type Store,
  type StoreAlarm,
  watchOutbox,
} from './store/index.ts';
import { type Automation, prepareAutomation } from './automation/index.ts';
import {
  camerasWithZones,
  captureLogs,
  type GatewayHttp,
  type GatewayWeb,
  gatewayWeb,
  type LogRing,
  storedProfiles,
  type TechnicianConsole,
  technicianConsole,
} from './ui/index.ts';
import {
  type CommandHandlers,
  type ManifestTarget,
  startUplink,
  type Uplink,
} from './uplink/index.ts';

export { GatewayConfig } from './config.ts';
export type { CameraStats } from './sensing/index.ts';

export interface GatewayStats {
  gateway: string;
  branch: string;
  uptimeSeconds: number;
  people: number;
  cameras: ReturnType<Sensing['stats']>['cameras'];
  queue: ReturnType<Queue['stats']>;
  screens: ReturnType<Screens['stats']>;
  bus: ReturnType<Bus['stats']>;
  uplink: ReturnType<Uplink['stats']> | { state: 'offline' };
  backlog: Record<string, number>;
  lastSeq: Record<string, number>;
  /** The unconfirmed backlog's size and age against its limits, and what a full disk holds. */
  outbox: ReturnType<OutboxWatch['report']>;
  devices: { online: number; total: number };
}

export interface Gateway {
  readonly httpUrl: string;
  readonly busUrl: string;
  stats(): GatewayStats;
  /** The outbox, for the demo's summary: what the gateway stored and the cloud confirmed. */
  readonly outbox: Outbox;
  /** Each screen's current pairing code, as the technician page shows them. */
  pairingCodes(): ReturnType<Screens['pairingCodes']>;
  /** Closes the open minutes of sensing and queue into the outbox, for a run that ends. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

interface Parts {
  store: Store;
  outbox: Outbox;
  outboxWatch: OutboxWatch;
  bus: Bus;
  queue: Queue;
  sensing: Sensing;
  screens: Screens;
  uplink: Uplink | null;
  http: GatewayHttp;
  devices: Map<string, DeviceState['state']>;
  logs: LogRing;
  console: TechnicianConsole;
  automation: Automation | null;
  queueWeb: QueueWeb;
}

/**
 * Starts one branch's gateway: store, bus, queue, sensing, uplink and web UI, in that order,
 * and stops them in the reverse order. The gateway works with the cloud gone.
 */
export async function startGateway(config: GatewayConfig, context: ModuleContext): Promise<Gateway> {
  const log = context.log.child({ module: 'runtime', gateway: config.gateway });
  const startedAt = context.clock.now();
  const parts = {} as Parts;
  parts.devices = new Map();
  parts.logs = captureLogs(context.log, context.clock);

  parts.store = openStore(join(config.dataDir, 'gateway.db'), context);
  parts.outbox = outbox(parts.store.db);
  // Devices added in the technician UI are admitted by the bus with their own credentials.
  parts.bus = config.bus.external
    ? await connectExternalBus({ branch: config.branch, ...config.bus.external }, context)
    : await startBus({ branch: config.branch, ...config.bus, clients: [...config.bus.clients,
      ...deviceBusClients(config.branch, storedProfiles(config.dataDir))] }, context);
  await trackDevices(parts);
  parts.queue = await startQueue({ branch: config.branch, config: config.queue,
    db: parts.store.db, bus: parts.bus,
    recordMinute: (data) => parts.outbox.append({ kind: 'queue.minute', at: context.clock.now(),
      data }) }, context);
  parts.outboxWatch = watchOutbox({ db: parts.store.db, outbox: parts.outbox,
    limits: config.outboxLimits, confirmedRetentionHours: config.confirmedRetentionHours,
    alarm: (alarm) => storeAlarm(parts, alarm, context) }, context);
  parts.sensing = await startSensing(sensingOptions(config, parts, context), context);

  const stats = () => gatewayStats(config, parts, (context.clock.now() - startedAt) / 1000);
  const web = gatewayWeb({ ...config.http, technicians: config.technicians,
    status: () => ({ ...stats(), branchName: config.branchName,
      nowServing: parts.queue.state().nowServing, pairingCodes: parts.screens.pairingCodes() }),
    metrics: () => context.registry.metrics(), dataDir: config.dataDir }, context);
  parts.screens = await startScreens({ branch: config.branch, config: screensConfig(config),
    db: parts.store.db, bus: parts.bus, branchName: config.branchName, guard: web.guard,
    ...(config.uplink
      ? { cloudAssetUrl: new URL('/api/assets', config.uplink.cloudUrl).href }
      : {}),
    recordPlay: (data) => parts.outbox.appendOrHold({ kind: 'screen.play-hour',
      at: context.clock.now(), data }) }, context);
  web.mount(parts.screens.router);
  parts.queueWeb = await queueWeb({ queue: parts.queue, config: config.queue, bus: parts.bus,
    screens: parts.screens, guard: web.guard, branchName: config.branchName,
    kiosks: config.kiosks }, context);
  web.mount(parts.queueWeb.router);
  if (config.kioskLeads) {
    web.mount(kioskLeadRoutes(parts.outbox, { ...config.kioskLeads, branch: config.branch },
      context));
  }
  parts.console = await technicianConsole({ gateway: config.gateway, branch: config.branch,
    branchName: config.branchName, dataDir: config.dataDir, config, bus: parts.bus,
    queue: parts.queue, queueSetup: config.queue, cameras: config.cameras, logs: parts.logs,
    allowSimulatedDevices: config.allowSimulatedDevices,
    applyZones: (camera, zones) => void parts.sensing.applyZones(camera, zones) }, context);
  web.attach(parts.console.parts);
  parts.automation = config.automation ? startAutomation(config, parts, web, context) : null;
  parts.http = await web.listen();
  parts.screens.attach(parts.http.server);
  parts.queueWeb.attach(parts.http.server);
  await parts.console.start(parts.bus.url);
  await parts.automation?.start();

  parts.uplink = config.uplink
    ? await startUplink({ gateway: config.gateway, branch: config.branch, config: config.uplink,
        credentialsFile: join(config.dataDir, 'credentials.json'), outbox: parts.outbox,
        status: () => liveStatus(parts), db: parts.store.db, screens: manifestTarget(parts),
        commands: uplinkCommands(parts) }, context)
    : null;

  log.info({ http: parts.http.url, bus: parts.bus.url, version: smartbranchVersion },
    'gateway started');

  return {
    httpUrl: parts.http.url,
    busUrl: parts.bus.url,
    outbox: parts.outbox,
    stats,
    pairingCodes: () => parts.screens.pairingCodes(),
    flush: async () => {
      parts.sensing.flush();
      parts.queue.flush();
      parts.screens.flush();
    },
    stop: async () => {
      parts.outboxWatch.stop();
      await parts.uplink?.stop();
      await parts.automation?.stop();
      await parts.console.stop();
      await parts.queueWeb.stop();
      await parts.screens.stop();
      await parts.http.close();
      await parts.sensing.stop();
      await parts.queue.stop();
      await parts.bus.close();
      parts.store.close();
      log.info('gateway stopped');
      parts.logs.detach();
    },
  };
}

/** Node-RED in this process, its editor at /flows behind the technicians' login. */
function startAutomation(config: GatewayConfig, parts: Parts, web: GatewayWeb,
  context: ModuleContext): Automation {
  const automation = prepareAutomation({ config: config.automation ?? {}, server: web.server,
    bus: parts.bus, dataDir: config.dataDir, branchName: config.branchName,
    access: { technicians: config.technicians, sessionUser: web.sessionUser },
    alert: parts.console.alerts.raise, deviceIds: parts.console.devices.deviceIds }, context);
  web.mount(automation.router);
  return automation;
}

/** Live counts go on the bus at most once per interval per camera, the latest value winning. */
function sensingOptions(config: GatewayConfig, parts: Parts, context: ModuleContext) {
  const lastSent = new Map<string, number>();
  const publishCount = (count: AudienceCount) => {
    const previous = lastSent.get(count.camera) ?? 0;
    if (count.at - previous < config.liveCountIntervalMs) return;

    lastSent.set(count.camera, count.at);
    void parts.bus.publish('audienceCount', { camera: count.camera }, count, { qos: 0 });
  };

  return {
    branch: config.branch,
    cameras: camerasWithZones(config.cameras, config.dataDir),
    ...(config.detectorWorkers === undefined ? {} : { detectorWorkers: config.detectorWorkers }),
    publishCount,
    recordMinute: (data: AudienceMinute) =>
      parts.outbox.appendOrHold({ kind: 'audience.minute', at: context.clock.now(), data }),
    record: (record: Omit<UplinkRecord, 'seq'>) => parts.outbox.appendOrHold(record),
    publishZone: (zone: ZoneAudience) =>
      void parts.bus.publish('zoneAudience', { zone: zone.zone }, zone, { qos: 0 }),
    reportState: (device: string, state: DeviceState['state'], reason?: string) => {
      const message: DeviceState = reason === undefined
        ? { device, at: context.clock.now(), state }
        : { device, at: context.clock.now(), state, reason: reason.slice(0, 300) };
      void parts.bus.publish('deviceState', { device }, message, { retain: true });
    },
  };
}

/** A store alarm reaches the technician page at once and HQ over the pushed channel. */
function storeAlarm(parts: Parts, alarm: StoreAlarm, context: ModuleContext) {
  parts.console?.alerts.raise({ at: context.clock.now(), severity: alarm.severity,
    title: alarm.code, message: alarm.message, node: 'store' });
  parts.uplink?.alarm(alarm);
}

async function trackDevices(parts: Parts) {
  await parts.bus.subscribe('deviceState', {}, (message) => {
    parts.devices.set(message.device, message.state);
  });
}

function liveStatus(parts: Parts): Omit<LiveStatus, 'gateway' | 'at'> {
  const cameras = parts.sensing.stats().cameras;
  const queue = parts.queue.stats();
  return {
    version: smartbranchVersion,
    people: cameras.reduce((sum, camera) => sum + camera.people, 0),
    cameraSource: cameras[0]?.source ?? null,
    ticketsWaiting: queue.waiting,
    ticketsServedToday: parts.queue.state().servedToday,
    backlog: Object.fromEntries(Stream.options.map((stream) =>
      [stream, parts.outbox.position(stream).backlog])) as LiveStatus['backlog'],
    devicesOnline: [...parts.devices.values()].filter((state) => state === 'online').length,
    devicesTotal: parts.devices.size,
  };
}

function gatewayStats(config: GatewayConfig, parts: Parts, uptimeSeconds: number): GatewayStats {
  const cameras = parts.sensing.stats().cameras;
  const positions = Stream.options.map((stream) => [stream, parts.outbox.position(stream)] as const);
  return {
    gateway: config.gateway,
    branch: config.branch,
    uptimeSeconds,
    people: cameras.reduce((sum, camera) => sum + camera.people, 0),
    cameras,
    queue: parts.queue.stats(),
    screens: parts.screens.stats(),
    bus: parts.bus.stats(),
    uplink: parts.uplink?.stats() ?? { state: 'offline' },
    backlog: Object.fromEntries(positions.map(([stream, p]) => [stream, p.backlog])),
    lastSeq: Object.fromEntries(positions.map(([stream, p]) => [stream, p.lastSeq])),
    outbox: parts.outboxWatch.report(),
    devices: {
      online: [...parts.devices.values()].filter((state) => state === 'online').length,
      total: parts.devices.size,
    },
  };
}

/** The screens section as given, or one with no screens yet, cached in the data folder. */
function screensConfig(config: GatewayConfig): ScreensConfig {
  return config.screens ?? ScreensConfig.parse({ timeZone: config.queue.timeZone,
    cacheDir: join(config.dataDir, 'screens-cache') });
}

/** The screens module as the uplink applies verified manifests to it. */
function manifestTarget(parts: Parts): ManifestTarget {
  return {
    applyManifest: (manifest) => parts.screens.control.applyManifest(manifest),
    hasAsset: (sha256) => parts.screens.control.assetFile(sha256) !== null,
  };
}

/** What HQ's remote commands do on this gateway; the others are answered as unsupported. */
function uplinkCommands(parts: Parts): CommandHandlers {
  return {
    'set-theme': (request) => parts.screens.control.setTheme(request.theme ?? ''),
    'fetch-logs': (request) => ({
      lines: parts.logs
        .query({ level: 'info', hours: (request.minutes ?? 10) / 60 })
        .slice(-300)
        .map(({ at, level, module, msg }) => ({ at, level, module, msg })),
    }),
  };
}
