import { Counter, Gauge, type ModuleContext, metric } from '../../core/index.ts';
import {
  encodeMessage,
  maxPayloadBytes,
  type PullRequest,
  type PullResponse,
} from '../../protocol/index.ts';
import type { Outbox } from '../store/index.ts';

/**
 * The records after the cloud's cursor, as many as fit in one payload. Asking for what comes
 * after `after` confirms everything up to it.
 */
export function answerPull(
  options: { outbox: Outbox; gateway: string },
  request: PullRequest,
  now: number,
): PullResponse {
  options.outbox.confirm(request.stream, request.after);

  let records = options.outbox.after(request.stream, request.after, request.limit);
  const position = options.outbox.position(request.stream);
  const response = (list: typeof records): PullResponse => ({
    pullId: request.pullId,
    gateway: options.gateway,
    stream: request.stream,
    after: request.after,
    records: list,
    lastSeq: position.lastSeq,
    at: now,
  });

  // Halve until the answer fits the broker's payload limit; the cloud drains the rest.
  while (
    records.length > 1 &&
    encodeMessage('pullResponse', response(records)).length > maxPayloadBytes
  ) {
    records = records.slice(0, Math.ceil(records.length / 2));
  }
  return response(records);
}

/**
 * A token bucket over the records sent in pull answers, on the injected clock: it holds at
 * most one second's worth, so an idle link does not save up a burst. Without a rate every
 * pull is answered at once and in full.
 */
export function drainBudget(recordsPerSecond: number | undefined, now: () => number) {
  let tokens = recordsPerSecond ?? 0;
  let filledAt = now();
  const refill = () => {
    if (recordsPerSecond === undefined) return;

    const elapsed = Math.max(0, now() - filledAt);
    filledAt = now();
    tokens = Math.min(recordsPerSecond, tokens + (elapsed / 1000) * recordsPerSecond);
  };

  return {
    /** How long to wait before answering a pull of `limit` records; 0: answer now. */
    waitMs(limit: number): number {
      if (recordsPerSecond === undefined) return 0;

      refill();
      const wanted = Math.min(limit, recordsPerSecond);
      return tokens >= wanted ? 0 : Math.ceil(((wanted - tokens) / recordsPerSecond) * 1000);
    },
    /** Takes what may be sent now, at least one record so a drain always moves. */
    take(limit: number): number {
      if (recordsPerSecond === undefined) return limit;

      refill();
      const granted = Math.max(1, Math.min(limit, Math.floor(tokens)));
      tokens -= granted;
      return granted;
    },
    /** Gives back what was granted but not sent (the stream held fewer records). */
    spent(unused: number) {
      if (recordsPerSecond !== undefined) tokens += Math.max(0, unused);
    },
  };
}

export function uplinkMetrics(context: ModuleContext) {
  const registry = context.registry;
  return {
    online: metric(
      registry,
      'sb_uplink_online',
      (registers) =>
        new Gauge({
          name: 'sb_uplink_online',
          help: '1 while the cloud link is up',
          registers,
        }),
    ),
    records: metric(
      registry,
      'sb_uplink_records_sent_total',
      (registers) =>
        new Counter({
          name: 'sb_uplink_records_sent_total',
          help: 'Records sent in pull answers',
          registers,
        }),
    ),
    refused: metric(
      registry,
      'sb_uplink_requests_refused_total',
      (registers) =>
        new Counter({
          name: 'sb_uplink_requests_refused_total',
          help: 'Cloud requests that failed their schema',
          registers,
        }),
    ),
  };
}
