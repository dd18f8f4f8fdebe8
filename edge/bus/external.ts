import mqtt from 'mqtt';
import { type ModuleContext, rateLimitedWarn } from '../../core/index.ts';
import {
  type Channel,
  decodeMessage,
  encodeMessage,
  parseTopic,
  type TopicParams,
  topic,
  topicFilter,
  topicMatches,
} from '../../protocol/index.ts';
import { messagesInCounter, messagesOutCounter, messagesRejectedCounter } from './counters.ts';
import { runHandler } from './handler.ts';
import type { Bus, BusStats, ChannelParams, Handler } from './index.ts';

export interface ExternalBusOptions {
  branch: string;
  /** `mqtt://host:port` of the branch's own broker, e.g. Mosquitto on the gateway box. */
  url: string;
  /** The gateway's login on that broker, allowed everything under the branch. */
  username: string;
  password: string;
}

type Delivery = (payload: Buffer, name: string) => void;

/**
 * The bus on a broker the technician runs (Mosquitto): the gateway's modules are one MQTT
 * client of it, and the broker checks devices against the password and ACL files that
 * `smartbranch bus-files` writes from the same `bus.clients` list.
 */
export async function connectExternalBus(
  options: ExternalBusOptions,
  context: ModuleContext,
): Promise<Bus> {
  const log = context.log.child({ module: 'bus', broker: 'external' });
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  const sentTotal = messagesOutCounter(context.registry);
  const rejectedTotal = messagesRejectedCounter(context.registry);
  const counts: BusStats = { clients: 0, messagesIn: 0, messagesOut: 0, rejected: 0 };
  const client = await mqtt.connectAsync(options.url, {
    username: options.username,
    password: options.password,
    clientId: `sb-gateway-${options.branch}-${process.pid}`,
    reconnectPeriod: 1000,
  });
  const deliveries = new Map<string, Set<Delivery>>();
  const receivedTotal = messagesInCounter(context.registry);
  client.on('message', (name, payload) => {
    counts.messagesIn += 1;
    receivedTotal.inc();
    for (const [filter, set] of deliveries) {
      if (topicMatches(filter, name)) for (const deliver of set) deliver(payload, name);
    }
  });
  client.on('error', (err) => log.warn({ reason: err.message }, 'external bus error'));
  const url = new URL(options.url);
  log.info({ url: options.url }, 'external bus connected');

  return {
    branch: options.branch,
    port: Number(url.port || 1883),
    url: options.url,
    async publish(channel, params, message, publishOptions = {}) {
      const name = topic(channel, { ...params, branch: options.branch } as TopicParams<
        typeof channel
      >);
      counts.messagesOut += 1;
      sentTotal.inc();
      await client.publishAsync(name, encodeMessage(channel, message), {
        qos: publishOptions.qos ?? 1,
        retain: publishOptions.retain ?? false,
      });
    },
    async subscribe<C extends Channel>(
      channel: C,
      params: Partial<ChannelParams<C>>,
      handler: Handler<C>,
    ) {
      const filter = topicFilter(channel, { ...params, branch: options.branch } as never);
      const deliver: Delivery = (payload, name) => {
        const decoded = decodeMessage(channel, payload);
        const parsed = parseTopic(name);
        // MQTT.js sends the PUBACK once the message's listeners have returned.
        if (decoded.ok && parsed) return runHandler(handler, decoded.message, parsed, log);

        const error = decoded.ok
          ? { code: 'SB_ERR_INVALID_MESSAGE', path: '(topic)' }
          : decoded.error;
        counts.rejected += 1;
        rejectedTotal.inc({ channel, code: error.code });
        warn(`${name}:${error.code}`, { topic: name, ...error }, 'message refused');
      };
      const set = deliveries.get(filter) ?? new Set();
      deliveries.set(filter, set.add(deliver));
      if (set.size === 1) await client.subscribeAsync(filter, { qos: 1 });
      return async () => {
        set.delete(deliver);
        if (set.size > 0) return;

        deliveries.delete(filter);
        await client.unsubscribeAsync(filter);
      };
    },
    // Mosquitto admits the devices by itself, whenever it runs.
    admitClients: () => {},
    addClient: () => false,
    stats: () => ({ ...counts }),
    close: async () => {
      await client.endAsync();
      log.info('external bus closed');
    },
  };
}
