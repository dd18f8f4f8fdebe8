import { join } from 'node:path';
import {
  ConfigError,
  type ErrorCode,
  Gauge,
  loadConfigFile,
  type ModuleContext,
  metric,
  type Registry,
  SmartBranchError,
  smartbranchVersion,
} from '../core/index.ts';
import { deviceBusClients } from '../devices/index.ts';
import { PushedProfile } from '../firmware-config/index.ts';
import {
  type AudienceCount,
  type AudienceMinute,
  type CommandRequest,
  type DeviceState,
  type LiveStatus,
  ModuleName,
  type ModuleSettings,
  type ModulesRunning,
  Stream,
  type UplinkRecord,
  type ZoneAudience,
} from '../protocol/index.ts';
import type { Automation } from './automation/index.ts';
import { type Bus, connectExternalBus, startBus } from './bus/index.ts';
import { GatewayConfig } from './config.ts';
import { followHqLeadSettings, type LeadDesk } from './leads/index.ts';
import type { Queue } from './queue/index.ts';
import type { QueueWeb } from './queue/web/index.ts';
import { reloadPlan } from './reload.ts';
import { type Screens, ScreensConfig, type ScreensOptions } from './screens/index.ts';
import type { Sensing } from './sensing/index.ts';
import {
  type Outbox,
  type OutboxWatch,
  openStore,
  outbox,
  type Store,
  type StoreAlarm,
  watchOutbox,
} from './store/index.ts';
import { routerDoor, type Switchboard, socketLanes, switchboard } from './switchboard.ts';
import { moduleSwitches } from './switches.ts';
import {
  camerasWithZones,
  captureLogs,
  type GatewayHttp,
  type GatewayWeb,
  gatewayWeb,
  hashedLogins,
  type LogRing,
  storedBusProfiles,
  type TechnicianConsole,
  technicianConsole,
} from './ui/index.ts';
import {
  type CommandHandlers,
  type ManifestTarget,
  startUplink,
  storedModules,
  type Uplink,
  type UplinkOptions,
} from './uplink/index.ts';

export { GatewayConfig } from './config.ts';
export type { CameraStats } from './sensing/index.ts';

export interface GatewayStats {
  gateway: string;
  branch: string;
  uptimeSeconds: number;
  people: number;
  cameras: ReturnType<Sensing['stats']>['cameras'];
  /** Null while HQ has the module switched off. */
  queue: ReturnType<Queue['stats']> | null;
  screens: ReturnType<Screens['stats']> | null;
  bus: ReturnType<Bus['stats']>;
  uplink: ReturnType<Uplink['stats']> | { state: 'offline' };
  backlog: Record<string, number>;
  lastSeq: Record<string, number>;
  /** The unconfirmed backlog's size and age against its limits, and what a full disk holds. */
  outbox: ReturnType<OutboxWatch['report']>;
  devices: { online: number; total: number };
  /** The modules running and the HQ settings version they follow. */
  modules: ModulesRunning;
}

