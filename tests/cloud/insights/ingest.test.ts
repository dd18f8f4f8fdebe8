import { describe, expect, it } from 'vitest';
import {
  figures,
  funnel,
  readRecords,
  rebuildInsights,
  series,
  setTheme,
} from '../../../cloud/insights/index.ts';
import { insightsDb } from '../../../cloud/insights/schema.ts';
import {
  dialects,
  ingest,
  lineMinute,
  openTestStore,
  queueMinute,
  zoneMinute,
} from './fixtures.ts';

const now = Date.UTC(2026, 2, 1);
const hour = 3_600_000;
const pick = <T>(items: T[], order: number[]) => order.map((index) => items[index] as T);
// Berlin puts its clocks forward at 02:00 on 29 March 2026 and back at 03:00 on 25 October.
const springNight = Date.UTC(2026, 2, 28, 23);
const autumnNight = Date.UTC(2026, 9, 24, 22);

describe.each(dialects)('ingest of pulled records on %s', (dialect) => {
  it('adds a record to the rollups once when it is sent twice, late and out of order', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const minute = Date.UTC(2026, 2, 2, 9);
    const records = [1, 2, 3, 4].map((seq) => lineMinute(seq, minute + seq * 60_000, seq * 10));

    await ingest(store, 'gw-shanghai', 'audience', pick(records, [2, 0, 1]), now);
    await ingest(store, 'gw-shanghai', 'audience', pick(records, [1, 2, 3]), now);
    await ingest(store, 'gw-shanghai', 'audience', records, now);
    const points = await series(db, {
      branches: ['shanghai'],
      from: '2026-03-02',
      to: '2026-03-02',
      granularity: 'hour',
      metrics: ['entries'],
    });

    expect(points).toEqual([{ bucket: '2026-03-02 17:00', metric: 'entries', value: 100 }]);
  });

  it('adds only records the store lacks when a cursor was set back, whatever their text', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const minute = Date.UTC(2026, 2, 4, 2);
    // Quotes, braces, commas, backslashes, a record separator and non-ASCII in a zone name.
    const zone = 'hall "A", {east}\\ \u001e 大厅';
    const records = [1, 2, 3].map((seq) =>
      zoneMinute(seq, minute + seq * 60_000, zone, { visits: seq, occupancyMean: 1.5 }),
    );
    await ingest(store, 'gw-shanghai', 'audience', records.slice(0, 2), now);

    // As after a restore of the cursors table: the store holds 1 and 2, the cursor says 0.
    await store.db
      .updateTable('cursors')
      .set({ seq: 0 })
      .where('gateway', '=', 'gw-shanghai')
      .execute();
    const again = await ingest(store, 'gw-shanghai', 'audience', records, now);
    const visits = await series(db, {
      branches: ['shanghai'],
      from: '2026-03-04',
      to: '2026-03-04',
      granularity: 'day',
      metrics: ['zone.visits', 'zone.person-minutes'],
      dimension: zone,
    });

    expect(again).toEqual({ cursor: 3, stored: 1 });
    expect(await readRecords(store.db, 'gw-shanghai', 'audience')).toEqual(records);
    expect(visits).toEqual([
      { bucket: '2026-03-04', metric: 'zone.person-minutes', value: 4.5 },
      { bucket: '2026-03-04', metric: 'zone.visits', value: 6 },
    ]);
  });

  it('counts coupon redemptions per benefit and leads from their records', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const at = Date.UTC(2026, 2, 5, 3);
    const redemption = (seq: number, benefit: string, offline: boolean) => ({
      seq,
      at: at + seq * 60_000,
      kind: 'benefit.redemption' as const,
      data: {
        redemptionId: `redeem-${seq}-000`,
        code: 'ABCD-EFGH-JKLM',
        benefit,
        redeemedAt: at + seq * 60_000,
        offline,
      },
    });
    const lead = (seq: number) => ({
      seq,
      at: at + seq * 60_000,
      kind: 'lead.sealed' as const,
      data: { sealed: 'A'.repeat(64) },
    });
    await ingest(
      store,
      'gw-shanghai',
      'redemptions',
      [redemption(1, 'coffee', false), redemption(2, 'coffee', true), redemption(3, 'fuel', false)],
      now,
    );
    await ingest(store, 'gw-shanghai', 'leads', [lead(1), lead(2)], now);
    const period = { branches: ['shanghai'], from: '2026-03-05', to: '2026-03-05' };

    const found = await figures(db, period);
    const steps = (await funnel(db, period)).branches[0]?.steps ?? [];

    expect(found.coupons).toMatchObject({
      redeemed: 3,
      redeemedOffline: 1,
      redeemedByBenefit: { coffee: 2, fuel: 1 },
    });
    expect(steps.find((step) => step.step === 'lead')?.count).toBe(2);
  });

  it('derives the same rollups again from the stored records', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const minute = Date.UTC(2026, 2, 3, 1);
    const audience = [1, 2].map((seq) => lineMinute(seq, minute + seq * hour, 7));
    const queue = [
      queueMinute(1, minute, { issued: 4, served: 3, waitSeconds: 90, withinTarget: 2 }),
    ];
    await ingest(store, 'gw-beijing', 'audience', audience, now);
    await ingest(store, 'gw-beijing', 'queue', queue, now);
    const query = {
      branches: ['beijing'],
      from: '2026-03-01',
      to: '2026-03-10',
      granularity: 'day' as const,
      metrics: ['entries', 'tickets.issued', 'wait.seconds'],
    };
    const live = await series(db, query);

    const rebuilt = await rebuildInsights(store.db, now);

    expect(rebuilt).toBe(3);
    expect(await series(db, query)).toEqual(live);
    expect(live).toEqual([
      { bucket: '2026-03-03', metric: 'entries', value: 14 },
      { bucket: '2026-03-03', metric: 'tickets.issued', value: 4 },
      { bucket: '2026-03-03', metric: 'wait.seconds', value: 90 },
    ]);
  });

  it('buckets a Berlin spring DST day into 23 local hours and an autumn one into 25', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const spring = Array.from({ length: 23 }, (_, index) =>
      lineMinute(index + 1, springNight + index * hour + 60_000, 1),
    );
    const autumn = Array.from({ length: 25 }, (_, index) =>
      lineMinute(index + 24, autumnNight + index * hour + 60_000, 1),
    );
    await ingest(store, 'gw-berlin', 'audience', [...spring, ...autumn], now);

    const hourly = async (day: string) =>
      series(db, {
        branches: ['berlin'],
        from: day,
        to: day,
        granularity: 'hour',
        metrics: ['entries'],
      });
    const springHours = (await hourly('2026-03-29')).map((point) => point.bucket.slice(11));
    const autumnHours = (await hourly('2026-10-25')).map((point) => point.bucket.slice(11));
    const days = await series(db, {
      branches: ['berlin'],
      from: '2026-03-28',
      to: '2026-10-26',
      granularity: 'day',
      metrics: ['entries'],
    });

    expect(springHours).toHaveLength(23);
    expect(springHours.slice(0, 3)).toEqual(['00:00', '01:00', '03:00']);
    expect(autumnHours).toHaveLength(25);
    expect(autumnHours.slice(2, 5)).toEqual(['02:00', '02:00 (2)', '03:00']);
    expect(days).toEqual([
      { bucket: '2026-03-29', metric: 'entries', value: 23 },
      { bucket: '2026-10-25', metric: 'entries', value: 25 },
    ]);
  });

  it('sums a theme or a region over its branches only', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const minute = Date.UTC(2026, 2, 6, 2);
    await setTheme(db, 'shanghai', 'shopping-mall', now);
    await setTheme(db, 'beijing', 'home', now);
    await ingest(store, 'gw-shanghai', 'audience', [lineMinute(1, minute, 11)], now);
    await ingest(store, 'gw-beijing', 'audience', [lineMinute(1, minute, 7)], now);
    await ingest(store, 'gw-berlin', 'audience', [lineMinute(1, minute, 5)], now);
    const day = { from: '2026-03-06', to: '2026-03-06', metrics: ['entries'] };

    const mall = await series(db, { ...day, theme: 'shopping-mall', granularity: 'day' });
    const china = await series(db, { ...day, region: 'cn', granularity: 'day' });
    const everywhere = await series(db, { ...day, granularity: 'day' });

    expect(mall).toEqual([{ bucket: '2026-03-06', metric: 'entries', value: 11 }]);
    expect(china).toEqual([{ bucket: '2026-03-06', metric: 'entries', value: 18 }]);
    expect(everywhere).toEqual([{ bucket: '2026-03-06', metric: 'entries', value: 23 }]);
  });

  it('counts a week from Monday in the branch own calendar', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    // Sunday 23:30 in Shanghai is Sunday 15:30 UTC; Monday 00:30 is Sunday 16:30 UTC.
    const sunday = Date.UTC(2026, 2, 8, 15, 30);
    await ingest(
      store,
      'gw-shanghai',
      'audience',
      [lineMinute(1, sunday, 3), lineMinute(2, sunday + hour, 5)],
      now,
    );

    const weeks = await series(db, {
      region: 'cn',
      from: '2026-03-01',
      to: '2026-03-15',
      granularity: 'week',
      metrics: ['entries'],
    });

    expect(weeks).toEqual([
      { bucket: '2026-03-02', metric: 'entries', value: 3 },
      { bucket: '2026-03-09', metric: 'entries', value: 5 },
    ]);
  });
});
