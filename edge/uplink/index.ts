import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import {
  Counter,
  Gauge,
  metric,
  type ModuleContext,
  rateLimitedWarn,
  SmartBranchError,
  type Timer,
} from '../../core/index.ts';
import {
  type Alarm,
  decodeMessage,
  encodeMessage,
  type LiveStatus,
  maxPayloadBytes,
  type PullRequest,
  type PullResponse,
  topic,
  type UplinkState,
} from '../../protocol/index.ts';
import type { Outbox } from '../store/index.ts';
import { type Credentials, enrol, readCredentials } from './enrol.ts';

export const UplinkConfig = z.strictObject({
  /** The cloud's HTTP address, where the gateway enrols. */
  cloudUrl: z.string().url(),
  /**
   * The cloud broker's address when it differs from the one handed out at enrolment, e.g. a
   * regional broker or, in the demo, a port picked anew at each start.
   */
  brokerUrl: z.string().url().optional(),
  /** One-time token from HQ; needed only until the gateway holds its own credentials. */
  enrolmentToken: z.string().optional(),
  /** How often live status is pushed, in milliseconds. Default 5000. */
  statusIntervalMs: z.number().int().min(500).default(5000),
  /** Delay before retrying enrolment or a lost connection, in milliseconds. Default 2000. */
  retryMs: z.number().int().min(100).default(2000),
});

export type UplinkConfig = z.output<typeof UplinkConfig>;

export interface UplinkOptions {
  gateway: string;
  branch: string;
  config: UplinkConfig;
  credentialsFile: string;
  outbox: Outbox;
  /** The live figures to push; called at every status interval. */
  status: () => Omit<LiveStatus, 'gateway' | 'at'>;
}

export interface UplinkStats {
  state: z.output<typeof UplinkState>;
  pullsAnswered: number;
  recordsSent: number;
  statusPushed: number;
}

export interface Uplink {
  stats(): UplinkStats;
  alarm(alarm: Omit<Alarm, 'gateway' | 'at'>): void;
  stop(): Promise<void>;
}

/**
 * The gateway's link to the cloud. Records leave only as answers to the cloud's pulls; live
 * status and alarms are pushed on their own topics, so a backlog never holds them up.
 */