export interface Gateway {
  /** The web server's address; empty for a fleet-mode gateway, which serves no pages. */
  readonly httpUrl: string;
  readonly busUrl: string;
  stats(): GatewayStats;
  /** The outbox, for the demo's summary: what the gateway stored and the cloud confirmed. */
  readonly outbox: Outbox;
  /** Each screen's current pairing code, as the technician page shows them. */
  pairingCodes(): ReturnType<Screens['pairingCodes']>;
  /** The modules running now, as HQ's switches and this gateway's settings allow. */
  modules(): ModulesRunning;
  /** Closes the open minutes of sensing and queue into the outbox, for a run that ends. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** What the runtime holds; a module switched off is null until it starts again. */
export interface Parts {
  store: Store;
  outbox: Outbox;
  outboxWatch: OutboxWatch;
  bus: Bus;
  queue: Queue | null;
  sensing: Sensing | null;
  screens: Screens | null;
  leads: LeadDesk | null;
  uplink: Uplink | null;
  http: GatewayHttp;
  devices: Map<string, DeviceState['state']>;
  logs: LogRing;
  console: TechnicianConsole;
  automation: Automation | null;
  queueWeb: QueueWeb | null;
  modules: Switchboard;
}

/** What every gateway holds, fleet mode included: no web, console, log ring or Node-RED. */
export type CoreParts = Pick<
  Parts,
  | 'store'
  | 'outbox'
  | 'outboxWatch'
  | 'bus'
  | 'queue'
  | 'sensing'
  | 'screens'
  | 'uplink'
  | 'devices'
  | 'modules'
>;

/**
 * Starts one branch's gateway: store, bus, web UI, the modules HQ lets it run (sensing,
 * queue, screens, leads, automation), the devices, and the uplink, in that order, and stops
 * them in the reverse order. The bus holds its TCP clients until the modules have subscribed:
 * a device's message that reached no subscriber would be acknowledged and lost, a button's
 * press among them. The gateway works with the cloud gone; HQ's module switches take effect
 * while it runs and are kept for the next start.
 */
export async function startGateway(
  config: GatewayConfig,
  context: ModuleContext,
  options: {
    /** The file `config` came from: HQ's reload-config command reads it again. */
    configFile?: string;
  } = {},
): Promise<Gateway> {
  const log = context.log.child({ module: 'runtime', gateway: config.gateway });
  // What the modules read when they start; a reload swaps in the settings it may change.
  const live = { config, file: options.configFile };
  const startedAt = context.clock.now();
  const parts = {
    queue: null,
    sensing: null,
    screens: null,
    leads: null,
    automation: null,
    queueWeb: null,
  } as Parts;
  parts.devices = new Map();
  parts.logs = captureLogs(context.log, context.clock);

  parts.store = openStore(join(config.dataDir, 'gateway.db'), context);
  parts.outbox = outbox(parts.store.db);
  backlogGauge(parts.outbox, context.registry);
  parts.outboxWatch = watchOutbox(
    {
      db: parts.store.db,
      outbox: parts.outbox,
      limits: config.outboxLimits,
      confirmedRetentionHours: config.confirmedRetentionHours,
      alarm: (alarm) => storeAlarm(parts, alarm, context),
    },
    context,
  );
  // Devices added in the technician UI are admitted by the bus with their own credentials,
  // once the modules that consume their messages have subscribed (see admitDevices).
  parts.bus = config.bus.external
    ? await connectExternalBus({ branch: config.branch, ...config.bus.external }, context)
    : await startBus(
        {
          branch: config.branch,
          ...config.bus,
          clients: [
            ...config.bus.clients,
            ...(await hashedLogins(
              deviceBusClients(
                config.branch,
                storedBusProfiles(config.dataDir, config.bus.clients),
              ),
            )),
          ],
          holdClients: true,
        },
        context,
      );
  await trackDevices(parts);

  const stats = () => gatewayStats(config, parts, (context.clock.now() - startedAt) / 1000);
  const web = gatewayWeb(
    {
      ...config.http,
      technicians: config.technicians,
      status: () => ({
        ...stats(),
        branchName: config.branchName,
        nowServing: parts.queue?.state().nowServing ?? [],
        pairingCodes: parts.screens?.pairingCodes() ?? [],
      }),
      metrics: () => context.registry.metrics(),
      ready: () => isReady(parts),
      dataDir: config.dataDir,
    },
    context,
  );
  const lanes = socketLanes(web.server);
  web.mount(routerDoor(() => parts.screens?.router ?? null));
  web.mount(routerDoor(() => parts.queueWeb?.router ?? null));
  web.mount(routerDoor(() => parts.leads?.router ?? null));
  web.mount(routerDoor(() => parts.automation?.router ?? null));
  parts.console = await technicianConsole(
    {
      gateway: config.gateway,
      branch: config.branch,
      branchName: config.branchName,
      dataDir: config.dataDir,
      config,
      bus: parts.bus,
      queueSetup: config.queue,
      cameras: config.cameras,
      logs: parts.logs,
      allowSimulatedDevices: config.allowSimulatedDevices,
      busClients: config.bus.clients,
      applyZones: (camera, zones) => void parts.sensing?.applyZones(camera, zones),
    },
    context,
  );
  web.attach(parts.console.parts);
  parts.http = await web.listen();

  // Without its own lead settings a gateway offers HQ's; once they arrive, a wanted leads
  // module that could not start is started.
  const hqLeads =
    config.uplink && !config.kioskLeads
      ? followHqLeadSettings(
          {
            cloudUrl: config.uplink.cloudUrl,
            cacheFile: join(config.dataDir, 'lead-settings.json'),
            retryMs: config.uplink.retryMs * 5,
            onChange: () => void leadSettingsChanged(parts),
          },
          context,
        )
      : null;
  parts.modules = switchboard(
    moduleSwitches({
      hqLeads,
      config: () => live.config,
      parts,
      web,
      lanes,
      context,
      sensingOptions: () => sensingOptions(live.config, parts, context),
      screensOptions: () => screensOptions(live.config, parts, web, context),
      onScreensStarted: () => parts.uplink?.retakeManifest(),
    }),
    log,
  );
  const stored = storedModules(parts.store.db);
  await parts.modules.apply(
    { ...configuredModules(config), ...stored?.modules },
    stored?.version ?? 0,
  );
  parts.bus.admitClients();
  await parts.console.start(parts.bus.url);

  parts.uplink = await connectUplink(config, parts, context, {
    commands: uplinkCommands(parts, () => reloadConfig(parts, live, log)),
    onModules: (modules, version) => void followModules(parts, modules, version),
  });

  log.info(
    {
      http: parts.http.url,
      bus: parts.bus.url,
      version: smartbranchVersion,
      modules: parts.modules.report().running,
      simulatedDevices: config.allowSimulatedDevices,
    },
    'gateway started',
  );

  return gatewayHandle(parts, log, {
    httpUrl: parts.http.url,
    stats,
    stopWeb: async () => {
      hqLeads?.stop();
      await parts.console.stop();
      await parts.http.close();
    },
    afterStop: () => parts.logs.detach(),
  });
}

/**
 * The handle every kind of gateway returns; `stopWeb` closes what serves pages, between the
 * modules and the bus, and `afterStop` runs once the last line is logged.
 */
export function gatewayHandle(
  parts: CoreParts,
  log: ModuleContext['log'],
  options: {
    httpUrl: string;
    stats: () => GatewayStats;
    stopWeb?: () => Promise<void>;
    afterStop?: () => void;
  },
): Gateway {
  return {
    httpUrl: options.httpUrl,
    busUrl: parts.bus.url,
    outbox: parts.outbox,
    stats: options.stats,
    pairingCodes: () => parts.screens?.pairingCodes() ?? [],
    modules: () => parts.modules.report(),
    flush: async () => {
      parts.sensing?.flush();
      parts.queue?.flush();
      parts.screens?.flush();
    },
    stop: async () => {
      parts.outboxWatch.stop();
      await parts.uplink?.stop();
      await parts.modules.stopAll();
      await options.stopWeb?.();
      await parts.bus.close();
      parts.store.close();
      log.info('gateway stopped');
      options.afterStop?.();
    },
  };
}

/** What runs when HQ never said: every module this gateway has settings for. */
function configuredModules(config: GatewayConfig): Record<ModuleName, boolean> {
  return {
    sensing: true,
    queue: true,
    screens: true,
    // HQ's lead settings stand in for a gateway.json without them.
    leads: config.kioskLeads !== undefined || config.uplink !== undefined,
    automation: config.automation !== undefined,
  };
}

/** New lead settings from HQ: a running leads module takes them, a waiting one starts. */
async function leadSettingsChanged(parts: Parts) {
  // The first settings may come before the switchboard exists; its first apply takes them.
  if (!parts.modules) return;

  if (parts.modules.isRunning('leads')) await parts.modules.restart('leads');
  else await parts.modules.apply({}, parts.modules.report().version);
}

/** Follows HQ's switch, then pushes the status at once: it is the switch's acknowledgement. */
async function followModules(parts: Parts, modules: ModuleSettings['modules'], version: number) {
  await parts.modules.apply(modules, version);
  parts.uplink?.pushStatus();
}

/** Live counts go on the bus at most once per interval per camera, the latest value winning. */
export function sensingOptions(config: GatewayConfig, parts: CoreParts, context: ModuleContext) {
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
      const message: DeviceState =
        reason === undefined
          ? { device, at: context.clock.now(), state }
          : { device, at: context.clock.now(), state, reason: reason.slice(0, 300) };
      void parts.bus.publish('deviceState', { device }, message, { retain: true });
    },
  };
}

