import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Clock, type Logger, SmartBranchError, type Timer } from '../core/index.ts';
import { decodeMessage, type Reply } from '../protocol/index.ts';

export interface LinkOptions {
  url: string;
  username: string;
  password: string;
  clientId: string;
  /** Where this client hears answers; absent for a client that only reports. */
  replyTopic?: string;
  /** Sent by the broker if this client vanishes [MQTT-3.1.2-8]. */
  will?: { topic: string; payload: Buffer; retain: boolean };
  /** Runs on every (re)connection, e.g. to publish the device's retained state again. */
  onConnect?: (publish: Link['publish']) => void;
  /** A request unanswered this long (clock ms) is sent again under the same request id. */
  replyTimeoutMs: number;
}

/** One device's MQTT connection to the gateway's bus. */
export interface Link {
  publish(topic: string, payload: Buffer, retain?: boolean): void;
  /** Resolves with the answer, sending again until one comes; null when the link closed. */
  request(topic: string, payload: Buffer, requestId: string): Promise<Reply | null>;
  /** Requests sent and not yet answered. */
  pending(): number;
  /** Resolves when no request is waiting for its answer. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

interface Waiting {
  resolve: (reply: Reply | null) => void;
  resend: Timer;
}

/** Auth refusals in MQTT 3.1.1 (4, 5) and 5 (134, 135): retrying cannot help. */
const refusedCodes = new Set([4, 5, 134, 135]);

export async function openLink(options: LinkOptions, clock: Clock, log: Logger): Promise<Link> {
  const waiting = new Map<string, Waiting>();
  let idleListeners: (() => void)[] = [];
  const settle = (requestId: string, reply: Reply | null) => {
    const entry = waiting.get(requestId);
    if (!entry) return;

    waiting.delete(requestId);
    entry.resend.cancel();
    entry.resolve(reply);
    if (waiting.size > 0) return;

    const listeners = idleListeners;
    idleListeners = [];
    for (const listener of listeners) listener();
  };
  const settings: IClientOptions = {
    username: options.username,
    password: options.password,
    clientId: options.clientId,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(options.will ? { will: { ...options.will, qos: 1 as const } } : {}),
  };
  const publish = (topic: string, payload: Buffer, retain = false, qos: 0 | 1 = 1) => {
    client.publish(topic, payload, { qos, retain }, (err) => {
      if (err) log.debug({ topic, reason: err.message }, 'simulator publish failed');
    });
  };
  // A request goes at QoS 0: its answer is its acknowledgement and it is resent until one
  // comes. A PUBACK written just ahead of the answer would also hold the answer back some
  // 40 ms where the broker's socket keeps Nagle's algorithm on.
  const sendRequest = (topic: string, payload: Buffer) => publish(topic, payload, false, 0);
  const client = await connected(mqtt.connect(options.url, settings), options.username, log);

  noDelay(client);
  client.on('connect', () => {
    noDelay(client);
    options.onConnect?.(publish);
  });
  client.on('error', (err) => log.warn({ reason: err.message }, 'simulator link error'));
  client.on('message', (_topic, payload) => {
    const decoded = decodeMessage('reply', payload);
    if (!decoded.ok) return void log.warn({ path: decoded.error.path }, 'simulator reply refused');

    settle(decoded.message.correlationId, decoded.message);
  });

  if (options.replyTopic) await client.subscribeAsync(options.replyTopic, { qos: 1 });
  options.onConnect?.(publish);

  return {
    publish,
    request: (topic, payload, requestId) =>
      new Promise((resolve) => {
        // The queue answers a repeated request id with its first answer, so resending a
        // request whose reply was lost (a broker restart) never issues or calls twice.
        const resend = clock.every(options.replyTimeoutMs, () => sendRequest(topic, payload));
        waiting.set(requestId, { resolve, resend });
        sendRequest(topic, payload);
      }),
    pending: () => waiting.size,
    idle: () =>
      waiting.size === 0
        ? Promise.resolve()
        : new Promise((resolve) => idleListeners.push(resolve)),
    close: async () => {
      for (const requestId of [...waiting.keys()]) settle(requestId, null);
      await client.endAsync();
    },
  };
}

/** Waits for the first connection; a refused login fails at once, anything else retries. */
function connected(client: MqttClient, username: string, log: Logger): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error & { code?: number }) => {
      if (!refusedCodes.has(err.code ?? -1))
        return void log.debug({ reason: err.message }, 'simulator connecting');

      client.off('connect', onConnect);
      client.end(true);
      reject(
        new SmartBranchError(
          'SB_ERR_UNAUTHENTICATED',
          `the gateway bus refused the simulator's login ${username}`,
        ),
      );
    };
    const onConnect = () => {
      client.off('error', onError);
      resolve(client);
    };
    client.once('connect', onConnect);
    client.on('error', onError);
  });
}

/**
 * Small request/answer exchanges stall some 40 ms on Nagle's algorithm meeting delayed ACKs;
 * a device sends little and wants its answer now. WebSocket streams have no such switch.
 */
function noDelay(client: MqttClient) {
  const stream = client.stream as { setNoDelay?: (on: boolean) => unknown } | undefined;
  stream?.setNoDelay?.(true);
}
