import mqtt from 'mqtt';
import type { ModuleContext } from '../../core/index.ts';
import { parseTopic, topicMatches } from '../../protocol/index.ts';
import type { CloudBroker, InboundMessage } from './broker.ts';

type Handler = (message: InboundMessage) => void;

/**
 * The cloud's side of an external MQTT broker (Mosquitto for a site, EMQX or HiveMQ for a
 * country). Such a broker authenticates the gateways and enforces the per-branch ACL itself;
 * the publisher of a message is read from its topic's branch and its payload's `gateway`,
 * which every gateway-to-cloud message carries.
 */
export async function connectExternalBroker(
  url: string,
  filters: readonly string[],
  context: ModuleContext,
  credentials: { username?: string; password?: string } = {},
): Promise<CloudBroker> {
  const log = context.log.child({ module: 'broker' });
  const client = await mqtt.connectAsync(url, { ...credentials, reconnectPeriod: 1000 });
  const handlers = new Set<{ filter: string; handler: Handler }>();
  client.on('message', (name, payload) => {
    const parsed = parseTopic(name);
    const gateway = gatewayOf(payload);
    if (!parsed || !gateway) return;

    const message = { topic: name, payload, publisher: { gateway, branch: parsed.branch } };
    for (const entry of handlers) {
      if (topicMatches(entry.filter, name)) entry.handler(message);
    }
  });
  await client.subscribeAsync([...filters], { qos: 1 });
  log.info({ url }, 'external broker connected');

  return {
    url,
    publish: async (name, payload, options) => {
      await client.publishAsync(name, payload, {
        qos: options.qos,
        retain: options.retain ?? false,
      });
    },
    onMessage(filter, handler) {
      const entry = { filter, handler };
      handlers.add(entry);
      return () => handlers.delete(entry);
    },
    connectedGateways: () => [],
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