/** A store alarm reaches the technician page at once and HQ over the pushed channel. */
function storeAlarm(parts: Parts, alarm: StoreAlarm, context: ModuleContext) {
  parts.console?.alerts.raise({
    at: context.clock.now(),
    severity: alarm.severity,
    title: alarm.code,
    message: alarm.message,
    node: 'store',
  });
  parts.uplink?.alarm(alarm);
}

export async function trackDevices(parts: CoreParts) {
  await parts.bus.subscribe('deviceState', {}, (message) => {
    parts.devices.set(message.device, message.state);
  });
}

export function liveStatus(parts: CoreParts): Omit<LiveStatus, 'gateway' | 'at'> {
  const cameras = parts.sensing?.stats().cameras ?? [];
  const screens = parts.screens?.stats();
  return {
    version: smartbranchVersion,
    people: cameras.reduce((sum, camera) => sum + camera.people, 0),
    cameraSource: cameras[0]?.source ?? null,
    ticketsWaiting: parts.queue?.stats().waiting ?? 0,
    ticketsServedToday: parts.queue?.state().servedToday ?? 0,
    backlog: Object.fromEntries(
      Stream.options.map((stream) => [stream, parts.outbox.position(stream).backlog]),
    ) as LiveStatus['backlog'],
    devicesOnline: [...parts.devices.values()].filter((state) => state === 'online').length,
    devicesTotal: parts.devices.size,
    cameras: cameras.map(({ id, state, reason }) =>
      reason === null ? { id, state } : { id, state, reason: reason.slice(0, 300) },
    ),
    ...(screens ? { screensOnline: screens.screensOnline } : {}),
    modules: parts.modules.report(),
  };
}

