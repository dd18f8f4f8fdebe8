import { io as connectSocket, type Socket } from 'socket.io-client';
import { z } from 'zod';
import type { ModuleContext, Timer } from '../core/index.ts';
import { socketPath } from '../edge/screens/index.ts';
import { Id } from '../protocol/index.ts';
import { type CouponHolders, CouponsConfig, startCouponHolders } from './coupons.ts';
import { random } from './random.ts';

/**
 * Customers in front of a branch's screens: virtual players pair with the gateway, play the
 * programme it sends and report each play; while a campaign item plays, some of the people
 * watching scan its QR link and leave a lead on HQ's mobile form. What they produced is
 * tallied here, to compare with what HQ shows.
 */
export const ProspectsConfig = z.strictObject({
  seed: z.number().int(),
  branch: Id,
  /** The gateway's web address, e.g. `http://127.0.0.1:8080`. */
  gatewayUrl: z.url(),
  /** Signage screens to play, each with the pairing code the technician UI shows. */
  screens: z.array(z.strictObject({ id: Id, code: z.string().regex(/^\d{6}$/) })).min(1),
  /** The QR link HQ signed for each campaign on each screen (POST /api/leads/links). */
  links: z.array(z.strictObject({ campaign: Id, screen: Id, url: z.url() })).min(1),
  /** Mean people watching a play, drawn per play. Default 3. */
  viewersPerPlay: z.number().nonnegative().max(100).default(3),
  /** Share of the people watching a campaign item who scan its QR and leave a lead, 0–1. */
  scanShare: z.number().min(0).max(1),
  /** Relative weight of each product people ask for on the form. */
  products: z.record(Id, z.number().nonnegative()),
  /** The consent version the form shows (HQ's leads config). */
  consentVersion: z.string().min(1).max(40),
  /** Coupons handed out with the campaigns' QR codes, some redeemed at a counter. */
  coupons: CouponsConfig.optional(),
});
export type ProspectsConfig = z.output<typeof ProspectsConfig>;
export type ProspectsConfigInput = z.input<typeof ProspectsConfig>;

/** What the people in front of the screens did, added up. */
export interface ProspectsTotals {
  /** Items the virtual players played and reported. */
  plays: number;
  /** People who watched a campaign item, one per person per play. */
  watched: number;
  /** People who scanned a campaign's QR code and posted the lead form. */
  scans: number;
  /** Leads HQ took. */
  leads: number;
  couponsTaken: number;
  /** Coupons the gateway accepted at the counter. */
  couponsRedeemed: number;
}

/** One lead a simulated person left: where they saw the campaign, and when. */
export interface ProducedLead {
  phone: string;
  campaign: string;
  screen: string;
  branch: string;
  product: string;
  at: number;
}

