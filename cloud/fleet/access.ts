import type { AuthenticateError, Client } from 'aedes';
import type { Kysely } from 'kysely';
import { type ModuleContext, rateLimitedWarn } from '../../core/index.ts';
import { cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import { topicProblem } from './acl.ts';
import { authenticateGateway, type GatewayIdentity } from './gateways.ts';

// CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3].
const badCredentials = 4;
const notAuthorised = 5;

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * Who each broker client is and what it may touch: gateways authenticate with the
 * credentials enrolment gave them and may use only their own branch's topics.
 */
export class BrokerAccess {
  private readonly identities = new WeakMap<Client, GatewayIdentity>();
  // aedes keeps its own client table but does not type it; this one holds ready clients.
  private readonly connected = new Map<string, Client>();
  private readonly metrics;
  private readonly warn;

  constructor(
    private readonly db: Kysely<Database>,
    context: ModuleContext,
  ) {
    this.metrics = cloudMetrics(context.registry);
    this.warn = rateLimitedWarn(context.log.child({ module: 'broker' }), 60_000, context.clock.now);
  }

  /** Checks a CONNECT; rejects with the CONNACK code to send. Never logs the password. */
  async authenticate(client: Client, username?: string, password?: Buffer): Promise<void> {
    const name = (username ?? '').slice(0, 64);
    // aedes marks a client closed once its socket ends, and drops an answer for it anyway.
    const gaveUp = () => client.closed;
    const identity =
      username && password
        ? await authenticateGateway(this.db, username, password.toString(), gaveUp)
        : null;
    if (!identity) {
      this.refuse('credentials', name, client, 'broker refused credentials');
      throw refusal(badCredentials, 'bad user name or password');
    }

    const holder = this.connected.get(client.id);
    const holderIdentity = holder ? this.identities.get(holder) : undefined;
    if (holderIdentity && holderIdentity.gateway !== identity.gateway) {
      // Taking over another gateway's client id would disconnect it [MQTT-3.1.4-2].
      this.refuse('client-id', name, client, 'broker refused a client id');
      throw refusal(notAuthorised, 'client id held by another gateway');
    }

    this.identities.set(client, identity);
  }

  /** Why a client may not publish or subscribe on a topic, or null when it may. */
  topicError(client: Client | null, name: string, action: 'publish' | 'subscribe'): Error | null {
    // aedes checks a will when it publishes it, with its client; only a will restored from
    // persistence after a restart comes without one, and nobody can say whose branch it is.
    if (!client) {
      this.metrics.brokerRefusals.inc({ reason: action });
      return new Error('a will without its client');
    }

    const identity = this.identities.get(client);
    const problem = identity ? topicProblem(identity, name) : 'not authenticated';
    if (!problem) return null;

    this.metrics.brokerRefusals.inc({ reason: action });
    const gateway = identity?.gateway ?? '?';
    this.warn(`${action}:${gateway}`, { gateway, action }, 'broker refused a topic');
    return new Error(problem);
  }

  identity(client: Client | null): GatewayIdentity | undefined {
    return client ? this.identities.get(client) : undefined;
  }

  ready(client: Client): void {
    this.connected.set(client.id, client);
  }

  gone(client: Client): void {
    if (this.connected.get(client.id) === client) this.connected.delete(client.id);
  }

  connectedGateways(): string[] {
    return [...this.connected.values()]
      .map((client) => this.identities.get(client)?.gateway)
      .filter((gateway): gateway is string => gateway !== undefined);
  }

  clientError(client: Client, err: Error): void {
    const fields = { client: client.id, reason: err.message };
    this.warn(`client-error:${client.id}`, fields, 'broker client error');
  }

  private refuse(reason: string, name: string, client: Client, message: string) {
    this.metrics.brokerRefusals.inc({ reason });
    this.warn(`${reason}:${name}`, { gateway: name, client: client.id }, message);
  }
}
