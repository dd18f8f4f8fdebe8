import { join } from 'node:path';
import { type ModuleContext, SmartBranchError, smartbranchVersion } from '../core/index.ts';
import type { ModuleName } from '../protocol/index.ts';
import { startBus } from './bus/index.ts';
import type { GatewayConfig } from './config.ts';
import { startQueue } from './queue/index.ts';
import {
  type CoreParts,
  connectUplink,
  type Gateway,
  gatewayHandle,
  gatewayStats,
  screensConfig,
  sensingOptions,
  trackDevices,
} from './runtime.ts';
import { startScreens } from './screens/index.ts';
import { startSensing } from './sensing/index.ts';
import { openStore, outbox, watchOutbox } from './store/index.ts';
import { type ModuleSwitch, switchboard } from './switchboard.ts';
import { queueOptions } from './switches.ts';
import { type CommandHandlers, storedModules } from './uplink/index.ts';

/**
 * A fleet-mode gateway: the same store, bus, sensing, queue, screens scheduler and uplink as a
 * branch box, started and stopped in the same order and switched by HQ the same way, for one
 * of many branches in one process. Left out, because they are per-gateway weight a simulated
 * branch has no one to show to: the web server (technician UI, kiosk and display pages, the
 * screens' player sockets), the technician console with its device profiles, the in-memory
 * log ring (one process log serves the fleet; `fetch-logs` is answered as unsupported), the
 * kiosk lead desk and Node-RED.
 */
export async function startFleetGateway(
  config: GatewayConfig,
  context: ModuleContext,
): Promise<Gateway> {
  if (config.automation || config.kioskLeads || config.bus.external) {
    throw new SmartBranchError(
      'SB_ERR_INVALID_CONFIG',
      'a fleet-mode gateway runs its own bus, no Node-RED and no kiosk lead form',
    );
  }

  const log = context.log.child({ module: 'runtime', gateway: config.gateway, mode: 'fleet' });
  const startedAt = context.clock.now();
  const parts = { queue: null, sensing: null, screens: null, uplink: null } as CoreParts;
  parts.devices = new Map();

  parts.store = openStore(join(config.dataDir, 'gateway.db'), context);
  parts.outbox = outbox(parts.store.db);
  parts.outboxWatch = watchOutbox(
    {
      db: parts.store.db,
      outbox: parts.outbox,
      limits: config.outboxLimits,
      confirmedRetentionHours: config.confirmedRetentionHours,
      alarm: (alarm) => parts.uplink?.alarm(alarm),
    },
    context,
  );
  // The same order as a branch box: devices wait until the modules have subscribed.
  parts.bus = await startBus({ branch: config.branch, ...config.bus, holdClients: true }, context);
  await trackDevices(parts);
  parts.modules = switchboard(fleetSwitches(config, parts, context), log);
  const stored = storedModules(parts.store.db);
  await parts.modules.apply(
    { sensing: true, queue: true, screens: true, ...stored?.modules },
    stored?.version ?? 0,
  );
  parts.bus.admitClients();
  parts.uplink = await connectUplink(config, parts, context, {
    commands: fleetCommands(parts),
    onModules: (modules, version) =>
      void parts.modules.apply(modules, version).then(() => parts.uplink?.pushStatus()),
  });
  log.info({ bus: parts.bus.url, version: smartbranchVersion }, 'gateway started');

  return gatewayHandle(parts, log, {
    httpUrl: '',
    stats: () => gatewayStats(config, parts, (context.clock.now() - startedAt) / 1000),
  });
}

/** Sensing, queue and screens as HQ switches them, without the pages and sockets they serve. */
function fleetSwitches(config: GatewayConfig, parts: CoreParts, context: ModuleContext) {
  const unavailable = () => null;
  const module = (name: ModuleName, start: () => Promise<void>, stop: () => Promise<void>) =>
    ({ name, unavailable, start, stop }) satisfies ModuleSwitch;
  // Let go first, then stop: nothing reaches a module that is stopping.
  const stopPart = async (key: 'sensing' | 'queue' | 'screens') => {
    const running = parts[key];
    parts[key] = null;
    await running?.stop();
  };

  return [
    module(
      'sensing',
      async () => {
        parts.sensing = await startSensing(sensingOptions(config, parts, context), context);
      },
      () => stopPart('sensing'),
    ),
    module(
      'queue',
      async () => {
        parts.queue = await startQueue(queueOptions(config, parts, context), context);
      },
      () => stopPart('queue'),
    ),
    module(
      'screens',
      async () => {
        parts.screens = await startScreens(
          {
            branch: config.branch,
            config: screensConfig(config),
            db: parts.store.db,
            bus: parts.bus,
            branchName: config.branchName,
            ...(config.uplink
              ? { cloudAssetUrl: new URL('/api/assets', config.uplink.cloudUrl).href }
              : {}),
            recordPlay: (data) =>
              parts.outbox.appendOrHold({
                kind: 'screen.play-hour',
                at: context.clock.now(),
                data,
              }),
          },
          context,
        );
        parts.uplink?.retakeManifest();
      },
      () => stopPart('screens'),
    ),
  ];
}

/** HQ's commands a fleet gateway can follow; the others are answered as unsupported. */
function fleetCommands(parts: CoreParts): CommandHandlers {
  return {
    'set-theme': (request) => {
      if (!parts.screens) throw new SmartBranchError('SB_ERR_UNAVAILABLE', 'screens is off');
      return parts.screens.control.setTheme(request.theme ?? '');
    },
  };
}
