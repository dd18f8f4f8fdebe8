import type { ModuleContext } from '../core/index.ts';
import type { QueueMinute } from '../protocol/index.ts';
import { prepareAutomation } from './automation/index.ts';
import type { GatewayConfig } from './config.ts';
import { type HqLeadFollower, kioskLeadDesk } from './leads/index.ts';
import { startQueue } from './queue/index.ts';
import { liveSocketPath, queueWeb } from './queue/web/index.ts';
import type { Parts } from './runtime.ts';
import { socketPath as screensSocketPath, startScreens } from './screens/index.ts';
import { startSensing } from './sensing/index.ts';
import type { ModuleSwitch, socketLanes } from './switchboard.ts';
import type { GatewayWeb } from './ui/index.ts';

export interface SwitchDeps {
  /** The config as last loaded: a module reads it when it starts, so a reload takes effect. */
  config(): GatewayConfig;
  parts: Parts;
  web: GatewayWeb;
  lanes: ReturnType<typeof socketLanes>;
  context: ModuleContext;
  sensingOptions(): Parameters<typeof startSensing>[0];
  screensOptions(): Parameters<typeof startScreens>[0];
  /** Told when the screens start, so a manifest refused while they were off is taken. */
  onScreensStarted(): void;
  /** HQ's kiosk lead settings, followed where gateway.json has none and names a cloud. */
  hqLeads: HqLeadFollower | null;
}

/**
 * The five modules HQ switches, each as a start and a stop the runtime can run while the
 * gateway serves: what the others hold of a module (the console's queue, the queue pages'
 * pairing check) follows it through `parts`, so nothing keeps a stopped module.
 */
export function moduleSwitches(deps: SwitchDeps): ModuleSwitch[] {
  return [sensing(deps), queue(deps), screens(deps), leads(deps), automation(deps)];
}

const always = () => null;

function sensing({ parts, context, sensingOptions }: SwitchDeps): ModuleSwitch {
  return {
    name: 'sensing',
    unavailable: always,
    start: async () => {
      parts.sensing = await startSensing(sensingOptions(), context);
    },
    stop: async () => {
      const running = parts.sensing;
      parts.sensing = null;
      await running?.stop();
    },
  };
}

/** The queue's options on a gateway: its store, its bus, and its minutes into the outbox. */
export function queueOptions(
  config: GatewayConfig,
  parts: Pick<Parts, 'store' | 'bus' | 'outbox'>,
  context: ModuleContext,
) {
  return {
    branch: config.branch,
    config: config.queue,
    db: parts.store.db,
    bus: parts.bus,
    recordMinute: (data: QueueMinute) =>
      parts.outbox.append({ kind: 'queue.minute', at: context.clock.now(), data }),
    branchName: config.branchName,
  };
}

function queue({ config: current, parts, web, lanes, context }: SwitchDeps): ModuleSwitch {
  return {
    name: 'queue',
    unavailable: always,
    start: async () => {
      const config = current();
      const started = await startQueue(queueOptions(config, parts, context), context);
      parts.queue = started;
      parts.queueWeb = await queueWeb(
        {
          queue: started,
          config: config.queue,
          bus: parts.bus,
          screens: { verifyPlayer: (token) => parts.screens?.verifyPlayer(token) ?? null },
          guard: web.guard,
          branchName: config.branchName,
          kiosks: config.kiosks,
          // The leads module may be switched off while the queue runs: asked at each use.
          leads: () => parts.leads,
        },
        context,
      );
      parts.queueWeb.attach(lanes.open(`${liveSocketPath}/`));
      web.attach({ queue: started });
    },
    stop: async () => {
      const [pages, running] = [parts.queueWeb, parts.queue];
      parts.queueWeb = null;
      parts.queue = null;
      web.attach({ queue: undefined });
      lanes.close(`${liveSocketPath}/`);
      await pages?.stop();
      await running?.stop();
    },
  };
}

function screens({ parts, lanes, context, screensOptions, onScreensStarted }: SwitchDeps) {
  const module: ModuleSwitch = {
    name: 'screens',
    unavailable: always,
    start: async () => {
      const started = await startScreens(screensOptions(), context);
      started.attach(lanes.open(`${screensSocketPath}/`));
      parts.screens = started;
      onScreensStarted();
    },
    stop: async () => {
      const running = parts.screens;
      parts.screens = null;
      lanes.close(`${screensSocketPath}/`);
      await running?.stop();
    },
  };
  return module;
}

function leads({ config: current, parts, web, context, hqLeads }: SwitchDeps): ModuleSwitch {
  // gateway.json's settings win; without them, HQ's (fetched, or kept from the last fetch).
  const settings = () => current().kioskLeads ?? hqLeads?.current() ?? null;
  return {
    name: 'leads',
    unavailable: () =>
      settings() ? null : (hqLeads?.problem() ?? 'no kiosk lead settings on this gateway'),
    start: async () => {
      const chosen = settings();
      if (!chosen) return;

      // Kiosk and desk leads are sealed in the page and queued as boxes for the cloud's pull.
      parts.leads = kioskLeadDesk(parts.outbox, { ...chosen, branch: current().branch }, context);
      web.attach({ leads: parts.leads });
    },
    stop: async () => {
      parts.leads = null;
      web.attach({ leads: undefined });
    },
  };
}

function automation({ config: current, parts, web, context }: SwitchDeps): ModuleSwitch {
  return {
    name: 'automation',
    // Node-RED keeps its runtime in module state: only a gateway configured for it runs it.
    unavailable: () =>
      current().automation ? null : 'automation is not configured on this gateway',
    start: async () => {
      const config = current();
      const prepared = prepareAutomation(
        {
          config: config.automation ?? {},
          server: web.server,
          bus: parts.bus,
          dataDir: config.dataDir,
          branchName: config.branchName,
          access: { technicians: config.technicians, sessionUser: web.sessionUser },
          alert: parts.console.alerts.raise,
          deviceIds: parts.console.devices.deviceIds,
        },
        context,
      );
      try {
        await prepared.start();
      } catch (err) {
        await prepared.stop();
        throw err;
      }
      parts.automation = prepared;
      web.attach({ flows: true });
    },
    stop: async () => {
      const running = parts.automation;
      parts.automation = null;
      web.attach({ flows: undefined });
      await running?.stop();
    },
  };
}
