import net from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Kysely } from 'kysely';
import { type ModuleContext, rateLimitedWarn } from '../../core/index.ts';
import { topicMatches } from '../../protocol/index.ts';
import { cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import { topicProblem } from './acl.ts';
import { authenticateGateway, type GatewayIdentity } from './gateways.ts';

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

/** The cloud's side of the bus: in-process publish and delivery, no socket of its own. */
export interface CloudBroker {
  /** `mqtt://host:port` as bound. */
  url: string;
  publish(topic: string, payload: Buffer, options: PublishOptions): Promise<void>;
  /** Calls `handler` for every gateway publish matching `filter`; returns the unsubscribe. */
  onMessage(filter: string, handler: (message: InboundMessage) => void): () => void;
  connectedGateways(): string[];
  close(): Promise<void>;
}

export interface BrokerOptions {
  host: string;
  port: number;
}

const badCredentials = 4;
const notAuthorised = 5;

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
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
  const identities = new WeakMap<Client, GatewayIdentity>();
  const handlers = new Set<{ filter: string; handler: (message: InboundMessage) => void }>();
  // aedes keeps its own client table but does not type it; this one holds connected clients.
  const connected = new Map<string, Client>();

  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      authenticate(client, username, password).then(
        (identity) => {
          identities.set(client, identity);
          done(null, true);
        },
        (err: AuthenticateError) => done(err, false),
      );
    },
    authorizePublish: (client, packet, done) => done(aclError(client, packet.topic, 'publish')),
    authorizeSubscribe: (client, subscription, done) =>
      done(null, aclError(client, subscription.topic, 'subscribe') ? null : subscription),
  });

  async function authenticate(client: Client, username?: string, password?: Buffer) {
    const name = (username ?? '').slice(0, 64);
    const identity =
      username && password ? await authenticateGateway(db, username, password.toString()) : null;
    if (!identity) {
      metrics.brokerRefusals.inc({ reason: 'credentials' });
      warn(
        `credentials:${name}`,
        { gateway: name, client: client.id },
        'broker refused credentials',
      );
      throw refusal(badCredentials, 'bad user name or password');
    }

    const holder = connected.get(client.id);
    const holderIdentity = holder ? identities.get(holder) : undefined;
    if (holderIdentity && holderIdentity.gateway !== identity.gateway) {
      // Taking over another gateway's client id would disconnect it [MQTT-3.1.4-2].
      metrics.brokerRefusals.inc({ reason: 'client-id' });
      warn(`client-id:${name}`, { gateway: name, client: client.id }, 'broker refused a client id');
      throw refusal(notAuthorised, 'client id held by another gateway');
    }

    return identity;
  }

  function aclError(client: Client | null, topic: string, action: string): Error | null {
    // Will messages of clients gone may come without a client; ours are checked at connect.
    if (!client) return null;

    const identity = identities.get(client);
    const problem = identity ? topicProblem(identity, topic) : 'not authenticated';
    if (!problem) return null;

    metrics.brokerRefusals.inc({ reason: action });
    warn(
      `${action}:${identity?.gateway}`,
      { gateway: identity?.gateway, action },
      'broker refused a topic',
    );
    return new Error(problem);
  }

  broker.on('publish', (packet, client) => {
    const publisher = client ? identities.get(client) : undefined;
    if (!publisher) return;

    metrics.messages.inc({ direction: 'in' });
    const message = { topic: packet.topic, payload: Buffer.from(packet.payload), publisher };
    for (const entry of handlers) {
      if (!topicMatches(entry.filter, packet.topic)) continue;

      try {
        entry.handler(message);
      } catch (err) {
        log.error({ err, topic: packet.topic }, 'message handler failed');
      }
    }
  });
  broker.on('clientReady', (client) => {
    connected.set(client.id, client);
  });
  broker.on('clientDisconnect', (client) => {
    if (connected.get(client.id) === client) connected.delete(client.id);
  });
  broker.on('clientError', (client, err) => {
    warn(
      `client-error:${client.id}`,
      { client: client.id, reason: err.message },
      'broker client error',
    );
  });

  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as net.AddressInfo;
  const url = `mqtt://${options.host}:${address.port}`;
  log.info({ url }, 'broker listening');

  return {
    url,
    publish: (topic, payload, publishOptions) =>
      new Promise((resolve, reject) => {
        const packet = {
          cmd: 'publish' as const,
          topic,
          payload,
          dup: false,
          ...publishOptions,
          retain: publishOptions.retain ?? false,
        };
        broker.publish(packet, (err) => (err ? reject(err) : resolve()));
        metrics.messages.inc({ direction: 'out' });
      }),
    onMessage(filter, handler) {
      const entry = { filter, handler };
      handlers.add(entry);
      return () => handlers.delete(entry);
    },
    connectedGateways: () =>
      [...connected.values()]
        .map((client) => identities.get(client)?.gateway)
        .filter((gateway): gateway is string => gateway !== undefined),
    close: () => closeBroker(broker, server),
  };
}

async function closeBroker(broker: Aedes, server: net.Server): Promise<void> {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
