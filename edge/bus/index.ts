import net from 'node:net';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import {
  Counter,
  Gauge,
  guardPacketSize,
  isPasswordHash,
  type ModuleContext,
  maxPacketBytes,
  metric,
  rateLimitedWarn,
} from '../../core/index.ts';
import {
  type Channel,
  decodeMessage,
  encodeMessage,
  type MessageOf,
  type ParsedTopic,
  parseTopic,
  type TopicParams,
  topic,
  topicFilter,
  topicMatches,
} from '../../protocol/index.ts';
import { accessList, type BusClient } from './acl.ts';
import { messagesOutCounter, messagesRejectedCounter } from './counters.ts';
import { attachBrokerEvents } from './events.ts';
import { runHandler } from './handler.ts';
import { answerRefusedRequests } from './refusals.ts';

export { BusClient, filterWithin } from './acl.ts';
export { connectExternalBus, type ExternalBusOptions } from './external.ts';
export { type MosquittoFiles, mosquittoFiles, mosquittoPasswordLine } from './mosquitto.ts';

export interface BusOptions {
  branch: string;
  /** Interface the TCP listener binds. Default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  clients: readonly BusClient[];
  /**
   * Whether TCP clients wait, unanswered, until `admitClients()`. A gateway holds its devices
   * until the modules that consume their messages have subscribed, since a message with no
   * subscriber is acknowledged and dropped. Default false: admitted from the start.
   */
  holdClients?: boolean;
}

export type ChannelParams<C extends Channel> = Omit<TopicParams<C>, 'branch'>;

export interface PublishOptions {
  /** Keep as the topic's latest value for late subscribers. Default false. */
  retain?: boolean;
  /** Default 1: in-process modules publish state changes that must arrive. */
  qos?: 0 | 1;
}

export type Handler<C extends Channel> = (message: MessageOf<C>, topic: ParsedTopic) => unknown;

export interface BusStats {
  clients: number;
  messagesIn: number;
  messagesOut: number;
  rejected: number;
}

export interface Bus {
  readonly branch: string;
  readonly port: number;
  readonly url: string;
  publish<C extends Channel>(
    channel: C,
    params: ChannelParams<C>,
    message: MessageOf<C>,
    options?: PublishOptions,
  ): Promise<void>;
  /** Delivers only messages that pass the channel's schema; the rest are counted and logged. */
  subscribe<C extends Channel>(
    channel: C,
    params: Partial<ChannelParams<C>>,
    handler: Handler<C>,
  ): Promise<() => Promise<void>>;
  /**
   * Lets in the TCP clients (devices, kiosks, the simulator) held since the start, and those
   * that come later; in-process modules need no admission. Idempotent.
   */
  admitClients(): void;
  /**
   * Knows a login from now on (a device added in the technician page); false where the bus
   * is a broker the gateway does not run, whose password file the technician writes.
   */
  addClient(client: BusClient): boolean;
  stats(): BusStats;
  close(): Promise<void>;
}

