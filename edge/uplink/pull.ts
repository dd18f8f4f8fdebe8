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
