import { describe, expect, it } from 'vitest';
import { anomalies, funnel, InsightsConfig, insightsDb } from '../../../cloud/insights/index.ts';
import type { UplinkRecord } from '../../../protocol/index.ts';
import {
  dialects,
  ingest,
  lineMinute,
  openTestStore,
  playHour,
  queueMinute,
  zoneMinute,
} from './fixtures.ts';

const now = Date.UTC(2026, 3, 1);
const config = InsightsConfig.parse({}).anomalies;
const hour = 3_600_000;
// Mondays 09:00–17:00 in Shanghai (01:00–09:00 UTC), five weeks from 2 March 2026.
const monday = (week: number, slot: number) => Date.UTC(2026, 2, 2 + 7 * week, 1) + slot * hour;

function weeks(lastWeekShare: number): UplinkRecord[] {
  const records: UplinkRecord[] = [];
  for (let week = 0; week < 5; week += 1) {
    for (let slot = 0; slot < 8; slot += 1) {
      const usual = 100 + 5 * ((week + slot) % 3);
      const entries = week === 4 ? Math.round(usual * lastWeekShare) : usual;
      records.push(lineMinute(records.length + 1, monday(week, slot), entries));
    }
  }
  return records;
}

/** Steady footfall; tickets taken per entry fall to `lastWeekShare` of 0.3 in the fifth week. */
function conversions(lastWeekShare: number) {
  const audience: UplinkRecord[] = [];
  const queue: UplinkRecord[] = [];
  for (let week = 0; week < 5; week += 1) {
    for (let slot = 0; slot < 8; slot += 1) {
      const at = monday(week, slot);
      const issued = week === 4 ? Math.round(30 * lastWeekShare) : 30;
      audience.push(lineMinute(audience.length + 1, at, 100));
      queue.push(
        queueMinute(queue.length + 1, at, {
          issued,
          served: issued,
          waitSeconds: 0,
          withinTarget: 0,
        }),
      );
    }
  }
  return { audience, queue };
}

describe.each(dialects)('anomalies and funnels on %s', (dialect) => {
  it('flags a 40% drop against the same weekday and hour and leaves a 10% drop alone', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    await ingest(store, 'gw-shanghai', 'audience', weeks(0.6), now);
    await ingest(store, 'gw-beijing', 'audience', weeks(0.9), now);

    const found = await anomalies(
      db,
      { region: 'cn', from: '2026-03-30', to: '2026-03-30', metric: 'footfall' },
      config,
    );

    const day = found.find((anomaly) => anomaly.hour === null);
    expect(new Set(found.map((anomaly) => anomaly.branch))).toEqual(new Set(['shanghai']));
    expect(found.filter((anomaly) => anomaly.hour !== null)).toHaveLength(8);
    // Day totals of the four weeks before: 835, 845, 840, 835.
    expect(day?.baseline).toBe(837.5);
    expect(day?.drop).toBeCloseTo(0.4, 1);
  });

  it('flags a conversion that halved while footfall held, and leaves a 10% dip alone', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const halved = conversions(0.5);
    const dipped = conversions(0.9);
    await ingest(store, 'gw-shanghai', 'audience', halved.audience, now);
    await ingest(store, 'gw-shanghai', 'queue', halved.queue, now);
    await ingest(store, 'gw-beijing', 'audience', dipped.audience, now);
    await ingest(store, 'gw-beijing', 'queue', dipped.queue, now);

    const range = { region: 'cn', from: '2026-03-30', to: '2026-03-30' };
    const footfall = await anomalies(db, { ...range, metric: 'footfall' }, config);
    const conversion = await anomalies(db, { ...range, metric: 'conversion' }, config);

    const day = conversion.find((anomaly) => anomaly.hour === null);
    expect(footfall).toEqual([]);
    expect(new Set(conversion.map((anomaly) => anomaly.branch))).toEqual(new Set(['shanghai']));
    // 240 tickets over 800 entries a Monday before, 120 this one.
    expect(day).toMatchObject({ value: 0.15, baseline: 0.3 });
    expect(day?.drop).toBeCloseTo(0.5, 9);
  });

  it('counts each funnel step and its rate, and a campaign only in the hours it played', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const at = Date.UTC(2026, 2, 2, 2);
    await ingest(
      store,
      'gw-shanghai',
      'audience',
      [
        zoneMinute(1, at, 'door', { passersBy: 200 }, 'passing'),
        lineMinute(2, at, 50),
        lineMinute(3, at + 2 * hour, 30),
      ],
      now,
    );
    await ingest(store, 'gw-shanghai', 'plays', [playHour(1, at, 'cards', 20)], now);

    const whole = await funnel(db, {
      branches: ['shanghai'],
      from: '2026-03-02',
      to: '2026-03-02',
    });
    const cards = await funnel(db, {
      branches: ['shanghai'],
      from: '2026-03-02',
      to: '2026-03-02',
      campaign: 'cards',
    });

    const steps = whole.branches[0]?.steps ?? [];
    expect(steps.map((step) => step.count)).toEqual([200, 80, 20, 0, 0, 0]);
    expect(steps[1]?.rate).toBeCloseTo(0.4);
    expect(steps[2]?.rate).toBeCloseTo(0.25);
    expect(cards.branches[0]?.steps.map((step) => step.count)).toEqual([200, 50, 20, 0, 0, 0]);
  });
});
