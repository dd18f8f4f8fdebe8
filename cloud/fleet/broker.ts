import net from 'node:net';
import { Aedes, type AuthenticateError } from 'aedes';
import type { Kysely } from 'kysely';
import {
  guardPacketSize,
  type Logger,
  listenBacklog,
  type ModuleContext,
  maxPacketBytes,
  rateLimitedWarn,
} from '../../core/index.ts';
import { topicMatches } from '../../protocol/index.ts';
import { cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import { BrokerAccess } from './access.ts';
import type { GatewayIdentity } from './gateways.ts';
import { indexRetained } from './retained.ts';

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  /** The authenticated gateway that published it. */
  publisher: GatewayIdentity;
}

export interface PublishOptions {
  qos: 0 | 1;
  retain?: boolean;
}

type Handler = (message: InboundMessage) => void;

/** The cloud's side of the bus: in-process publish and delivery, no socket of its own. */
export interface CloudBroker {
  /** `mqtt://host:port` as bound. */
  url: string;
  publish(topic: string, payload: Buffer, options: PublishOptions): Promise<void>;
  /** Calls `handler` for every gateway publish matching `filter`; returns the unsubscribe. */
  onMessage(filter: string, handler: Handler): () => void;
  /** The gateways connected now; null when the broker cannot say (an external one). */
  connectedGateways(): string[] | null;
  close(): Promise<void>;
}

export interface BrokerOptions {
  host: string;
  port: number;
}

/** Starts the embedded aedes broker on TCP, authenticating gateways against the store. */
export async function startBroker(
  options: BrokerOptions,
  db: Kysely<Database>,
  context: ModuleContext,
): Promise<CloudBroker> {
  const log = context.log.child({ module: 'broker' });
  const metrics = cloudMetrics(context.registry);
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  const access = new BrokerAccess(db, context);
  const handlers = new Set<{ filter: string; handler: Handler }>();
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      access.authenticate(client, username, password).then(
        () => done(null, true),
        (err: AuthenticateError) => done(err, false),
      );
    },
    authorizePublish: (client, packet, done) =>
      done(access.topicError(client, packet.topic, 'publish')),
    // A refused subscription is granted 0x80 rather than closing the connection [MQTT-3.9.3].
    authorizeSubscribe: (client, subscription, done) =>
      done(null, access.topicError(client, subscription.topic, 'subscribe') ? null : subscription),
  });
  indexRetained(broker);

  broker.on('clientReady', (client) => access.ready(client));
  broker.on('clientDisconnect', (client) => access.gone(client));
  broker.on('clientError', (client, err) => access.clientError(client, err));
  broker.on('publish', (packet, client) => {
    const publisher = access.identity(client);
    if (!publisher) return;

    metrics.messages.inc({ direction: 'in' });
    const message = { topic: packet.topic, payload: Buffer.from(packet.payload), publisher };
    deliver(handlers, message, log);
  });

  // Without noDelay a QoS 1 answer waits ~40 ms for Nagle's algorithm and a delayed ACK.
  const server = await listenTcp(
    net.createServer({ noDelay: true }, (socket) => {
      guardPacketSize(socket, maxPacketBytes, (bytes) => {
        const address = socket.remoteAddress;
        warn(`oversized:${address}`, { bytes, address }, 'oversized packet refused');
      });
      broker.handle(socket);
    }),
    options,
  );
  const url = `mqtt://${options.host}:${(server.address() as net.AddressInfo).port}`;
  log.info({ url }, 'broker listening');

  return {
    url,
    publish: (name, payload, publishOptions) =>
      new Promise((resolve, reject) => {
        const retain = publishOptions.retain ?? false;
        const packet = {
          cmd: 'publish' as const,
          topic: name,
          payload,
          dup: false,
          qos: publishOptions.qos,
          retain,
        };
        metrics.messages.inc({ direction: 'out' });
        broker.publish(packet, (err) => (err ? reject(err) : resolve()));
      }),
    onMessage(filter, handler) {
      const entry = { filter, handler };
      handlers.add(entry);
      return () => handlers.delete(entry);
    },
    connectedGateways: () => access.connectedGateways(),
    close: () => closeBroker(broker, server),
  };
}

function deliver(
  handlers: Set<{ filter: string; handler: Handler }>,
  message: InboundMessage,
  log: Logger,
) {
  for (const entry of handlers) {
    if (!topicMatches(entry.filter, message.topic)) continue;

    try {
      entry.handler(message);
    } catch (err) {
      log.error({ err, topic: message.topic }, 'message handler failed');
    }
  }
}

function listenTcp(server: net.Server, options: BrokerOptions): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, backlog: listenBacklog }, () =>
      resolve(server),
    );
  });
}

async function closeBroker(broker: Aedes, server: net.Server): Promise<void> {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
