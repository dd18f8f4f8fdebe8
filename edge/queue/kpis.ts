import {
  addWaitHistogram,
  type QueueMinute,
  type WaitHistogram,
  waitPercentileSeconds,
} from '../../protocol/index.ts';

/** A service's or a counter's queue figures over a period, read from its minute records. */
export interface QueueKpis {
  issued: number;
  served: number;
  noShows: number;
  /** Null where nothing was served (or estimated, for the estimate's error). */
  waitSecondsMean: number | null;
  /** The wait 90 % of the served tickets did not exceed, to its histogram bucket's bound. */
  waitSecondsP90: number | null;
  waitSecondsMax: number;
  serviceSecondsMean: number | null;
  withinTargetShare: number | null;
  /** Mean absolute error of the waits promised at issue, over the served tickets that had one. */
  estimateErrorSecondsMean: number | null;
}

export interface QueueKpiReport {
  services: Array<{ service: string } & QueueKpis>;
  counters: Array<{ counter: string } & QueueKpis>;
}

interface Sums {
  issued: number;
  served: number;
  noShows: number;
  waitSeconds: number;
  waitSecondsMax: number;
  serviceSeconds: number;
  withinTarget: number;
  estimated: number;
  estimateErrorSeconds: number;
  histogram: WaitHistogram;
}

const emptySums = (): Sums => ({
  issued: 0,
  served: 0,
  noShows: 0,
  waitSeconds: 0,
  waitSecondsMax: 0,
  serviceSeconds: 0,
  withinTarget: 0,
  estimated: 0,
  estimateErrorSeconds: 0,
  histogram: {},
});

function add(sums: Sums, record: QueueMinute) {
  sums.issued += record.issued;
  sums.served += record.served;
  sums.noShows += record.noShows ?? 0;
  sums.waitSeconds += record.waitSecondsTotal;
  sums.waitSecondsMax = Math.max(sums.waitSecondsMax, record.waitSecondsMax);
  sums.serviceSeconds += record.serviceSecondsTotal ?? 0;
  sums.withinTarget += record.servedWithinTarget ?? 0;
  sums.estimated += record.estimated ?? 0;
  sums.estimateErrorSeconds += record.estimateErrorSecondsTotal ?? 0;
  addWaitHistogram(sums.histogram, record.waitHistogram ?? {});
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

function kpisOf(sums: Sums): QueueKpis {
  return {
    issued: sums.issued,
    served: sums.served,
    noShows: sums.noShows,
    waitSecondsMean: ratio(sums.waitSeconds, sums.served),
    waitSecondsP90: waitPercentileSeconds(sums.histogram, 0.9),
    waitSecondsMax: sums.waitSecondsMax,
    serviceSecondsMean: ratio(sums.serviceSeconds, sums.served),
    withinTargetShare: ratio(sums.withinTarget, sums.served),
    estimateErrorSecondsMean: ratio(sums.estimateErrorSeconds, sums.estimated),
  };
}

function grouped(records: readonly QueueMinute[], keyOf: (record: QueueMinute) => string | null) {
  const groups = new Map<string, Sums>();
  for (const record of records) {
    const key = keyOf(record);
    if (key === null) continue;

    const sums = groups.get(key) ?? emptySums();
    groups.set(key, sums);
    add(sums, record);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Sums minute records per service and per counter: the figures the cloud reads for the same
 * records. A counter's `issued` is 0, since a ticket is issued to a service, not a counter.
 */
export function summariseQueueMinutes(records: readonly QueueMinute[]): QueueKpiReport {
  return {
    services: grouped(records, (record) => record.service).map(([service, sums]) => ({
      service,
      ...kpisOf(sums),
    })),
    counters: grouped(records, (record) => record.counter ?? null).map(([counter, sums]) => ({
      counter,
      ...kpisOf(sums),
    })),
  };
}
