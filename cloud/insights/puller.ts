import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type ModuleContext, rateLimitedWarn, type Timer } from '../../core/index.ts';
import {
  decodeMessage,
  encodeMessage,
  type PullResponse,
  Stream,
  type StreamName,
  streamOfKind,
  topic,
  topicFilter,
} from '../../protocol/index.ts';
import type { CloudConfig } from '../config.ts';
import type { CloudBroker, InboundMessage } from '../fleet/broker.ts';
import { type GatewayIdentity, listGateways } from '../fleet/gateways.ts';
import { cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import { loadCursor, storeBatch } from './ingest.ts';

interface StreamPull {
  identity: GatewayIdentity;
  stream: StreamName;
  cursor: number;
  inflight: { pullId: string; timer: Timer } | null;
  /** A matching answer is being stored: no new pull until it is. */
  storing: boolean;
}

export interface PullerFigures {
  stale: number;
  timeouts: number;
  refused: number;
}

export interface Puller {
  /** Pulls every enrolled gateway's streams now, as the interval does. */
  tick(): Promise<void>;
  figures(): PullerFigures;
  /** Stops pulling and waits for answers being stored. */
  stop(): Promise<void>;
}

const key = (gateway: string, stream: string) => `${gateway}\u0000${stream}`;

/**
 * The records channel: the cloud asks each gateway for each stream's records after its
 * cursor, stores an answer and moves the cursor in one transaction, and keeps asking while
 * the gateway holds more. Anything that does not answer the pull in flight changes nothing.
 */
export function startPuller(
  db: Kysely<Database>,
  broker: CloudBroker,
  config: CloudConfig['pull'],
  context: ModuleContext,
): Puller {
  const log = context.log.child({ module: 'puller' });
  const metrics = cloudMetrics(context.registry);
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  const pulls = new Map<string, StreamPull>();
  const figures: PullerFigures = { stale: 0, timeouts: 0, refused: 0 };
  let ticking: Promise<void> | null = null;
  let stopped = false;

  async function discover() {
    for (const identity of await listGateways(db)) {
      for (const stream of Stream.options) {
        if (pulls.has(key(identity.gateway, stream))) continue;

        const cursor = await loadCursor(db, identity.gateway, stream, context.clock.now());
        pulls.set(key(identity.gateway, stream), {
          identity,
          stream,
          cursor,
          inflight: null,
          storing: false,
        });
      }
    }
  }

  function send(pull: StreamPull) {
    if (stopped || pull.inflight || pull.storing) return;

    const pullId = randomBytes(9).toString('base64url');
    const timer = context.clock.after(config.timeoutMs, () => {
      if (pull.inflight?.pullId !== pullId) return;

      pull.inflight = null;
      figures.timeouts += 1;
      metrics.pulls.inc({ outcome: 'timeout' });
    });
    pull.inflight = { pullId, timer };
    const request = {
      pullId,
      stream: pull.stream,
      after: pull.cursor,
      limit: config.limit,
      at: context.clock.now(),
      gateway: pull.identity.gateway,
    };
    const payload = encodeMessage('pullRequest', request);
    metrics.pulls.inc({ outcome: 'sent' });
    broker
      .publish(topic('pullRequest', { branch: pull.identity.branch }), payload, { qos: 1 })
      .catch((err) => {
        log.error({ err, gateway: pull.identity.gateway }, 'pull request not published');
      });
  }

  function refuse(publisher: GatewayIdentity, path: string, reason: string) {
    figures.refused += 1;
    metrics.refused.inc({ channel: 'pullResponse' });
    warn(
      `refused:${publisher.gateway}`,
      { gateway: publisher.gateway, path, reason },
      'pull response refused',
    );
  }

  function stale(response: PullResponse) {
    figures.stale += 1;
    metrics.pulls.inc({ outcome: 'stale' });
    const fields = { gateway: response.gateway, stream: response.stream, after: response.after };
    warn(`stale:${response.gateway}`, fields, 'stale pull response ignored');
  }

  /** Why a decoded answer cannot be stored, as a field path and reason; null when it can. */
  function contentProblem(response: PullResponse, publisher: GatewayIdentity) {
    if (response.gateway !== publisher.gateway)
      return { path: 'gateway', reason: 'not the publisher' };

    let highest = 0;
    for (const [index, record] of response.records.entries()) {
      if (streamOfKind[record.kind] !== response.stream) {
        return { path: `records.${index}.kind`, reason: `not in stream ${response.stream}` };
      }
      highest = Math.max(highest, record.seq);
    }
    if (response.lastSeq < highest) return { path: 'lastSeq', reason: 'below a record it carries' };

    return null;
  }

  async function receive(message: InboundMessage) {
    const decoded = decodeMessage('pullResponse', message.payload);
    if (!decoded.ok) return refuse(message.publisher, decoded.error.path, decoded.error.message);

    const response = decoded.message;
    const problem = contentProblem(response, message.publisher);
    if (problem) return refuse(message.publisher, problem.path, problem.reason);

    const pull = pulls.get(key(response.gateway, response.stream));
    const matches = pull?.inflight?.pullId === response.pullId && response.after === pull.cursor;
    if (!pull || !matches) return stale(response);

    // Claim the answer before the first await, so a duplicate delivered meanwhile is stale.
    pull.inflight?.timer.cancel();
    pull.inflight = null;
    pull.storing = true;
    try {
      await store(pull, response);
    } finally {
      pull.storing = false;
    }
    if (response.records.length > 0 && response.lastSeq > pull.cursor) send(pull);
  }

  async function store(pull: StreamPull, response: PullResponse) {
    const batch = {
      gateway: response.gateway,
      stream: response.stream,
      after: response.after,
      records: response.records,
    };
    const result = await storeBatch(db, batch, context.clock.now());
    if (!result) {
      // Another replica moved this cursor: take its position and carry on from there.
      pull.cursor = await loadCursor(db, pull.identity.gateway, pull.stream, context.clock.now());
      return stale(response);
    }

    pull.cursor = result.cursor;
    metrics.pulls.inc({ outcome: 'stored' });
    metrics.recordsIngested.inc({ stream: pull.stream }, result.stored);
    metrics.pullLag.set(
      { gateway: response.gateway, stream: pull.stream },
      Math.max(0, response.lastSeq - result.cursor),
    );
  }

  const receiving = new Set<Promise<void>>();
  const unsubscribe = broker.onMessage(topicFilter('pullResponse'), (message) => {
    const work = receive(message)
      .catch((err) =>
        log.error({ err, gateway: message.publisher.gateway }, 'pull answer not stored'),
      )
      .finally(() => receiving.delete(work));
    receiving.add(work);
  });

  async function tick() {
    if (stopped) return;

    if (!ticking) {
      ticking = discover()
        .then(() => {
          for (const pull of pulls.values()) send(pull);
        })
        .finally(() => {
          ticking = null;
        });
    }
    await ticking;
  }

  const interval = context.clock.every(config.intervalMs, () => {
    tick().catch((err) => log.error({ err }, 'pull round failed'));
  });

  return {
    tick,
    figures: () => ({ ...figures }),
    async stop() {
      stopped = true;
      interval.cancel();
      unsubscribe();
      for (const pull of pulls.values()) pull.inflight?.timer.cancel();
      await Promise.allSettled([ticking, ...receiving]);
    },
  };
}
