import mqtt, { type MqttClient } from 'mqtt';
import type { Clock, Logger, Timer } from '../core/index.ts';
import { encodeMessage, type MessageOf, topic } from '../protocol/index.ts';
import { backoff } from './backoff.ts';

/** The channels a device publishes and hears, all under its own `device/{device}/` levels. */
export type OwnChannel =
  | 'deviceTelemetry'
  | 'deviceState'
  | 'deviceCommand'
  | 'deviceReply'
  | 'deviceProfile'
  | 'printerJob';

export interface LinkOptions {
  url: string;
  branch: string;
  device: string;
  username: string;
  password: string;
  /** What the device hears: commands, and print jobs for printers. */
  listen: readonly ('deviceCommand' | 'printerJob')[];
  /** Retained messages the device sends again on every connection, e.g. its state. */
  retained: () => { channel: OwnChannel; payload: Buffer }[];
  /** The will: what the broker says for the device when its connection drops. */
  will: () => Buffer;
  /** A payload that reached a listened channel, raw: the device decodes and answers it. */
  onMessage: (channel: 'deviceCommand' | 'printerJob', payload: Buffer) => void;
  /** First retry delay after a lost connection, in ms of the clock. Default 1000. */
  firstRetryMs?: number;
  /** Longest retry delay, in ms of the clock. Default 30000. */
  maxRetryMs?: number;
}

export interface DeviceLink {
  /** Sends a message; a retained one is left for the next connection while offline. */
  publish<C extends OwnChannel>(channel: C, message: MessageOf<C>, retain?: boolean): void;
  /** Connected and subscribed to what the device listens to: commands reach it. */
  connected(): boolean;
  close(finalState: Buffer): Promise<void>;
}

/** Messages kept while the bus is away; past this the oldest go. */
const maxQueued = 1000;

/** MQTT 3.1.1 CONNACK 4 and 5 and MQTT 5's 134 and 135: the broker refused the login. */
const refusedCodes = new Set([4, 5, 134, 135]);

/**
 * A device's own connection to the gateway's bus, over TCP with the device's credentials.
 * A lost connection is retried with backoff on the injected clock (not MQTT.js's own timer),
 * and every connection sends the device's retained messages again: a restarted broker has
 * forgotten them and the will has marked the device offline.
 */
export function openDeviceLink(options: LinkOptions, clock: Clock, log: Logger): DeviceLink {
  const delays = backoff(options.firstRetryMs ?? 1000, options.maxRetryMs ?? 30_000);
  // Every own channel has the same levels, `device/{device}/...`.
  const name = (channel: OwnChannel) =>
    topic(channel as 'deviceState', { branch: options.branch, device: options.device });
  let retry: Timer | null = null;
  let closing = false;
  let refusedLogged = false;
  const waiting: { topic: string; payload: Buffer }[] = [];
  let listening = false;

  const client: MqttClient = mqtt.connect(options.url, {
    username: options.username,
    password: options.password,
    clientId: `device-${options.branch}-${options.device}`.slice(0, 120),
    clean: true,
    // Reconnection runs on the injected clock below; subscriptions are made on every connect.
    reconnectPeriod: 0,
    resubscribe: false,
    connectTimeout: 10_000,
    will: { topic: name('deviceState'), payload: options.will(), qos: 1, retain: true },
  });

  client.on('connect', () => {
    delays.reset();
    refusedLogged = false;
    log.info({ url: options.url }, 'device connected to the bus');
    listening = false;
    client.subscribe(options.listen.map(name), { qos: 1 }, (err) => {
      listening = !err;
    });
    for (const { channel, payload } of options.retained()) {
      client.publish(name(channel), payload, { qos: 1, retain: true });
    }
    for (const message of waiting.splice(0))
      client.publish(message.topic, message.payload, { qos: 1 });
  });
  client.on('message', (topicName, payload) => {
    const channel = options.listen.find((candidate) => name(candidate) === topicName);
    if (channel) options.onMessage(channel, payload);
  });
  client.on('error', (err: Error & { code?: unknown }) => {
    if (!refusedCodes.has(Number(err.code)) || refusedLogged) {
      return void log.debug({ reason: err.message }, 'device bus connection error');
    }

    refusedLogged = true;
    log.error({ username: options.username }, 'bus refused the device credentials of its profile');
  });
  client.on('close', () => {
    listening = false;
    if (closing || retry) return;

    const delayMs = delays.next();
    log.debug({ delayMs }, 'device bus connection lost, retrying');
    retry = clock.after(delayMs, () => {
      retry = null;
      // Without its stores MQTT.js reconnects with empty ones, and a press sent just before
      // the drop, never acknowledged, would be lost; kept, it is sent again on the new link.
      const { incomingStore, outgoingStore } = client;
      if (!closing) client.reconnect({ incomingStore, outgoingStore });
    });
  });

  return {
    // A retained message waits for the next connection, which sends the latest anyway; the
    // rest (presses, readings) wait in a bounded queue and go first once the bus is back.
    publish: (channel, message, retain = false) => {
      const payload = encodeMessage(channel, message);
      if (client.connected) return void client.publish(name(channel), payload, { qos: 1, retain });
      if (retain) return;

      if (waiting.length >= maxQueued) waiting.shift();
      waiting.push({ topic: name(channel), payload });
    },
    connected: () => client.connected && listening,
    close: async (finalState) => {
      closing = true;
      retry?.cancel();
      if (!client.connected) return void (await client.endAsync(true));

      // A clean DISCONNECT keeps the broker from sending the will [MQTT-3.1.2-10], so the
      // retained "stopped" stays; a connection dropping meanwhile ends the wait.
      const dropped = new Promise<void>((resolve) => client.once('close', () => resolve()));
      await Promise.race([
        client.publishAsync(name('deviceState'), finalState, { qos: 1, retain: true }),
        dropped,
      ]);
      // MQTT.js's end(false) waits for every message in flight, and one sent before a broker
      // restart may never be acknowledged; the device is leaving, so they are let go.
      for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
      await Promise.race([client.endAsync(false), dropped]);
    },
  };
}
