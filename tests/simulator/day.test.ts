import { afterAll, describe, expect, it } from 'vitest';
import { summariseQueueMinutes } from '../../edge/queue/index.ts';
import { type QueueMinute, waitBucketOf } from '../../protocol/index.ts';
import {
  type ServiceTally,
  SimulatorConfig,
  type SimulatorConfigInput,
  simulatorBusClients,
  startSimulator,
} from '../../simulator/index.ts';
import { branch, startGateway } from '../edge/queue/harness.ts';
import { manualClock, tempDir, testContext } from '../support/context.ts';
import { simulatorGateway } from './support.ts';

// A branch open 08:00–17:00 in Berlin, busiest at lunchtime.
const arrivalsByHour = [
  0, 0, 0, 0, 0, 0, 0, 0, 12, 18, 22, 22, 28, 24, 18, 16, 10, 0, 0, 0, 0, 0, 0, 0,
];
const input: SimulatorConfigInput = {
  seed: 2026,
  branch,
  gateway: simulatorGateway,
  customers: {
    arrivalsPerHour: 0,
    arrivalsByHour,
    timeZone: 'Europe/Berlin',
    serviceMix: { cash: 3, cards: 1 },
    segments: { vip: 0.05, elderly: 0.1 },
  },
  counters: [
    { id: '3', serviceMinutesMean: 4 },
    { id: '4', serviceMinutesMean: 5 },
  ],
  idlePollSeconds: 60,
};

const dir = tempDir('sb-sim-day-');
afterAll(() => dir.remove());

describe('a full simulated day', () => {
  it('ends with queue KPIs that match what the simulator itself recorded', async () => {
    // 06:00 UTC is 07:00 in Berlin, an hour before opening.
    const clock = manualClock(Date.parse('2026-01-05T06:00:00Z'));
    const config = SimulatorConfig.parse(input);
    const gateway = await startGateway({
      dir: dir.path,
      clock,
      clients: simulatorBusClients(branch, config),
    });
    const simulator = await startSimulator(
      { ...config, gateway: { ...config.gateway, brokerUrl: gateway.bus.url } },
      testContext(clock),
    );

    // Until 18:00 in Berlin, then until the last customer has left.
    while (clock.now() < Date.parse('2026-01-05T17:00:00Z') || simulator.inBranch() > 0) {
      await clock.advance(30_000);
      await simulator.settled();
    }
    gateway.queue.flush();
    const recorded = simulator.byService();
    const recordedByCounter = simulator.byCounter();
    await simulator.stop();
    await gateway.stop();

    const kpis = totals(gateway.minutes);
    const first = Math.min(...gateway.minutes.map((minute) => minute.minute));
    expect(simulator.stats().customersArrived).toBeGreaterThan(100);
    expect(simulator.stats().errors).toBe(0);
    expect(Object.keys(kpis).sort()).toEqual(Object.keys(recorded).sort());
    for (const [service, figures] of Object.entries(recorded)) {
      expect(kpis[service]?.issued).toBe(figures.issued);
      expect(kpis[service]?.served).toBe(figures.served);
      expect(kpis[service]?.waitSecondsTotal).toBeCloseTo(figures.waitSecondsTotal, 3);
    }
    expect(first).toBeGreaterThanOrEqual(Date.parse('2026-01-05T07:00:00Z'));

    const report = summariseQueueMinutes(gateway.minutes);
    expect(report.counters.map((row) => row.counter)).toEqual(['3', '4']);
    for (const row of report.counters) {
      const figures = recordedByCounter[row.counter];
      expect(row.served).toBe(figures?.served);
      expect(row.waitSecondsMean).toBeCloseTo((figures?.waitSecondsTotal ?? 0) / row.served, 3);
      expect(row.serviceSecondsMean).toBeCloseTo(
        (figures?.serviceSecondsTotal ?? 0) / row.served,
        3,
      );
      expect(row.waitSecondsP90).toBe(p90(figures?.waitsSeconds ?? []));
    }
    const allWaits = Object.values(recordedByCounter).flatMap((figures) => figures.waitsSeconds);
    const branchWide = summariseQueueMinutes(
      gateway.minutes.map((minute) => ({ ...minute, service: 'all' })),
    );
    expect(branchWide.services[0]?.waitSecondsP90).toBe(p90(allWaits));
    expect(p90(allWaits)).toBeGreaterThan(0);
  });
});

/** The nearest-rank p90 of some waits, to the upper bound of its histogram bucket. */
function p90(waitsSeconds: number[]) {
  const sorted = [...waitsSeconds].sort((a, b) => a - b);
  const wait = sorted[Math.ceil(0.9 * sorted.length - 1e-9) - 1] ?? 0;
  const bucket = waitBucketOf(wait);
  return bucket === '+Inf' ? 7200 : Number(bucket);
}

/** The day's figures per service, summed over its minute records. */
function totals(minutes: QueueMinute[]) {
  const byService: Record<string, ServiceTally> = {};
  for (const minute of minutes) {
    const entry = byService[minute.service] ?? { issued: 0, served: 0, waitSecondsTotal: 0 };
    byService[minute.service] = entry;
    entry.issued += minute.issued;
    entry.served += minute.served;
    entry.waitSecondsTotal += minute.waitSecondsTotal;
  }
  return byService;
}