/** Starts the gateway's embedded broker: devices over TCP, modules in process. */
export async function startBus(options: BusOptions, context: ModuleContext): Promise<Bus> {
  const log = context.log.child({ module: 'bus' });
  const acl = accessList(options.clients);
  const broker = await Aedes.createBroker({ drainTimeout: 10_000, maxClientsIdLength: 128 });
  const counts = { messagesIn: 0, messagesOut: 0, rejected: 0 };
  const rejectedTotal = messagesRejectedCounter(context.registry);
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  const sentTotal = messagesOutCounter(context.registry);

  // The in-process subscriptions, which take a device's QoS 1 message before it is
  // acknowledged (see intake), and the payloads they have taken that way.
  const local = new Set<{ filter: string; receive: (packet: PublishPacket) => void }>();
  const takenEarly = new WeakSet<Buffer>();
  const intake = (packet: PublishPacket) => {
    if (packet.qos !== 1 || packet.retain || !Buffer.isBuffer(packet.payload)) return;

    const matching = [...local].filter((entry) => topicMatches(entry.filter, packet.topic));
    if (matching.length === 0) return;

    takenEarly.add(packet.payload);
    for (const entry of matching) entry.receive(packet);
  };

  installAccessControl(broker, acl, log, intake);
  attachBrokerEvents(broker, log, context.registry, counts);
  answerRefusedRequests(broker, options.branch);

  // Without noDelay a QoS 1 answer waits ~40 ms for Nagle's algorithm and a delayed ACK.
  const oversized = metric(
    context.registry,
    'sb_bus_packets_oversized_total',
    (registers) =>
      new Counter({
        name: 'sb_bus_packets_oversized_total',
        help: 'Connections closed for declaring a packet over the size limit',
        registers,
      }),
  );
  const accept = (socket: net.Socket) => {
    guardPacketSize(socket, maxPacketBytes, (bytes) => {
      oversized.inc();
      warn(
        `oversized:${socket.remoteAddress}`,
        { bytes, limit: maxPacketBytes, address: socket.remoteAddress },
        'oversized packet refused',
      );
    });
    broker.handle(socket);
  };
  const gate = clientGate(accept, options.holdClients ?? false);
  const server = net.createServer({ noDelay: true }, gate.arrive);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });

  const address = server.address() as net.AddressInfo;
  const clientsGauge = metric(
    context.registry,
    'sb_bus_clients',
    (registers) =>
      new Gauge({ name: 'sb_bus_clients', help: 'Clients connected to the local bus', registers }),
  );
  clientsGauge.set(0);
  broker.on('clientReady', () => clientsGauge.set(broker.connectedClients));
  broker.on('clientDisconnect', () => clientsGauge.set(broker.connectedClients));
  log.info(
    { port: address.port, clients: options.clients.length, holding: !!options.holdClients },
    'local bus listening',
  );
  for (const client of options.clients.filter((entry) => !isPasswordHash(entry.password))) {
    log.warn(
      { username: client.username },
      'bus client password is plain text: store its scrypt hash',
    );
  }

  const bus: Bus = {
    branch: options.branch,
    port: address.port,
    url: `mqtt://${options.host ?? '127.0.0.1'}:${address.port}`,
    publish: (channel, params, message, publishOptions = {}) => {
      const packet = {
        cmd: 'publish',
        topic: topic(channel, { ...params, branch: options.branch } as TopicParams<typeof channel>),
        payload: encodeMessage(channel, message),
        qos: publishOptions.qos ?? 1,
        retain: publishOptions.retain ?? false,
        dup: false,
      } as PublishPacket;
      counts.messagesOut += 1;
      sentTotal.inc();
      return new Promise((resolve, reject) =>
        broker.publish(packet, (err) => (err ? reject(err) : resolve())),
      );
    },
    subscribe: async (channel, params, handler) => {
      const filter = topicFilter(channel, { ...params, branch: options.branch } as never);
      const receive = (packet: PublishPacket) => {
        const decoded = decodeMessage(channel, packet.payload as Buffer);
        const parsed = parseTopic(packet.topic);
        if (decoded.ok && parsed) return runHandler(handler, decoded.message, parsed, log);

        const error = decoded.ok
          ? { code: 'SB_ERR_INVALID_MESSAGE', path: '(topic)' }
          : decoded.error;
        counts.rejected += 1;
        rejectedTotal.inc({ channel, code: error.code });
        warn(`${packet.topic}:${error.code}`, { topic: packet.topic, ...error }, 'message refused');
      };
      const deliver = (packet: PublishPacket, done: () => void) => {
        done();
        if (!takenEarly.has(packet.payload as Buffer)) receive(packet);
      };
      const subscription = { filter, receive };
      local.add(subscription);
      await new Promise<void>((resolve) => broker.subscribe(filter, deliver as never, resolve));
      return () => {
        local.delete(subscription);
        return new Promise<void>((resolve) =>
          broker.unsubscribe(filter, deliver as never, resolve),
        );
      };
    },
    addClient: (client) => {
      acl.add(client);
      return true;
    },
    admitClients: () => {
      if (gate.open()) log.info({ held: gate.released }, 'local bus admitting clients');
    },
    stats: () => ({ ...counts, clients: broker.connectedClients }),
    close: async () => {
      gate.drop();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      log.info('local bus closed');
    },
  };
  return bus;
}

