import { z } from 'zod';
import type { ModuleContext, Timer } from '../core/index.ts';
import { CouponCode, encodeMessage, Id, topic } from '../protocol/index.ts';
import { type Link, openLink } from './link.ts';
import { random } from './random.ts';

/**
 * People who took a coupon with a campaign's QR code, and the counter where some of them
 * redeem it. Each code comes from the campaign's pool (issued by HQ); a seeded share of the
 * holders come back after a seeded while and show it at the counter, which redeems over the
 * gateway's bus with a redemption id of its own, sent again unchanged until answered.
 */
export const CouponsConfig = z.strictObject({
  /** Codes HQ issued per campaign (POST /api/benefits/:id/coupons), handed out in order. */
  pools: z.array(z.strictObject({ campaign: Id, codes: z.array(CouponCode) })).min(1),
  /** Share of the people given a coupon who redeem it at the counter, 0–1. */
  redeemShare: z.number().min(0).max(1),
  /** Mean minutes between taking a coupon and redeeming it. Default 10. */
  redeemAfterMinutes: z.number().positive().default(10),
  /** The counter device: the gateway's bus, the counters' login, and where it hears answers. */
  counter: z.strictObject({
    busUrl: z.string().url(),
    username: z.string().min(1),
    password: z.string().min(1),
    counter: Id,
    replyClient: Id,
  }),
});
export type CouponsConfig = z.output<typeof CouponsConfig>;
export type CouponsConfigInput = z.input<typeof CouponsConfig>;

/** One coupon shown at the counter, and the gateway's decision. */
export interface CouponRedemptionTry {
  redemptionId: string;
  code: string;
  campaign: string;
  at: number;
  outcome: 'accepted' | 'refused' | 'unanswered';
  offline: boolean;
  reason?: string;
}

export interface CouponHolders {
  /** A person who scanned the campaign's QR takes its next coupon, if any is left. */
  give(campaign: string): void;
  /** Coupons handed out per campaign. */
  given(): Record<string, number>;
  redemptions(): CouponRedemptionTry[];
  settled(): Promise<void>;
  stop(): Promise<void>;
}

interface Decision {
  outcome: 'accepted' | 'refused';
  offline: boolean;
  reason?: string;
}

export async function startCouponHolders(
  input: CouponsConfigInput,
  seed: number,
  branch: string,
  context: ModuleContext,
): Promise<CouponHolders> {
  const config = CouponsConfig.parse(input);
  const log = context.log.child({ module: 'simulator-coupons', branch });
  // A stream of its own: turning coupons on leaves the people's other draws as they were.
  const draw = random(seed, `coupons:${branch}`);
  const pools = new Map(config.pools.map((pool) => [pool.campaign, [...pool.codes]]));
  const given: Record<string, number> = {};
  const tries: CouponRedemptionTry[] = [];
  const pending = new Set<Promise<unknown>>();
  const timers: Timer[] = [];
  const link = await counterLink(config, branch, context);
  let serial = 0;
  let stopped = false;

  const redeem = async (code: string, campaign: string) => {
    serial += 1;
    const redemptionId = `sim-${seed}-coupon-${String(serial).padStart(6, '0')}`;
    const at = context.clock.now();
    const message = { requestId: redemptionId, replyTo: config.counter.replyClient, code };
    const reply = await link.request(
      topic('counterRedeem', { branch, counter: config.counter.counter }),
      encodeMessage('counterRedeem', message),
      redemptionId,
    );
    const decision = reply?.status === 'ok' ? (reply.data as Decision) : null;
    tries.push({
      redemptionId,
      code,
      campaign,
      at,
      outcome: decision?.outcome ?? 'unanswered',
      offline: decision?.offline ?? false,
      ...(decision?.reason ? { reason: decision.reason } : {}),
    });
    if (!decision) log.warn({ redemption: redemptionId }, 'coupon redemption unanswered');
  };

  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  return {
    give: (campaign) => {
      const code = pools.get(campaign)?.shift();
      if (!code || stopped) return;

      given[campaign] = (given[campaign] ?? 0) + 1;
      if (draw.next() >= config.redeemShare) return;

      // Whole seconds: a run on a clock stepped by seconds redeems at the same instants.
      const delayMs = Math.max(1, Math.round(draw.exponential(config.redeemAfterMinutes * 60)));
      timers.push(
        context.clock.after(delayMs * 1000, () => {
          if (!stopped) track(redeem(code, campaign));
        }),
      );
    },
    given: () => ({ ...given }),
    redemptions: () => [...tries],
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    stop: async () => {
      stopped = true;
      for (const timer of timers) timer.cancel();
      // Closing answers a request still waiting with null: it is kept as unanswered.
      await link.close();
      await Promise.allSettled([...pending]);
      log.info({ redemptions: tries.length }, 'coupon holders stopped');
    },
  };
}

function counterLink(config: CouponsConfig, branch: string, context: ModuleContext): Promise<Link> {
  return openLink(
    {
      url: config.counter.busUrl,
      username: config.counter.username,
      password: config.counter.password,
      clientId: `sim-${branch}-coupons`,
      replyTopic: topic('reply', { branch, client: config.counter.replyClient }),
      replyTimeoutMs: 10_000,
    },
    context.clock,
    context.log,
  );
}
