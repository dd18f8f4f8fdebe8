import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type ModuleContext, rateLimitedWarn, type Timer } from '../../core/index.ts';
import {
  decodeMessage,
  encodeMessage,
  type PullResponse,
  Stream,
  type StreamName,
  topic,
  topicFilter,
} from '../../protocol/index.ts';
import type { CloudConfig } from '../config.ts';
import {
  type CloudBroker,
  type GatewayIdentity,
  type InboundMessage,
  listGateways,
} from '../fleet/index.ts';
import { type CloudMetrics, cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import { loadCursor, storeBatch } from './ingest.ts';
import { PullLeases } from './leases.ts';
import { responseProblem } from './pull-checks.ts';

/** The pull of one gateway's stream: where its cursor stands and what is in flight. */
interface StreamPull {
  identity: GatewayIdentity;
  stream: StreamName;
  cursor: number;
  inflight: { pullId: string; timer: Timer } | null;
  /** A matching answer is being stored: no new pull until it is. */
  storing: boolean;
}

export interface PullerFigures {
  /** Answers that did not match the pull in flight, ignored. */
  stale: number;
  /** Pulls dropped unanswered after `timeoutMs`. */
  timeouts: number;
  /** Answers refused as malformed, nothing stored. */
  refused: number;
}

/** How replicas share the pulls; one replica alone owns every gateway. */
export interface ReplicaOptions {
  /** This replica's id, unique among those sharing the store. */
  replica: string;
  /** How long a pull lease holds unrenewed: a dead replica's gateways move after it, in ms. */
  leaseTtlMs: number;
  /** With an external broker: a gateway whose status is older than this is not pulled, in ms. */
  offlineAfterMs: number;
}

const pullKey = (gateway: string, stream: string) => `${gateway}\u0000${stream}`;

/**
 * The records channel: the cloud asks each gateway for each stream's records after its
 * cursor, stores an answer and moves the cursor in one transaction, and keeps asking while
 * the gateway holds more. Anything that does not answer the pull in flight changes nothing.
 */
export class Puller {
  private readonly pulls = new Map<string, StreamPull>();
  private readonly figureCounts: PullerFigures = { stale: 0, timeouts: 0, refused: 0 };
  private readonly receiving = new Set<Promise<void>>();
  private readonly log: ModuleContext['log'];
  private readonly metrics: CloudMetrics;
  private readonly warn: ReturnType<typeof rateLimitedWarn>;
  private readonly interval: Timer;
  private readonly unsubscribe: () => void;
  private readonly leases: PullLeases;
  private owned = new Set<string>();
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly broker: CloudBroker,
    private readonly config: CloudConfig['pull'],
    private readonly context: ModuleContext,
    private readonly replicas: ReplicaOptions,
  ) {
    this.log = context.log.child({ module: 'puller', replica: replicas.replica });
    this.leases = new PullLeases(db, replicas, context.clock.now());
    this.metrics = cloudMetrics(context.registry);
    this.warn = rateLimitedWarn(this.log, 60_000, context.clock.now);
    this.unsubscribe = broker.onMessage(topicFilter('pullResponse'), (message) =>
      this.track(message),
    );
    this.interval = context.clock.every(config.intervalMs, () => {
      this.tick().catch((err) => this.log.error({ err }, 'pull round failed'));
    });
  }

  /** One round, as the interval runs it: finds new gateways, pulls every idle stream. */
  async tick(): Promise<void> {
    if (this.stopped) return;

    this.ticking ??= this.round().finally(() => {
      this.ticking = null;
    });
    await this.ticking;
  }

  figures(): PullerFigures {
    return { ...this.figureCounts };
  }

  /** The gateways this replica pulls now. */
  ownedGateways(): string[] {
    return [...this.owned].sort();
  }

  /** Stops pulling and waits for answers being stored. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.interval.cancel();
    this.unsubscribe();
    for (const pull of this.pulls.values()) pull.inflight?.timer.cancel();
    await Promise.allSettled([this.ticking, ...this.receiving]);
    await this.leases.leave().catch((err) => this.log.warn({ err }, 'leases not given back'));
  }

  private async round() {
    const gateways = await this.discover();
    await this.claimLeases(gateways.map((identity) => identity.gateway));

    // A gateway not connected to the broker would only let the pull time out.
    const connected = await this.reachable();
    for (const pull of this.pulls.values()) {
      const gateway = pull.identity.gateway;
      if (this.owned.has(gateway) && connected.has(gateway)) this.send(pull);
    }
  }

  private async claimLeases(gateways: string[]) {
    const busy = new Set<string>();
    for (const pull of this.pulls.values()) {
      if (pull.inflight || pull.storing) busy.add(pull.identity.gateway);
    }
    const now = this.context.clock.now();
    const { owned, claimed } = await this.leases.round(gateways, busy, now);
    this.owned = owned;
    this.metrics.leases.set(owned.size);

    // Another replica may have moved these cursors while it held the lease.
    for (const gateway of claimed) {
      for (const stream of Stream.options) {
        const pull = this.pulls.get(pullKey(gateway, stream));
        if (pull && !pull.inflight && !pull.storing) {
          pull.cursor = await loadCursor(this.db, gateway, stream, now);
        }
      }
    }
    if (claimed.length > 0) this.log.info({ claimed: claimed.length }, 'pull leases claimed');
  }

  /**
   * The embedded broker knows who is connected; an external one does not tell, so there a
   * gateway counts as reachable while its pushed status is recent.
   */
  private async reachable(): Promise<Set<string>> {
    const connected = this.broker.connectedGateways();
    if (connected) return new Set(connected);

    const since = this.context.clock.now() - this.replicas.offlineAfterMs;
    const rows = await this.db
      .selectFrom('gateway_status')
      .select('gateway')
      .where('received_at', '>=', since)
      .execute();
    return new Set(rows.map((row) => row.gateway));
  }

  private async discover() {
    const now = this.context.clock.now();
    const gateways = await listGateways(this.db);
    for (const identity of gateways) {
      for (const stream of Stream.options) {
        const key = pullKey(identity.gateway, stream);
        if (this.pulls.has(key)) continue;

        const cursor = await loadCursor(this.db, identity.gateway, stream, now);
        this.pulls.set(key, { identity, stream, cursor, inflight: null, storing: false });
      }
    }
    return gateways;
  }

  private send(pull: StreamPull) {
    if (this.stopped || pull.inflight || pull.storing) return;

    const pullId = randomBytes(9).toString('base64url');
    const timer = this.context.clock.after(this.config.timeoutMs, () => this.expire(pull, pullId));
    pull.inflight = { pullId, timer };
    const request = {
      pullId,
      stream: pull.stream,
      after: pull.cursor,
      limit: this.config.limit,
      at: this.context.clock.now(),
      gateway: pull.identity.gateway,
    };
    const requestTopic = topic('pullRequest', { branch: pull.identity.branch });
    this.metrics.pulls.inc({ outcome: 'sent' });
    this.broker
      .publish(requestTopic, encodeMessage('pullRequest', request), { qos: 1 })
      .catch((err) => {
        this.log.error({ err, gateway: pull.identity.gateway }, 'pull request not published');
      });
  }

  private expire(pull: StreamPull, pullId: string) {
    if (pull.inflight?.pullId !== pullId) return;

    pull.inflight = null;
    this.figureCounts.timeouts += 1;
    this.metrics.pulls.inc({ outcome: 'timeout' });
  }

  private track(message: InboundMessage) {
    const gateway = message.publisher.gateway;
    const work = this.receive(message)
      .catch((err) => this.log.error({ err, gateway }, 'pull answer not stored'))
      .finally(() => this.receiving.delete(work));
    this.receiving.add(work);
  }

  private async receive(message: InboundMessage) {
    const decoded = decodeMessage('pullResponse', message.payload);
    if (!decoded.ok)
      return this.refuse(message.publisher, decoded.error.path, decoded.error.message);

    const response = decoded.message;
    const problem = responseProblem(response, message.publisher);
    if (problem) return this.refuse(message.publisher, problem.path, problem.reason);

    const pull = this.pulls.get(pullKey(response.gateway, response.stream));
    // With an external broker every replica hears every answer; one it did not ask is not its.
    if (!pull?.inflight && !this.owned.has(response.gateway)) return;

    const matches = pull?.inflight?.pullId === response.pullId && response.after === pull.cursor;
    if (!pull || !matches) return this.stale(response);

    // Claim the answer before the first await, so a duplicate delivered meanwhile is stale.
    pull.inflight?.timer.cancel();
    pull.inflight = null;
    pull.storing = true;
    try {
      await this.store(pull, response);
    } finally {
      pull.storing = false;
    }

    // Drain: the gateway holds more than it sent, so ask again now rather than next interval.
    if (response.records.length > 0 && response.lastSeq > pull.cursor) this.send(pull);
  }

  private async store(pull: StreamPull, response: PullResponse) {
    const { gateway, stream, after, records } = response;
    const result = await storeBatch(
      this.db,
      { gateway, stream, after, records },
      this.context.clock.now(),
    );
    if (!result) {
      // Another replica moved this cursor: take its position and carry on from there.
      pull.cursor = await loadCursor(this.db, gateway, stream, this.context.clock.now());
      return this.stale(response);
    }

    pull.cursor = result.cursor;
    this.metrics.pulls.inc({ outcome: 'stored' });
    this.metrics.recordsIngested.inc({ stream }, result.stored);
    this.metrics.pullLag.set({ gateway, stream }, Math.max(0, response.lastSeq - result.cursor));
  }

  private refuse(publisher: GatewayIdentity, path: string, reason: string) {
    this.figureCounts.refused += 1;
    this.metrics.refused.inc({ channel: 'pullResponse' });
    const fields = { gateway: publisher.gateway, path, reason };
    this.warn(`refused:${publisher.gateway}`, fields, 'pull response refused');
  }

  private stale(response: PullResponse) {
    this.figureCounts.stale += 1;
    this.metrics.pulls.inc({ outcome: 'stale' });
    const fields = { gateway: response.gateway, stream: response.stream, after: response.after };
    this.warn(`stale:${response.gateway}`, fields, 'stale pull response ignored');
  }
}

export function startPuller(
  db: Kysely<Database>,
  broker: CloudBroker,
  config: CloudConfig['pull'],
  context: ModuleContext,
  replicas: ReplicaOptions,
): Puller {
  return new Puller(db, broker, config, context, replicas);
}