/**
 * Holds TCP connections until opened. A held socket is left paused, so the bytes its client
 * sends (CONNECT, maybe PUBLISH) wait in the kernel and Node's buffer, and the broker reads
 * them from the start once the socket is handed over; the client sees no CONNACK meanwhile.
 */
function clientGate(accept: (socket: net.Socket) => void, hold: boolean) {
  // Each held socket with what takes its waiting listeners off before the broker reads it.
  const held = new Map<net.Socket, () => void>();
  let admitting = !hold;
  let released = 0;

  return {
    get released() {
      return released;
    },
    arrive: (socket: net.Socket) => {
      if (admitting) return accept(socket);

      // A client that gives up while held must not crash the process with an unheard error.
      const gaveUp = () => socket.destroy();
      const gone = () => held.delete(socket);
      held.set(socket, () => {
        socket.off('error', gaveUp);
        socket.off('close', gone);
      });
      socket.on('error', gaveUp);
      socket.once('close', gone);
    },
    /** Admits the held clients and every later one; false when it was open already. */
    open: () => {
      if (admitting) return false;

      admitting = true;
      for (const [socket, unwait] of held) {
        unwait();
        if (socket.destroyed) continue;

        released += 1;
        accept(socket);
      }
      held.clear();
      return true;
    },
    drop: () => {
      for (const socket of held.keys()) socket.destroy();
      held.clear();
    },
  };
}

type ClientWithIdentity = Client & { identity?: BusClient };

/**
 * Logins, publish and subscribe rights. A QoS 1 publish that passes goes to `intake` before
 * aedes answers it: aedes writes the PUBACK first and delivers after [aedes handlers/publish],
 * so a gateway killed between the two would have acknowledged a press no module had seen.
 * Taken here, a module's synchronous work (a queue decision is committed by then) comes
 * before the PUBACK, and a message the gateway never handled is sent again by its device.
 */
function installAccessControl(
  broker: Aedes,
  acl: ReturnType<typeof accessList>,
  log: ModuleContext['log'],
  intake: (packet: PublishPacket) => void,
) {
  broker.authenticate = (client, username, password, callback) => {
    acl.authenticate(username ?? '', password?.toString() ?? '').then(
      (identity) => {
        if (!identity) {
          log.warn({ client: client.id, username }, 'bus login refused');
          return callback(Object.assign(new Error('bad credentials'), { returnCode: 4 }), false);
        }

        (client as ClientWithIdentity).identity = identity;
        callback(null, true);
      },
      (err) => callback(err, false),
    );
  };

  // A publish outside the client's own topics closes its connection [MQTT-3.3.5-2].
  broker.authorizePublish = (client, packet, callback) => {
    const identity = (client as ClientWithIdentity | null)?.identity;
    const problem = identity ? acl.mayPublish(identity, packet.topic) : 'will of an unknown client';
    if (problem) {
      log.warn({ client: client?.id, topic: packet.topic }, 'bus publish refused');
      return callback(new Error(problem));
    }

    intake(packet);
    callback(null);
  };

  // A subscription outside the client's topics is negated: SUBACK 0x80 [MQTT-3.9.3].
  broker.authorizeSubscribe = (client, subscription, callback) => {
    const identity = (client as ClientWithIdentity).identity;
    const problem = identity ? acl.maySubscribe(identity, subscription.topic) : 'unknown client';
    if (problem)
      log.warn({ client: client.id, filter: subscription.topic }, 'bus subscribe refused');
    callback(null, problem ? null : subscription);
  };
}