/** The store answers a query and the bus has not been closed. */
function isReady(parts: Parts): boolean {
  parts.store.db.prepare('SELECT 1').get();
  return parts.bus.stats() !== undefined;
}

/** Records waiting for the cloud per stream, read at each scrape. */
function backlogGauge(box: Outbox, registry: Registry) {
  metric(
    registry,
    'sb_outbox_backlog_records',
    (registers) =>
      new Gauge({
        name: 'sb_outbox_backlog_records',
        help: 'Records not yet confirmed by the cloud',
        labelNames: ['stream'],
        registers,
        collect() {
          for (const stream of Stream.options) this.set({ stream }, box.position(stream).backlog);
        },
      }),
  );
}

export function gatewayStats(
  config: GatewayConfig,
  parts: CoreParts,
  uptimeSeconds: number,
): GatewayStats {
  const cameras = parts.sensing?.stats().cameras ?? [];
  const positions = Stream.options.map(
    (stream) => [stream, parts.outbox.position(stream)] as const,
  );
  return {
    gateway: config.gateway,
    branch: config.branch,
    uptimeSeconds,
    people: cameras.reduce((sum, camera) => sum + camera.people, 0),
    cameras,
    queue: parts.queue?.stats() ?? null,
    screens: parts.screens?.stats() ?? null,
    bus: parts.bus.stats(),
    uplink: parts.uplink?.stats() ?? { state: 'offline' },
    backlog: Object.fromEntries(positions.map(([stream, p]) => [stream, p.backlog])),
    lastSeq: Object.fromEntries(positions.map(([stream, p]) => [stream, p.lastSeq])),
    outbox: parts.outboxWatch.report(),
    devices: {
      online: [...parts.devices.values()].filter((state) => state === 'online').length,
      total: parts.devices.size,
    },
    modules: parts.modules.report(),
  };
}

function screensOptions(
  config: GatewayConfig,
  parts: Parts,
  web: GatewayWeb,
  context: ModuleContext,
): ScreensOptions {
  return {
    branch: config.branch,
    config: screensConfig(config),
    db: parts.store.db,
    bus: parts.bus,
    branchName: config.branchName,
    guard: web.guard,
    ...(config.uplink
      ? { cloudAssetUrl: new URL('/api/assets', config.uplink.cloudUrl).href }
      : {}),
    recordPlay: (data) =>
      parts.outbox.appendOrHold({ kind: 'screen.play-hour', at: context.clock.now(), data }),
  };
}

/** The screens section as given, or one with no screens yet, cached in the data folder. */
export function screensConfig(config: GatewayConfig): ScreensConfig {
  return (
    config.screens ??
    ScreensConfig.parse({
      timeZone: config.queue.timeZone,
      cacheDir: join(config.dataDir, 'screens-cache'),
    })
  );
}

/** The screens module as the uplink applies verified manifests to it, while it runs. */
/** The link to the cloud, where the config names one: the same for every kind of gateway. */
export async function connectUplink(
  config: GatewayConfig,
  parts: CoreParts,
  context: ModuleContext,
  handlers: Required<Pick<UplinkOptions, 'commands' | 'onModules'>>,
): Promise<Uplink | null> {
  if (!config.uplink) return null;

  const options: UplinkOptions = {
    gateway: config.gateway,
    branch: config.branch,
    config: config.uplink,
    credentialsFile: join(config.dataDir, 'credentials.json'),
    outbox: parts.outbox,
    status: () => liveStatus(parts),
    db: parts.store.db,
    screens: manifestTarget(parts),
    bus: parts.bus,
    ...handlers,
  };
  return startUplink(options, context);
}

