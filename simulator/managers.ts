import { z } from 'zod';
import type { ModuleContext, Timer } from '../core/index.ts';
import { random } from './random.ts';

/**
 * Relationship managers at HQ's API: every few minutes each signs in, calls the new leads
 * in their list, and wins a share of them (contacted, qualified, won) or loses the rest with a
 * reason. What they did is tallied here, to compare with what HQ shows.
 */
export const ManagersConfig = z.strictObject({
  seed: z.number().int(),
  /** HQ's web address, e.g. `http://127.0.0.1:3000`. */
  cloudUrl: z.url(),
  managers: z
    .array(z.strictObject({ username: z.string().min(1), password: z.string().min(1) }))
    .min(1),
  /** Simulated minutes between two looks at the list. Default 15. */
  checkMinutes: z
    .number()
    .positive()
    .max(24 * 60)
    .default(15),
  /** Share of the called leads that are won, 0–1. */
  winShare: z.number().min(0).max(1),
});
export type ManagersConfigInput = z.input<typeof ManagersConfig>;

/** What one manager did with one lead. */
export interface ManagerAction {
  manager: string;
  phone: string;
  contactedAt: number;
  outcome: 'won' | 'lost';
}

export interface Managers {
  actions(): ManagerAction[];
  /** Resolves once the round of calls under way, if any, is done. */
  settled(): Promise<void>;
  stop(): void;
}

interface ListedLead {
  id: string;
  phone: string | null;
}

export function startManagers(input: ManagersConfigInput, context: ModuleContext): Managers {
  const config = ManagersConfig.parse(input);
  const log = context.log.child({ module: 'simulator-managers' });
  const draw = random(config.seed, 'managers');
  const cookies = new Map<string, string>();
  const actions: ManagerAction[] = [];
  let round: Promise<void> = Promise.resolve();

  const call = async (manager: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${config.cloudUrl}${path}`, {
      method,
      headers: {
        cookie: cookies.get(manager) ?? '',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}`);
    return response;
  };

  const signIn = async (manager: { username: string; password: string }) => {
    if (cookies.has(manager.username)) return;

    const response = await fetch(`${config.cloudUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(manager),
    });
    if (!response.ok) throw new Error(`${manager.username} could not sign in`);
    cookies.set(manager.username, (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '');
  };

  const work = async (manager: { username: string; password: string }) => {
    await signIn(manager);
    const listed = await call(manager.username, 'GET', '/api/leads?state=new');
    const { leads } = (await listed.json()) as { leads: ListedLead[] };
    for (const lead of [...leads].reverse()) {
      const step = (to: string, reason?: string) =>
        call(manager.username, 'POST', `/api/leads/${lead.id}/step`, { to, reason });
      const contactedAt = context.clock.now();
      await step('contacted');
      const won = draw.next() < config.winShare;
      if (won) {
        await step('qualified');
        await step('won');
      } else await step('lost', 'not interested for now');

      actions.push({
        manager: manager.username,
        phone: lead.phone ?? '',
        contactedAt,
        outcome: won ? 'won' : 'lost',
      });
    }
  };

  const timer: Timer = context.clock.every(config.checkMinutes * 60_000, () => {
    round = round.then(async () => {
      for (const manager of config.managers) {
        await work(manager).catch((err: unknown) =>
          log.warn({ manager: manager.username, err: (err as Error).message }, 'round failed'),
        );
      }
    });
  });

  return {
    actions: () => [...actions],
    settled: async () => {
      let seen: Promise<void> | null = null;
      while (seen !== round) {
        seen = round;
        await round;
      }
    },
    stop: () => timer.cancel(),
  };
}
