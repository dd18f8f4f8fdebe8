import type { Kysely } from 'kysely';
import type { Database } from '../store/index.ts';

export interface LeaseOptions {
  /** This replica's id, unique among the replicas sharing the store. */
  replica: string;
  /** How long a lease and a heartbeat hold without renewal, in ms. */
  leaseTtlMs: number;
}

/**
 * Which gateways this replica pulls. Each round renews its heartbeat and its leases, gives
 * back leases beyond its fair share (gateways over live replicas, rounded up) and claims
 * free or expired ones up to it. A dead replica stops renewing, so after `leaseTtlMs` the
 * others take its gateways over. The lease only spreads the work: the cursor's
 * compare-and-set in `storeBatch` is what keeps two pulls of one gateway from storing twice.
 */
export class PullLeases {
  private readonly startedAt: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: LeaseOptions,
    now: number,
  ) {
    this.startedAt = now;
  }

  get replica(): string {
    return this.options.replica;
  }

  /** One round: returns the gateways this replica owns now, and those it newly claimed. */
  async round(gateways: readonly string[], busy: ReadonlySet<string>, now: number) {
    const until = now + this.options.leaseTtlMs;
    await this.heartbeat(now);

    const share = Math.ceil(gateways.length / (await this.liveReplicas(now)));
    const owned = await this.renew(now, until);
    const surplus = owned.filter((gateway) => !busy.has(gateway)).slice(share);
    await this.release(surplus);
    const kept = owned.filter((gateway) => !surplus.includes(gateway));

    const wanted = share - kept.length;
    const claimed = wanted > 0 ? await this.claim(gateways, kept, wanted, now, until) : [];
    return { owned: new Set([...kept, ...claimed]), claimed };
  }

  /** Gives every lease back and leaves, so the others take over at once rather than later. */
  async leave(): Promise<void> {
    await this.db.deleteFrom('pull_leases').where('owner', '=', this.replica).execute();
    await this.db.deleteFrom('cloud_replicas').where('id', '=', this.replica).execute();
  }

  private async heartbeat(now: number) {
    await this.db
      .insertInto('cloud_replicas')
      .values({ id: this.replica, started_at: this.startedAt, seen_at: now })
      .onConflict((conflict) => conflict.column('id').doUpdateSet({ seen_at: now }))
      .execute();
  }

  private async liveReplicas(now: number): Promise<number> {
    const row = await this.db
      .selectFrom('cloud_replicas')
      .select((eb) => eb.fn.countAll<number>().as('live'))
      .where('seen_at', '>', now - this.options.leaseTtlMs)
      .executeTakeFirstOrThrow();
    return Math.max(1, Number(row.live));
  }

  private async renew(now: number, until: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('pull_leases')
      .set({ expires_at: until })
      .where('owner', '=', this.replica)
      .where('expires_at', '>', now)
      .returning('gateway')
      .execute();
    return rows.map((row) => row.gateway).sort();
  }

  private async release(gateways: readonly string[]) {
    if (gateways.length === 0) return;

    await this.db
      .deleteFrom('pull_leases')
      .where('owner', '=', this.replica)
      .where('gateway', 'in', [...gateways])
      .execute();
  }

  private async claim(
    gateways: readonly string[],
    kept: readonly string[],
    wanted: number,
    now: number,
    until: number,
  ): Promise<string[]> {
    const taken = await this.db
      .selectFrom('pull_leases')
      .select('gateway')
      .where('expires_at', '>', now)
      .execute();
    const busy = new Set([...kept, ...taken.map((row) => row.gateway)]);
    const free = shuffled(gateways.filter((gateway) => !busy.has(gateway))).slice(0, wanted);
    if (free.length === 0) return [];

    // A lease row another replica renewed meanwhile is not expired, so the update skips it.
    const rows = await this.db
      .insertInto('pull_leases')
      .values(free.map((gateway) => ({ gateway, owner: this.replica, expires_at: until })))
      .onConflict((conflict) =>
        conflict
          .column('gateway')
          .doUpdateSet({ owner: this.replica, expires_at: until })
          .where('pull_leases.expires_at', '<=', now),
      )
      .returning('gateway')
      .execute();
    return rows.map((row) => row.gateway);
  }
}

/** Replicas claiming at the same moment start from different gateways, so fewer collide. */
function shuffled<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(Math.random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}