export async function startUplink(options: UplinkOptions, context: ModuleContext): Promise<Uplink> {
  const log = context.log.child({ module: 'uplink' });
  const stats: UplinkStats = { state: 'connecting', pullsAnswered: 0, recordsSent: 0,
    statusPushed: 0 };
  const metrics = uplinkMetrics(context);
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  let client: MqttClient | null = null;
  let statusTimer: Timer | null = null;
  let retryTimer: Timer | null = null;
  let stopped = false;

  const connect = (credentials: Credentials) => {
    client = mqtt.connect(options.config.brokerUrl ?? credentials.broker.url, {
      clientId: `gateway-${options.gateway}`,
      username: credentials.broker.username,
      password: credentials.broker.password,
      reconnectPeriod: options.config.retryMs,
      connectTimeout: 10_000,
    });
    client.on('connect', () => onConnect(credentials));
    client.on('close', () => setState('offline'));
    client.on('error', (err) => warn(`mqtt:${err.message}`, { reason: err.message },
      'uplink connection error'));
    client.on('message', (name, payload) => onPull(credentials, name, payload));
  };

  const setState = (state: UplinkStats['state']) => {
    if (stats.state === state) return;

    stats.state = state;
    metrics.online.set(state === 'online' ? 1 : 0);
    log.info({ state }, 'uplink state');
  };

  const onConnect = (credentials: Credentials) => {
    setState('online');
    client?.subscribe(topic('pullRequest', { branch: credentials.branch }), { qos: 1 });
    pushStatus(credentials);
  };

  const onPull = (credentials: Credentials, _name: string, payload: Buffer) => {
    const decoded = decodeMessage('pullRequest', payload);
    if (!decoded.ok) {
      metrics.refused.inc();
      return warn(`pull:${decoded.error.path}`, decoded.error, 'pull request refused');
    }

    const response = answerPull(options, decoded.message, context.clock.now());
    client?.publish(topic('pullResponse', { branch: credentials.branch }),
      encodeMessage('pullResponse', response), { qos: 1 });
    stats.pullsAnswered += 1;
    stats.recordsSent += response.records.length;
    metrics.records.inc(response.records.length);
  };

  const pushStatus = (credentials: Credentials) => {
    if (!client?.connected) return;

    const status: LiveStatus = { ...options.status(), gateway: options.gateway,
      at: context.clock.now() };
    client.publish(topic('liveStatus', { branch: credentials.branch }),
      encodeMessage('liveStatus', status), { qos: 1, retain: true });
    stats.statusPushed += 1;
  };

  const begin = async () => {
    try {
      const credentials = await obtainCredentials(options, log);
      if (stopped) return;

      connect(credentials);
      statusTimer = context.clock.every(options.config.statusIntervalMs,
        () => pushStatus(credentials));
    } catch (err) {
      setState('offline');
      warn('enrol', { reason: (err as Error).message }, 'uplink cannot start; retrying');
      if (!stopped) retryTimer = context.clock.after(options.config.retryMs * 5, begin);
    }
  };

  await begin();

  return {
    stats: () => ({ ...stats }),
    alarm: (alarm) => {
      const message: Alarm = { ...alarm, gateway: options.gateway, at: context.clock.now() };
      client?.publish(topic('alarm', { branch: options.branch }),
        encodeMessage('alarm', message), { qos: 1 });
    },
    stop: async () => {
      stopped = true;
      statusTimer?.cancel();
      retryTimer?.cancel();
      await client?.endAsync();
      setState('offline');
    },
  };
}

async function obtainCredentials(options: UplinkOptions, log: ModuleContext['log']) {
  const held = readCredentials(options.credentialsFile);
  if (held) return held;

  const token = options.config.enrolmentToken;
  if (!token) throw new SmartBranchError('SB_ERR_UNAUTHENTICATED', 'no credentials and no token');

  return enrol(options.config.cloudUrl, options.gateway, token, options.credentialsFile, log);
}

/**
 * The records after the cloud's cursor, as many as fit in one payload. Asking for what comes
 * after `after` confirms everything up to it.
 */
export function answerPull(options: Pick<UplinkOptions, 'outbox' | 'gateway'>,
  request: PullRequest, now: number): PullResponse {
  options.outbox.confirm(request.stream, request.after);

  let records = options.outbox.after(request.stream, request.after, request.limit);
  const position = options.outbox.position(request.stream);
  const response = (list: typeof records): PullResponse => ({ pullId: request.pullId,
    gateway: options.gateway, stream: request.stream, after: request.after, records: list,
    lastSeq: position.lastSeq, at: now });

  // Halve until the answer fits the broker's payload limit; the cloud drains the rest.
  while (records.length > 1 && encodeMessage('pullResponse', response(records)).length
    > maxPayloadBytes) {
    records = records.slice(0, Math.ceil(records.length / 2));
  }
  return response(records);
}

function uplinkMetrics(context: ModuleContext) {
  const registry = context.registry;
  return {
    online: metric(registry, 'sb_uplink_online', (registers) => new Gauge({
      name: 'sb_uplink_online', help: '1 while the cloud link is up', registers })),
    records: metric(registry, 'sb_uplink_records_sent_total', (registers) => new Counter({
      name: 'sb_uplink_records_sent_total', help: 'Records sent in pull answers', registers })),
    refused: metric(registry, 'sb_uplink_requests_refused_total', (registers) => new Counter({
      name: 'sb_uplink_requests_refused_total', help: 'Cloud requests that failed their schema',
      registers })),
  };
}