export interface Prospects {
  /** Plays reported per campaign (`''` for items of no campaign). */
  plays(): Record<string, number>;
  leads(): ProducedLead[];
  /** Form posts HQ did not take, with its status. */
  refused(): number;
  totals(): ProspectsTotals;
  /** The coupon holders, when the config hands coupons out. */
  coupons(): CouponHolders | null;
  /** Resolves once every play report and form post sent so far has its answer. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

interface Item {
  id: string;
  campaign?: string;
  durationMs: number;
}

export async function startProspects(
  input: ProspectsConfigInput,
  context: ModuleContext,
): Promise<Prospects> {
  const config = ProspectsConfig.parse(input);
  const log = context.log.child({ module: 'simulator-prospects', branch: config.branch });
  const draw = random(config.seed, `prospects:${config.branch}`);
  const pending = new Set<Promise<unknown>>();
  const plays: Record<string, number> = {};
  const produced: ProducedLead[] = [];
  const sockets: Socket[] = [];
  const timers: Timer[] = [];
  let refused = 0;
  let stopped = false;
  let people = 0;
  let watched = 0;
  const coupons = config.coupons
    ? await startCouponHolders(config.coupons, config.seed, config.branch, context)
    : null;

  const track = (work: Promise<unknown>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };

  const leaveLead = async (link: ProspectsConfig['links'][number]) => {
    people += 1;
    // A mobile number of its own per person: 139, three digits of the seed, a serial.
    const serial = String(people).padStart(5, '0');
    const phone = `139${String(config.seed % 1000).padStart(3, '0')}${serial}`;
    const product = draw.pick(config.products);
    const at = context.clock.now();
    const form = new URLSearchParams({
      name: `Prospect ${people}`,
      phone,
      product,
      consent: 'yes',
      consentVersion: config.consentVersion,
    });
    // A phone that cannot reach HQ (down, or no signal) leaves no lead: it counts as refused.
    const response = await fetch(link.url, { method: 'POST', body: form }).catch(() => null);
    if (!response?.ok) {
      refused += 1;
      log.warn({ status: response?.status ?? 0, campaign: link.campaign }, 'lead form refused');
      return;
    }

    produced.push({
      phone: `+86${phone}`,
      campaign: link.campaign,
      screen: link.screen,
      branch: config.branch,
      product,
      at,
    });
  };

  const watch = (screen: string, item: Item) => {
    const link = config.links.find(
      (each) => each.campaign === item.campaign && each.screen === screen,
    );
    if (!link) return;

    const viewers = Math.round(draw.exponential(config.viewersPerPlay));
    watched += viewers;
    for (let viewer = 0; viewer < viewers; viewer++) {
      if (draw.next() >= config.scanShare) continue;

      track(leaveLead(link));
      coupons?.give(link.campaign);
    }
  };

  for (const screen of config.screens) {
    const socket = await pairedPlayer(config.gatewayUrl, screen);
    sockets.push(socket);
    // A player page says it is alive every two seconds; the gateway drops a silent one.
    timers.push(
      context.clock.every(2000, () => {
        if (socket.connected) track(socket.timeout(30_000).emitWithAck('heartbeat', {}));
      }),
    );
    playLoop(socket, screen.id, context, {
      played: (item, startedAt) => {
        plays[item.campaign ?? ''] = (plays[item.campaign ?? ''] ?? 0) + 1;
        const report = {
          playId: `${screen.id}-${startedAt}`,
          item: item.id,
          ...(item.campaign ? { campaign: item.campaign } : {}),
          startedAt,
          endedAt: context.clock.now(),
          completed: true,
        };
        track(socket.timeout(30_000).emitWithAck('play', report));
        watch(screen.id, item);
      },
      stopped: () => stopped,
    });
  }
  log.info({ screens: config.screens.length }, 'prospects watching');

  return {
    plays: () => ({ ...plays }),
    leads: () => [...produced],
    refused: () => refused,
    totals: () => ({
      plays: Object.values(plays).reduce((sum, count) => sum + count, 0),
      watched,
      scans: people,
      leads: produced.length,
      couponsTaken: Object.values(coupons?.given() ?? {}).reduce((sum, count) => sum + count, 0),
      couponsRedeemed:
        coupons?.redemptions().filter((each) => each.outcome === 'accepted').length ?? 0,
    }),
    coupons: () => coupons,
    settled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await coupons?.settled();
    },
    stop: async () => {
      stopped = true;
      for (const timer of timers) timer.cancel();
      await Promise.allSettled([...pending]);
      await coupons?.stop();
      for (const socket of sockets) socket.close();
      log.info({ leads: produced.length, refused }, 'prospects stopped');
    },
  };
}

/** Pairs as the screen's player with its code and opens the player socket. */
async function pairedPlayer(gatewayUrl: string, screen: { id: string; code: string }) {
  const response = await fetch(`${gatewayUrl}/screens/api/pair`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ screen: screen.id, code: screen.code }),
  });
  if (!response.ok) throw new Error(`screen ${screen.id} did not pair: ${response.status}`);

  const { token } = (await response.json()) as { token: string };
  return connectSocket(`${gatewayUrl}/players`, {
    path: socketPath,
    auth: { token },
    transports: ['websocket'],
  });
}

/**
 * Plays the latest programme item after item on the injected clock, as a player page does;
 * a new programme takes over at the next item.
 */
function playLoop(
  socket: Socket,
  screen: string,
  context: ModuleContext,
  on: { played(item: Item, startedAt: number): void; stopped(): boolean },
) {
  let items: Item[] = [];
  let position = 0;
  let playing = false;

  const next = () => {
    if (on.stopped() || items.length === 0) {
      playing = false;
      return;
    }

    const item = items[position % items.length] as Item;
    position += 1;
    const startedAt = context.clock.now();
    context.clock.after(Math.max(1000, item.durationMs), () => {
      if (on.stopped()) return;

      on.played(item, startedAt);
      next();
    });
  };

  socket.on('programme', (programme: { items: Item[] }) => {
    items = programme.items;
    position = 0;
    if (playing) return;

    playing = true;
    next();
  });
  socket.on('connect_error', (err) => {
    context.log.warn({ screen, err: err.message }, 'virtual player refused');
  });
}
