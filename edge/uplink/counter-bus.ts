import type { Logger } from 'pino';
import { toErrorBody } from '../../core/index.ts';
import type { Reply } from '../../protocol/index.ts';
import type { Bus } from '../bus/index.ts';
import type { RedeemOutcome } from './benefits.ts';

/**
 * Coupon redemption for counter devices on the branch's bus: a counter publishes the code on
 * its own redeem topic with the redemption id as request id, and hears the decision on its
 * reply topic. The decision is the uplink counter's (the cloud's when it answers, else the
 * branch's allotment), kept by redemption id, so a resend gets the first answer.
 */
export async function serveCounterRedemptions(
  bus: Bus,
  redeem: (code: string, redemptionId: string) => Promise<RedeemOutcome>,
  log: Logger,
): Promise<() => Promise<void>> {
  const reply = (replyTo: string | undefined, message: Reply) => {
    if (replyTo === undefined) return;

    bus
      .publish('reply', { client: replyTo }, message)
      .catch((err) => log.error({ err, replyTo }, 'redemption reply not published'));
  };

  return bus.subscribe('counterRedeem', {}, (request, parsed) => {
    const correlationId = request.requestId;
    redeem(request.code, request.requestId).then(
      (outcome) => reply(request.replyTo, { correlationId, status: 'ok', data: outcome }),
      (err: unknown) => {
        log.error({ err, counter: parsed.params.counter }, 'counter redemption failed');
        reply(request.replyTo, { correlationId, status: 'error', error: toErrorBody(err) });
      },
    );
  });
}
