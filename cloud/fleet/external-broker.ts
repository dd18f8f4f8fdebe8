import mqtt from 'mqtt';
import type { ModuleContext } from '../../core/index.ts';
import { parseTopic, topicFilter, topicMatches } from '../../protocol/index.ts';
import { cloudMetrics } from '../metrics.ts';
import type { CloudBroker, InboundMessage } from './broker.ts';

type Handler = (message: InboundMessage) => void;

export interface ExternalBrokerOptions {
  /** `mqtt://host:port` or `mqtts://...` of the broker. */
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  /**
   * The MQTT 5 shared-subscription group the replicas join (`$share/<group>/...`), so each
   * pushed message reaches one replica. Null: every message reaches this client (a single
   * cloud, or a broker without shared subscriptions). Default `sb-cloud`.
   */
  shareGroup?: string | null;
  /** This replica's id, in the MQTT client id so the broker's log names it. */
  replica?: string;
}

/**
 * Answers to what this replica asked: every replica must hear them, since only the one that
 * sent the pull holds it in flight. Everything else gateways push is spread over the group.
 */
const answersToAsker = new Set([topicFilter('pullResponse')]);

/**
 * The cloud's side of an external MQTT broker (Mosquitto for a site, EMQX or HiveMQ for a
 * country). Such a broker authenticates the gateways and enforces the per-branch ACL itself;
 * the publisher of a message is read from its topic's branch and its payload's `gateway`,
 * which every gateway-to-cloud message carries. Subscribes to a filter when the first handler
 * for it registers.
 */
export async function connectExternalBroker(
  options: ExternalBrokerOptions,
  context: ModuleContext,
): Promise<CloudBroker> {
  const log = context.log.child({ module: 'broker' });
  const group = options.shareGroup === undefined ? 'sb-cloud' : options.shareGroup;
  const client = await mqtt.connectAsync(options.url, {
    protocolVersion: 5,
    reconnectPeriod: 1000,
    clientId: `sb-cloud-${options.replica ?? 'one'}-${process.pid}`,
    ...(options.username ? { username: options.username } : {}),
    ...(options.password ? { password: options.password } : {}),
  });
  const metrics = cloudMetrics(context.registry);
  const handlers = new Set<{ filter: string; handler: Handler }>();
  const subscribed = new Set<string>();
  client.on('message', (name, payload) => {
    const parsed = parseTopic(name);
    const gateway = gatewayOf(payload);
    if (!parsed || !gateway) return;

    metrics.messages.inc({ direction: 'in' });
    const message = { topic: name, payload, publisher: { gateway, branch: parsed.branch } };
    for (const entry of handlers) {
      if (topicMatches(entry.filter, name)) entry.handler(message);
    }
  });
  client.on('error', (err) => log.warn({ err }, 'external broker error'));
  log.info({ url: options.url, shareGroup: group }, 'external broker connected');

  const subscription = (filter: string) =>
    group && !answersToAsker.has(filter) ? `$share/${group}/${filter}` : filter;

  return {
    url: options.url,
    publish: async (name, payload, publishOptions) => {
      metrics.messages.inc({ direction: 'out' });
      await client.publishAsync(name, payload, {
        qos: publishOptions.qos,
        retain: publishOptions.retain ?? false,
      });
    },
    onMessage(filter, handler) {
      const entry = { filter, handler };
      handlers.add(entry);
      if (!subscribed.has(filter)) {
        subscribed.add(filter);
        client.subscribe(subscription(filter), { qos: 1 }, (err) => {
          if (err) log.error({ err, filter }, 'external broker subscription refused');
        });
      }
      return () => handlers.delete(entry);
    },
    connectedGateways: () => null,
    close: async () => {
      await client.endAsync();
    },
  };
}

function gatewayOf(payload: Buffer): string | null {
  try {
    const value = (JSON.parse(payload.toString()) as { gateway?: unknown }).gateway;
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}
