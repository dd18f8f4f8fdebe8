import type { ModuleContext } from '../core/index.ts';
import { type DeviceState, encodeMessage, type MessageOf, topic } from '../protocol/index.ts';
import {
  type CounterTally,
  type ServiceTally,
  type SimulatorFault,
  type SimulatorStats,
  virtualBranch,
} from './branch.ts';
import { SimulatorConfig, type SimulatorConfigInput } from './config.ts';
import { type Link, openLink } from './link.ts';

export interface Simulator {
  stats(): SimulatorStats;
  /** Issued, served and waits per service, as the answers it got told it. */
  byService(): Record<string, ServiceTally>;
  /** Served, waits and service times per counter, as the answers it got told it. */
  byCounter(): Record<string, CounterTally>;
  /** Customers inside the branch now, for a synthetic camera to follow. */
  inBranch(): number;
  /** No more customers come in; those inside finish and leave. */
  stopArrivals(): void;
  /** Switches a simulated fault on or off; the device's retained state says so. */
  fault(fault: SimulatorFault, on: boolean): void;
  /** Resolves once every request sent so far has its answer: a lock step for tests. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A virtual branch on the gateway's bus, over real MQTT connections with the devices'
 * own credentials: a door sensor, a kiosk and the counters' staff.
 */
export async function startSimulator(
  rawConfig: SimulatorConfigInput,
  context: ModuleContext,
): Promise<Simulator> {
  const config = SimulatorConfig.parse(rawConfig);
  const log = context.log.child({ module: 'simulator', branch: config.branch });
  const { clients } = config.gateway;
  const { devices } = config;

  // What each device reports while connected: online, or what a simulated fault makes it.
  const reported = new Map<string, { state: DeviceState['state']; reason?: string }>();
  const deviceState = (device: string, state?: 'offline'): Buffer => {
    const now = reported.get(device) ?? { state: 'online' as const };
    const message: MessageOf<'deviceState'> = state
      ? { device, at: Math.floor(context.clock.now()), state, reason: 'simulator disconnected' }
      : { device, at: Math.floor(context.clock.now()), ...now };
    return encodeMessage('deviceState', message);
  };
  const stateTopic = (device: string) => topic('deviceState', { branch: config.branch, device });
  const replyTopic = (client: string) => topic('reply', { branch: config.branch, client });

  const link = (
    name: string,
    credentials: { username: string; password: string },
    extra: { replyTopic?: string; device?: string },
  ) => {
    const device = extra.device;
    return openLink(
      {
        url: config.gateway.brokerUrl,
        ...credentials,
        replyTimeoutMs: config.replyTimeoutMs,
        clientId: `sim-${config.branch}-${name}`,
        ...(extra.replyTopic ? { replyTopic: extra.replyTopic } : {}),
        // A device's retained state goes again on every connection: a restarted broker
        // has forgotten it, and the will has marked it offline.
        ...(device
          ? {
              will: {
                topic: stateTopic(device),
                payload: deviceState(device, 'offline'),
                retain: true,
              },
              onConnect: (publish) => publish(stateTopic(device), deviceState(device), true),
            }
          : {}),
      },
      context.clock,
      log.child({ link: name }),
    );
  };

  // A refused login closes the links already open: a half-started simulator keeps nothing.
  const opened: Link[] = [];
  const keep = async (made: Promise<Link>) => {
    opened.push(await made);
    return opened.at(-1) as Link;
  };
  const links = await (async () => ({
    kiosk: await keep(
      link('kiosk', clients.kiosk, {
        device: devices.kiosk,
        replyTopic: replyTopic(devices.kiosk),
      }),
    ),
    door: await keep(link('door', clients.door, { device: devices.door })),
    counter: await keep(
      link('counter', clients.counter, { replyTopic: replyTopic(devices.counters) }),
    ),
  }))().catch(async (err: unknown) => {
    await Promise.all(opened.map((made) => made.close()));
    throw err;
  });
  const branch = virtualBranch(config, links, context.clock, log);

  return {
    stats: branch.stats,
    byService: branch.byService,
    byCounter: branch.byCounter,
    inBranch: branch.inBranch,
    stopArrivals: branch.stopArrivals,
    fault: (fault, on) => {
      const [device, owner] =
        fault === 'kiosk-offline' ? [devices.kiosk, links.kiosk] : [devices.door, links.door];
      const state = fault === 'door-flapping' ? 'degraded' : 'offline';
      if (on) reported.set(device, { state, reason: `simulated fault: ${fault}` });
      else reported.delete(device);
      branch.setFault(fault, on);
      owner.publish(stateTopic(device), deviceState(device), true);
      log.info({ fault, on }, 'simulated fault switched');
    },
    settled: async () => {
      while (links.kiosk.pending() + links.counter.pending() > 0) {
        await Promise.all([links.kiosk.idle(), links.counter.idle()]);
      }
    },
    stop: async () => {
      branch.stop();
      for (const device of [devices.kiosk, devices.door]) {
        const owner = device === devices.kiosk ? links.kiosk : links.door;
        owner.publish(stateTopic(device), deviceState(device, 'offline'), true);
      }
      await Promise.all(Object.values(links).map((made) => made.close()));
      log.info(branch.stats(), 'simulator stopped');
    },
  };
}
