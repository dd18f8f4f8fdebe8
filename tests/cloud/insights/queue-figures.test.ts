import { describe, expect, it } from 'vitest';
import { figureTables } from '../../../cloud/api/insights-tables.ts';
import { figures, rebuildInsights } from '../../../cloud/insights/index.ts';
import { insightsDb } from '../../../cloud/insights/schema.ts';
import type { QueueMinute, UplinkRecord } from '../../../protocol/index.ts';
import { dialects, ingest, openTestStore, queueMinute } from './fixtures.ts';

const now = Date.UTC(2026, 2, 1);
// 09:00 in Berlin on 2 March 2026.
const nine = Date.UTC(2026, 2, 2, 8);
const minuteMs = 60_000;

// The records a gateway sends for eleven cash tickets issued at 09:00: ticket k waits k
// minutes and is served at counter 3 (k odd) or 4 (k even); counter 3 serves each in 2
// minutes, counter 4 in 2 minutes except the last in 1; counter 4 gives one up as a no-show.
// The cash target is 6 minutes; the waits promised at issue were off by these seconds:
const estimateErrors = [60, 30, 120, 210, 300, 390, 480, 570, 660, 750];

function servedRecord(k: number): QueueMinute {
  const waitSeconds = k * 60;
  return {
    minute: nine + (k + 2) * minuteMs,
    service: 'cash',
    counter: k % 2 === 1 ? '3' : '4',
    issued: 0,
    served: 1,
    waitSecondsTotal: waitSeconds,
    waitSecondsMax: waitSeconds,
    noShows: 0,
    serviceSecondsTotal: k === 10 ? 60 : 120,
    servedWithinTarget: k <= 6 ? 1 : 0,
    estimated: 1,
    estimateErrorSecondsTotal: estimateErrors[k - 1] as number,
    waitHistogram: { [String(waitSeconds)]: 1 },
  };
}

const emptyFigures = {
  issued: 0,
  served: 0,
  waitSecondsTotal: 0,
  waitSecondsMax: 0,
  noShows: 0,
  serviceSecondsTotal: 0,
  servedWithinTarget: 0,
  estimated: 0,
  estimateErrorSecondsTotal: 0,
};

const dayRecords: QueueMinute[] = [
  { minute: nine, service: 'cash', ...emptyFigures, issued: 11 },
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(servedRecord),
  {
    minute: nine + 12 * minuteMs,
    service: 'cash',
    counter: '4',
    ...emptyFigures,
    noShows: 1,
    waitHistogram: {},
  },
];

const asRecords = (minutes: QueueMinute[]): UplinkRecord[] =>
  minutes.map((data, index) => ({ seq: index + 1, at: data.minute, kind: 'queue.minute', data }));

const cash = {
  service: 'cash',
  issued: 11,
  served: 10,
  noShows: 1,
  waitSecondsMean: 330,
  waitSecondsP90: 540,
  serviceSecondsMean: 114,
  withinTargetShare: 0.6,
  estimateErrorSecondsMean: 357,
};
const counters = [
  {
    counter: '3',
    served: 5,
    noShows: 0,
    waitSecondsMean: 300,
    waitSecondsP90: 540,
    serviceSecondsMean: 120,
    withinTargetShare: 0.6,
    estimateErrorSecondsMean: 324,
  },
  {
    counter: '4',
    served: 5,
    noShows: 1,
    waitSecondsMean: 360,
    waitSecondsP90: 600,
    serviceSecondsMean: 108,
    withinTargetShare: 0.6,
    estimateErrorSecondsMean: 390,
  },
];

describe.each(dialects)('queue figures per service and counter on %s', (dialect) => {
  it('reads mean, p90, service time, target share and estimate error from the minutes', async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    await ingest(store, 'gw-berlin', 'queue', asRecords(dayRecords), now);

    const found = await figures(db, { branches: ['berlin'], from: '2026-03-02', to: '2026-03-02' });

    const { service: _, issued: __, ...branchWide } = cash;
    expect(found.queue).toEqual({ issued: 11, ...branchWide, services: [cash], counters });
    expect(figureTables['queue-counters'](found)).toEqual(counters);
    expect(figureTables.kpis(found)).toEqual(
      expect.arrayContaining([
        { figure: 'waitSecondsP90', value: 540 },
        { figure: 'estimateErrorSecondsMean', value: 357 },
        { figure: 'ticketNoShows', value: 1 },
      ]),
    );
  });

  it("still ingests an older gateway's records, without counters or a p90, and rebuilds them", async () => {
    const store = await openTestStore(dialect, now);
    const db = insightsDb(store.db);
    const old = [
      queueMinute(1, nine, { issued: 4, served: 3, waitSeconds: 90, withinTarget: 2 }),
      queueMinute(2, nine + minuteMs, { issued: 1, served: 1, waitSeconds: 30, withinTarget: 1 }),
    ];
    await ingest(store, 'gw-shanghai', 'queue', old, now);
    const query = { branches: ['shanghai'], from: '2026-03-02', to: '2026-03-02' };
    const live = await figures(db, query);

    expect(await rebuildInsights(store.db, now)).toBe(2);
    expect(await figures(db, query)).toEqual(live);
    expect(live.queue).toEqual({
      issued: 5,
      served: 4,
      noShows: 0,
      waitSecondsMean: 30,
      waitSecondsP90: null,
      serviceSecondsMean: null,
      withinTargetShare: 0.75,
      estimateErrorSecondsMean: null,
      services: [
        {
          service: 'cash',
          issued: 5,
          served: 4,
          noShows: 0,
          waitSecondsMean: 30,
          waitSecondsP90: null,
          serviceSecondsMean: null,
          withinTargetShare: 0.75,
          estimateErrorSecondsMean: null,
        },
      ],
      counters: [],
    });
  });
});