export function manifestTarget(parts: CoreParts): ManifestTarget {
  return {
    applyManifest: (manifest) =>
      parts.screens?.control.applyManifest(manifest) ?? {
        applied: false,
        reason: 'the screens module is off on this gateway',
      },
    hasAsset: (sha256) => (parts.screens?.control.assetFile(sha256) ?? null) !== null,
  };
}

/** What HQ's remote commands do on this gateway. */
function uplinkCommands(parts: Parts, reload: () => Promise<unknown>): CommandHandlers {
  return {
    'reload-config': reload,
    'push-profile': (request) => pushProfile(parts, request),
    'set-theme': (request) =>
      running(parts.screens, 'screens').control.setTheme(request.theme ?? ''),
    'fetch-logs': (request) => ({
      lines: parts.logs
        .query({ level: 'info', hours: (request.minutes ?? 10) / 60 })
        .slice(-300)
        .map(({ at, level, module, msg }) => ({ at, level, module, msg })),
    }),
    'restart-module': async (request) => {
      const name = ModuleName.safeParse(request.module);
      if (!name.success || !parts.modules.isRunning(name.data)) {
        throw new SmartBranchError('SB_ERR_UNAVAILABLE', `${request.module} is not running`);
      }

      return { modules: (await parts.modules.restart(name.data)).running };
    },
  };
}

/**
 * Reads gateway.json again and takes what it can while serving: the settings the modules read
 * when they start (restarting those running), and the modules it configures. A file that
 * fails its schema changes nothing. Says what was taken and what waits for a restart.
 */
async function reloadConfig(
  parts: Parts,
  live: { config: GatewayConfig; file: string | undefined },
  log: ModuleContext['log'],
) {
  if (!live.file) {
    throw new SmartBranchError('SB_ERR_UNAVAILABLE', 'this gateway was started without a file');
  }

  let next: GatewayConfig;
  try {
    next = loadConfigFile(live.file, GatewayConfig);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.warn({ file: live.file, problems: err.problems }, 'config reload refused');
    const detail = `${live.file} unchanged: ${err.problems.slice(0, 5).join('; ')}`;
    throw new SmartBranchError('SB_ERR_INVALID_CONFIG', detail, err.problems[0]);
  }

  const plan = reloadPlan(live.config, next);
  live.config = plan.config;
  const runningBefore = new Set(parts.modules.report().running);
  const stored = storedModules(parts.store.db);
  await parts.modules.apply(
    { ...configuredModules(live.config), ...stored?.modules },
    parts.modules.report().version,
  );

  const restarted = plan.restart.filter(
    (name) => runningBefore.has(name) && parts.modules.isRunning(name),
  );
  for (const name of restarted) await parts.modules.restart(name);
  const modules = parts.modules.report();
  log.info(
    { reloaded: plan.reloaded, restarted, needsRestart: plan.needsRestart },
    'config reloaded',
  );
  parts.uplink?.pushStatus();
  return { reloaded: plan.reloaded, restarted, needsRestart: plan.needsRestart, modules };
}

/**
 * Moves a device the technician page runs to the profile HQ pushed, the way the page's own
 * edit does: checked, applied, and rolled back to the running profile when it fails. The
 * device keeps its bus credentials; the pushed profile carries none.
 */
async function pushProfile(parts: Parts, request: CommandRequest) {
  const device = request.device ?? '';
  const current = parts.console.devices.profile(device);
  if (!current) {
    throw new SmartBranchError('SB_ERR_NOT_FOUND', `no device ${device} on this gateway`, 'device');
  }

  const checked = PushedProfile.safeParse(request.profile);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const path = ['profile', ...(issue?.path ?? []).map(String)].join('.');
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `${path}: ${issue?.message}`, path);
  }

  const answer = await parts.console.devices.edit(device, { ...request.profile, bus: current.bus });
  if (answer?.status === 'ok') {
    return { device, version: checked.data.version, previous: current.version };
  }

  const error = answer?.error ?? { code: 'SB_ERR_DEVICE_FAULT', message: 'no answer' };
  throw new SmartBranchError(error.code as ErrorCode, error.message, error.path);
}

function running<T>(module: T | null, name: string): T {
  if (module === null) throw new SmartBranchError('SB_ERR_UNAVAILABLE', `${name} is off`);
  return module;
}
