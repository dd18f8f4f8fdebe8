import type { Aedes, PublishPacket } from 'aedes';
import {
  type Channel,
  decodeMessage,
  encodeMessage,
  idProblem,
  parseTopic,
  type Reply,
  topic,
} from '../../protocol/index.ts';

/** Channels whose messages ask for an answer on `reply/{replyTo}`. */
const requestChannels = new Set<Channel>(['queueIssue', 'queueCounterCommand', 'counterRedeem']);

/**
 * A device whose request fails its schema would otherwise wait for an answer that never
 * comes: when the payload still names `replyTo` and `requestId`, the bus answers once with
 * the refusal, whichever modules subscribe to the channel.
 */
export function answerRefusedRequests(broker: Aedes, branch: string): void {
  broker.on('publish', (packet, client) => {
    if (!client) return;

    const parsed = parseTopic(packet.topic);
    if (!parsed || parsed.branch !== branch || !requestChannels.has(parsed.channel)) return;

    const decoded = decodeMessage(parsed.channel, packet.payload as Buffer);
    if (decoded.ok) return;

    const target = replyTarget(packet);
    if (!target) return;

    const reply: Reply = {
      correlationId: target.requestId,
      status: 'error',
      error: { code: decoded.error.code, message: decoded.error.message, path: decoded.error.path },
    };
    broker.publish(
      {
        cmd: 'publish',
        topic: topic('reply', { branch, client: target.replyTo }),
        payload: encodeMessage('reply', reply),
        qos: 1,
        retain: false,
        dup: false,
      } as PublishPacket,
      () => {},
    );
  });
}

function replyTarget(packet: PublishPacket): { replyTo: string; requestId: string } | null {
  try {
    const raw = JSON.parse(packet.payload.toString()) as Record<string, unknown>;
    const { replyTo, requestId } = raw;
    // A reply topic is built from `replyTo`: an id the protocol cannot encode (a control
    // character, an empty level) gets no answer rather than throwing in the broker's event.
    const usable = (value: unknown): value is string =>
      typeof value === 'string' &&
      value.length > 0 &&
      value.length <= 64 &&
      idProblem(value) === null;
    return usable(replyTo) && usable(requestId) ? { replyTo, requestId } : null;
  } catch {
    return null;
  }
}
