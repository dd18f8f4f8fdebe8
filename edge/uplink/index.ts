import { dirname, join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import {
  type ModuleContext,
  rateLimitedWarn,
  SmartBranchError,
  type Timer,
} from '../../core/index.ts';
import {
  type Alarm,
  type Channel,
  decodeMessage,
  encodeMessage,
  type LiveStatus,
  type MessageOf,
  type ModuleSettings,
  type PullRequest,
  type RedeemReply,
  topic,
  type UplinkState as UplinkStateName,
} from '../../protocol/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Db, Outbox } from '../store/index.ts';
import { assetStage } from './assets.ts';
import { counter, type RedeemOutcome } from './benefits.ts';
import { type CommandHandlers, commandDesk } from './commands.ts';
import { serveCounterRedemptions } from './counter-bus.ts';
import { type Credentials, enrol, readCredentials } from './enrol.ts';
import { type ManifestTarget, manifestFlow } from './manifest.ts';
import { answerPull, drainBudget, uplinkMetrics } from './pull.ts';
import { uplinkState } from './state.ts';

export type { RedeemOutcome } from './benefits.ts';
export type { CommandHandlers } from './commands.ts';
export type { ManifestTarget } from './manifest.ts';
export { answerPull, drainBudget } from './pull.ts';

export const UplinkConfig = z.strictObject({
  /** The cloud's HTTP address, where the gateway enrols and fetches campaign assets. */
  cloudUrl: z.string().url(),
  /**
   * The cloud broker's address when it differs from the one handed out at enrolment, e.g. a
   * regional broker or, in the demo, a port picked anew at each start.
   */
  brokerUrl: z.string().url().optional(),
  /** One-time token from HQ; needed only until the gateway holds its own credentials. */
  enrolmentToken: z
    .string()
    .refine(
      (token) => !token.startsWith('REPLACE-WITH'),
      "is the example's placeholder: put the token `smartbranch enrolment-token` printed here",
    )
    .optional(),
  /** How often live status is pushed, in milliseconds. Default 5000. */
  statusIntervalMs: z.number().int().min(500).default(5000),
  /** Delay before retrying enrolment or a lost connection, in milliseconds. Default 2000. */
  retryMs: z.number().int().min(100).default(2000),
  /** How long the counter waits for the cloud before redeeming offline, in ms. Default 3000. */
  redeemTimeoutMs: z.number().int().min(100).default(3000),
  /** How long one campaign asset may take to download, in ms. Default 600000. */
  assetTimeoutMs: z.number().int().min(1000).default(600_000),
  /**
   * MQTT keep-alive towards the cloud broker, in seconds: a link that went silent (a
   * half-open connection) is noticed and reconnected after 1.5 times this. Default 60.
   */
  keepaliveSeconds: z.number().int().min(1).max(65_535).default(60),
  /**
   * Records sent per second at most when the cloud drains a backlog, so an outage's catch-up
   * does not saturate the branch's link. Absent: as fast as the cloud asks.
   */
  drainRecordsPerSecond: z.number().int().min(1).optional(),
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
  /** The gateway's store, for the uplink's own tables. Absent: kept in memory. */
  db?: Db;
  /** Where verified manifests are applied. Absent: manifests are verified and reported only. */
  screens?: ManifestTarget;
  /** Where fetched campaign assets are kept. Default: `uplink-assets` by the credentials. */
  assetDir?: string;
  /** Handlers of HQ's remote commands; a command without one is answered SB_ERR_NOT_FOUND. */
  commands?: CommandHandlers;
  /** Told when HQ switches the branch's modules, with the settings' version. */
  onModules?: (modules: ModuleSettings['modules'], version: number) => void;
  /** The branch's bus, where counter devices redeem coupons. Absent: only `redeem()` does. */
  bus?: Bus;
}

export interface UplinkStats {
  state: z.output<typeof UplinkStateName>;
  pullsAnswered: number;
  recordsSent: number;
  statusPushed: number;
  /** The campaign manifest version applied last; 0 before the first. */
  manifestVersion: number;
}

export interface Uplink {
  stats(): UplinkStats;
  alarm(alarm: Omit<Alarm, 'gateway' | 'at'>): void;
  /** Redeems a coupon at the counter: by the cloud when it answers, else offline. */
  redeem(code: string, redemptionId: string): Promise<RedeemOutcome>;
  /** The modules HQ last set for the branch, or null before it ever did. */
  modules(): ModuleSettings['modules'] | null;
  /** Pushes the live status now, e.g. as the acknowledgement of a module switch. */
  pushStatus(): void;
  /** Takes the last manifest received again: one refused while the screens were off. */
  retakeManifest(): void;
  stop(): Promise<void>;
}

const nothingApplies: ManifestTarget = {
  applyManifest: () => ({ applied: true }),
  hasAsset: () => false,
};

/**
 * The gateway's link to the cloud. Records leave only as answers to the cloud's pulls; live
 * status, alarms, rollout reports and command acks are pushed on their own topics, so a
 * backlog never holds them up. Down come signed manifests, commands, module settings and
 * benefit allotments.
 */
export async function startUplink(options: UplinkOptions, context: ModuleContext): Promise<Uplink> {
  const log = context.log.child({ module: 'uplink' });
  const stats: UplinkStats = {
    state: 'connecting',
    pullsAnswered: 0,
    recordsSent: 0,
    statusPushed: 0,
    manifestVersion: 0,
  };
  const metrics = uplinkMetrics(context);
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  const state = uplinkState(options.db);
  const now = () => context.clock.now();
  const branch = options.branch;
  let client: MqttClient | null = null;
  let timers: Timer[] = [];
  let stopped = false;
  const replies = new Map<string, (reply: RedeemReply) => void>();
  const drain = drainBudget(options.config.drainRecordsPerSecond, now);
  const delayed = new Set<Timer>();

  const send = <C extends Channel>(channel: C, message: MessageOf<C>, retain = false) => {
    client?.publish(topic(channel, { branch } as never), encodeMessage(channel, message), {
      qos: 1,
      retain,
    });
  };
  const desk = commandDesk({
    gateway: options.gateway,
    branch,
    handlers: options.commands ?? {},
    state,
    publicKeyPem: () => commandKey,
    log,
    now,
    ack: (ack) => send('commandAck', ack),
    onModules: options.onModules,
  });
  const counterDesk = counter({
    state,
    outbox: options.outbox,
    log,
    now,
    askCloud: (redemptionId, code) => askCloud(redemptionId, code),
  });

  const askCloud = (redemptionId: string, code: string) =>
    new Promise<RedeemReply | null>((resolve) => {
      if (!client?.connected) return resolve(null);

      const timer = context.clock.after(options.config.redeemTimeoutMs, () => {
        replies.delete(redemptionId);
        resolve(null);
      });
      replies.set(redemptionId, (reply) => {
        timer.cancel();
        replies.delete(redemptionId);
        resolve(reply);
      });
      send('redeemRequest', { redemptionId, gateway: options.gateway, code, at: now() });
    });

  let lastManifest: Buffer | null = null;
  let commandKey: string | null = null;
  let offerManifest = (_payload: Buffer) => {};

  const connect = (credentials: Credentials) => {
    commandKey = credentials.manifestPublicKey;
    const flow = manifestFlow({
      branch,
      publicKeyPem: credentials.manifestPublicKey,
      target: options.screens ?? nothingApplies,
      stage: assetStage(
        options.assetDir ?? join(dirname(options.credentialsFile), 'uplink-assets'),
        new URL('/api/assets', options.config.cloudUrl).href,
        context.clock,
        options.config.assetTimeoutMs,
      ),
      state,
      log,
      report: (report) =>
        send('rolloutReport', { ...report, gateway: options.gateway, at: now() }, true),
    });
    const routes = new Map<string, (payload: Buffer) => void>([
      [topic('pullRequest', { branch }), (payload) => onPull(payload)],
      [topic('campaignManifest', { branch }), (payload) => offerManifest(payload)],
      [topic('commandRequest', { branch }), (payload) => desk.onCommand(payload)],
      [topic('moduleSettings', { branch }), (payload) => desk.onModules(payload)],
      [
        topic('benefitAllotment', { branch }),
        (payload) => counterDesk.onAllotment(payload, branch),
      ],
      [topic('redeemReply', { branch }), (payload) => onReply(payload)],
    ]);
    stats.manifestVersion = flow.appliedVersion();
    offerManifest = (payload) => {
      lastManifest = payload;
      void flow.offer(payload).then(() => {
        stats.manifestVersion = flow.appliedVersion();
      });
    };

    client = mqtt.connect(options.config.brokerUrl ?? credentials.broker.url, {
      clientId: `gateway-${options.gateway}`,
      username: credentials.broker.username,
      password: credentials.broker.password,
      reconnectPeriod: options.config.retryMs,
      connectTimeout: 10_000,
      keepalive: options.config.keepaliveSeconds,
    });
    client.on('connect', () => {
      setState('online');
      client?.subscribe([...routes.keys()], { qos: 1 });
      pushStatus();
    });
    client.on('close', () => setState('offline'));
    client.on('error', (err) =>
      warn(`mqtt:${err.message}`, { reason: err.message }, 'uplink connection error'),
    );
    client.on('message', (name, payload) => routes.get(name)?.(payload));
  };

  const setState = (next: UplinkStats['state']) => {
    if (stats.state === next) return;

    stats.state = next;
    metrics.online.set(next === 'online' ? 1 : 0);
    log.info({ state: next }, 'uplink state');
  };

  const onPull = (payload: Buffer) => {
    const decoded = decodeMessage('pullRequest', payload);
    if (!decoded.ok) {
      metrics.refused.inc();
      return warn(`pull:${decoded.error.path}`, decoded.error, 'pull request refused');
    }
    if (decoded.message.gateway && decoded.message.gateway !== options.gateway) return;

    const request = decoded.message;
    const wait = drain.waitMs(request.limit);
    if (wait === 0) return answer(request);

    const timer = context.clock.after(wait, () => {
      delayed.delete(timer);
      answer(request);
    });
    delayed.add(timer);
  };

  const answer = (request: PullRequest) => {
    if (stopped) return;

    const limit = drain.take(request.limit);
    const response = answerPull(options, { ...request, limit }, now());
    drain.spent(limit - response.records.length);
    send('pullResponse', response);
    stats.pullsAnswered += 1;
    stats.recordsSent += response.records.length;
    metrics.records.inc(response.records.length);
  };

  const onReply = (payload: Buffer) => {
    const decoded = decodeMessage('redeemReply', payload);
    if (decoded.ok) replies.get(decoded.message.redemptionId)?.(decoded.message);
  };

  const pushStatus = () => {
    if (!client?.connected) return;

    const status = options.status();
    const cameras = status.cameras?.map((camera) =>
      camera.reason === undefined
        ? camera
        : { ...camera, reason: withoutCredentials(camera.reason) },
    );
    send(
      'liveStatus',
      { ...status, ...(cameras ? { cameras } : {}), gateway: options.gateway, at: now() },
      true,
    );
    stats.statusPushed += 1;
  };

  const begin = async () => {
    try {
      const credentials = await obtainCredentials(options, log);
      if (stopped) return;

      connect(credentials);
      timers.push(context.clock.every(options.config.statusIntervalMs, pushStatus));
    } catch (err) {
      setState('offline');
      warn('enrol', { reason: (err as Error).message }, 'uplink cannot start; retrying');
      if (!stopped) timers.push(context.clock.after(options.config.retryMs * 5, begin));
    }
  };

  await begin();
  const offCounters = options.bus
    ? await serveCounterRedemptions(options.bus, counterDesk.redeem, log)
    : async () => {};

  return {
    stats: () => ({ ...stats }),
    alarm: (alarm) => send('alarm', { ...alarm, gateway: options.gateway, at: now() }),
    redeem: (code, redemptionId) => counterDesk.redeem(code, redemptionId),
    modules: () => desk.modules(),
    pushStatus,
    retakeManifest: () => {
      if (lastManifest) offerManifest(lastManifest);
    },
    stop: async () => {
      stopped = true;
      await offCounters();
      for (const timer of [...timers, ...delayed]) timer.cancel();
      timers = [];
      delayed.clear();
      await client?.endAsync();
      setState('offline');
      state.close();
    },
  };
}

/**
 * A text with the user and password of every URL in it removed: a camera's failure reason
 * may quote its RTSP address, and the camera's login must not leave the branch.
 */
export function withoutCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1');
}

/** The module settings HQ last sent, kept in the gateway's store for its next start. */
export function storedModules(
  db: Db,
): { modules: ModuleSettings['modules']; version: number } | null {
  const state = uplinkState(db);
  const stored = state.get('modules');
  return stored
    ? {
        modules: JSON.parse(stored) as ModuleSettings['modules'],
        version: state.number('modulesVersion'),
      }
    : null;
}

async function obtainCredentials(options: UplinkOptions, log: ModuleContext['log']) {
  const held = readCredentials(options.credentialsFile);
  if (held) return held;

  const token = options.config.enrolmentToken;
  if (!token) throw new SmartBranchError('SB_ERR_UNAUTHENTICATED', 'no credentials and no token');

  return enrol(options.config.cloudUrl, options.gateway, token, options.credentialsFile, log);
}
