import type { ModuleContext } from '../core/index.ts';
import { encodeMessage, type MessageOf, topic } from '../protocol/index.ts';
import { type ServiceTally, type SimulatorStats, virtualBranch } from './branch.ts';
import { SimulatorConfig, type SimulatorConfigInput } from './config.ts';
import { openLink } from './link.ts';

export interface Simulator {
  stats(): SimulatorStats;
  /** Issued, served and waits per service, as the answers it got told it. */
  byService(): Record<string, ServiceTally>;
  /** Customers inside the branch now, for a synthetic camera to follow. */
  inBranch(): number;
  /** No more customers come in; those inside finish and leave. */
  stopArrivals(): void;
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

  const deviceState = (device: string, state: 'online' | 'offline'): Buffer =>
    encodeMessage('deviceState', stateMessage(device, state, Math.floor(context.clock.now())));
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
              onConnect: (publish) =>
                publish(stateTopic(device), deviceState(device, 'online'), true),
            }
          : {}),
      },
      context.clock,
      log.child({ link: name }),
    );
  };

  const links = {
    kiosk: await link('kiosk', clients.kiosk, {
      device: devices.kiosk,
      replyTopic: replyTopic(devices.kiosk),
    }),
    door: await link('door', clients.door, { device: devices.door }),
    counter: await link('counter', clients.counter, { replyTopic: replyTopic(devices.counters) }),
  };
  const branch = virtualBranch(config, links, context.clock, log);

  return {
    stats: branch.stats,
    byService: branch.byService,
    inBranch: branch.inBranch,
    stopArrivals: branch.stopArrivals,
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

function stateMessage(device: string, state: 'online' | 'offline', at: number) {
  const message: MessageOf<'deviceState'> = { device, at, state };
  if (state === 'offline') message.reason = 'simulator stopped or disconnected';
  return message;
}
