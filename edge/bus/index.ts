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
} from '../../protocol/index.ts';
import { accessList, type BusClient } from './acl.ts';
import { messagesOutCounter } from './counters.ts';
import { attachBrokerEvents } from './events.ts';
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
  stats(): BusStats;
  close(): Promise<void>;
}

/** Starts the gateway's embedded broker: devices over TCP, modules in process. */
export async function startBus(options: BusOptions, context: ModuleContext): Promise<Bus> {
  const log = context.log.child({ module: 'bus' });
  const acl = accessList(options.clients);
  const broker = await Aedes.createBroker({ drainTimeout: 10_000, maxClientsIdLength: 128 });
  const counts = { messagesIn: 0, messagesOut: 0, rejected: 0 };
  const rejectedTotal = metric(
    context.registry,
    'sb_bus_messages_rejected_total',
    (registers) =>
      new Counter({
        name: 'sb_bus_messages_rejected_total',
        help: 'Messages refused by a schema',
        labelNames: ['channel', 'code'],
        registers,
      }),
  );
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  const sentTotal = messagesOutCounter(context.registry);

  installAccessControl(broker, acl, log);
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
  const server = net.createServer({ noDelay: true }, (socket) => {
    guardPacketSize(socket, maxPacketBytes, (bytes) => {
      oversized.inc();
      warn(
        `oversized:${socket.remoteAddress}`,
        { bytes, limit: maxPacketBytes, address: socket.remoteAddress },
        'oversized packet refused',
      );
    });
    broker.handle(socket);
  });
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
  log.info({ port: address.port, clients: options.clients.length }, 'local bus listening');
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
      const deliver = (packet: PublishPacket, done: () => void) => {
        done();
        const decoded = decodeMessage(channel, packet.payload as Buffer);
        const parsed = parseTopic(packet.topic);
        if (decoded.ok && parsed) return void runHandler(handler, decoded.message, parsed, log);

        const error = decoded.ok
          ? { code: 'SB_ERR_INVALID_MESSAGE', path: '(topic)' }
          : decoded.error;
        counts.rejected += 1;
        rejectedTotal.inc({ channel, code: error.code });
        warn(`${packet.topic}:${error.code}`, { topic: packet.topic, ...error }, 'message refused');
      };
      await new Promise<void>((resolve) => broker.subscribe(filter, deliver as never, resolve));
      return () =>
        new Promise<void>((resolve) => broker.unsubscribe(filter, deliver as never, resolve));
    },
    stats: () => ({ ...counts, clients: broker.connectedClients }),
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      log.info('local bus closed');
    },
  };
  return bus;
}

function runHandler<C extends Channel>(
  handler: Handler<C>,
  message: MessageOf<C>,
  parsed: ParsedTopic,
  log: ModuleContext['log'],
) {
  try {
    const result = handler(message, parsed);
    if (result instanceof Promise) result.catch((err) => log.error({ err }, 'bus handler failed'));
  } catch (err) {
    log.error({ err }, 'bus handler failed');
  }
}

type ClientWithIdentity = Client & { identity?: BusClient };

function installAccessControl(
  broker: Aedes,
  acl: ReturnType<typeof accessList>,
  log: ModuleContext['log'],
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
    if (problem) log.warn({ client: client?.id, topic: packet.topic }, 'bus publish refused');
    callback(problem ? new Error(problem) : null);
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
