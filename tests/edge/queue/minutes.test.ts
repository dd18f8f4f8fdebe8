import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBus } from '../../../edge/bus/index.ts';
import {
  QueueConfig,
  type QueueConfigInput,
  startQueue,
  summariseQueueMinutes,
} from '../../../edge/queue/index.ts';
import { openStore, outbox } from '../../../edge/store/index.ts';
import type { QueueMinute } from '../../../protocol/index.ts';
import { manualClock, tempDir, testContext } from '../../support/context.ts';
import { branch, type Gateway, requestId, sampleConfig, startGateway } from './harness.ts';

const at = (time: string) => Date.parse(`2026-01-05T${time}Z`);
let dir: ReturnType<typeof tempDir>;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  dir.remove();
});

const issue = (service = 'cash') =>
  (gateway as Gateway).queue.issue({ requestId: requestId(), service, source: 'kiosk' });
const command = (counter: string, action: 'call-next' | 'end' | 'no-show') =>
  (gateway as Gateway).queue.command(counter, { requestId: requestId(), action });

describe('minute KPIs', () => {
  it('hands each active minute over once it has closed, per service, with waits and service times', async () => {
    dir = tempDir('sb-queue-kpi-');
    const clock = manualClock(at('09:00:00'));
    gateway = await startGateway({ dir: dir.path, clock });

    await clock.set(at('09:00:10'));
    issue();
    await clock.set(at('09:00:40'));
    issue();
    issue('cards');
    await clock.set(at('09:00:50'));
    const beforeClose = [...gateway.minutes];
    await clock.set(at('09:01:05'));
    command('3', 'call-next');
    await clock.set(at('09:03:20'));
    command('3', 'end');
    await clock.set(at('09:04:00'));

    expect(beforeClose).toEqual([]);
    expect(gateway.minutes).toEqual([
      minute('09:00', 'cards', { issued: 1 }),
      minute('09:00', 'cash', { issued: 2 }),
      // cards is the higher class: it was called at 09:01:05 after 25 s and served 135 s;
      // issued to an empty queue, it was promised no wait, so its estimate was 25 s off.
      minute('09:03', 'cards', {
        counter: '3',
        served: 1,
        waitSecondsTotal: 25,
        waitSecondsMax: 25,
        serviceSecondsTotal: 135,
        servedWithinTarget: 1,
        estimated: 1,
        estimateErrorSecondsTotal: 25,
        waitHistogram: { '30': 1 },
      }),
    ]);
  });

  it('hands the open minute over at stop and the rest of it after a restart, adding up', async () => {
    dir = tempDir('sb-queue-kpi-');
    const clock = manualClock(at('10:00:00'));
    const minutes: QueueMinute[] = [];
    gateway = await startGateway({ dir: dir.path, clock, minutes });
    await clock.set(at('10:00:10'));
    issue();
    issue();
    await gateway.stop();
    const atStop = minutes.length;

    gateway = await startGateway({ dir: dir.path, clock, minutes });
    await clock.set(at('10:00:30'));
    issue();
    await clock.set(at('10:01:00'));

    expect(atStop).toBe(1);
    expect(minutes.map((entry) => [entry.minute, entry.issued])).toEqual([
      [at('10:00:00'), 2],
      [at('10:00:00'), 1],
    ]);
  });

  it('offers the same minute again when recording it failed, so none is lost', async () => {
    dir = tempDir('sb-queue-kpi-');
    const clock = manualClock(at('11:00:00'));
    const context = testContext(clock);
    const store = openStore(join(dir.path, 'gateway.sqlite'), context);
    const bus = await startBus({ branch, port: 0, clients: [] }, context);
    const records = outbox(store.db);
    let failing = true;
    const queue = await startQueue(
      {
        branch,
        config: QueueConfig.parse(sampleConfig),
        db: store.db,
        bus,
        recordMinute: (data) => {
          records.append({ kind: 'queue.minute', at: clock.now(), data });
          if (failing) throw new Error('disk full');
        },
      },
      context,
    );

    queue.issue({ requestId: requestId(), service: 'cash', source: 'kiosk' });
    await clock.set(at('11:01:00'));
    const afterFailure = records.position('queue').lastSeq;
    failing = false;
    await clock.set(at('11:02:00'));

    expect(afterFailure).toBe(0);
    expect(records.after('queue', 0, 10).map((record) => record.data)).toEqual([
      minute('11:00', 'cash', { issued: 1 }),
    ]);
    await queue.stop();
    await bus.close();
    store.close();
  });
});

// Cash with a 6-minute target, so that the waits of 1 to 10 minutes below split 6 to 4.
const sixMinuteCash: QueueConfigInput = {
  ...sampleConfig,
  services: sampleConfig.services.map((service) =>
    service.id === 'cash' ? { ...service, targetWaitMinutes: 6 } : service,
  ),
};

describe('queue KPIs per service and counter', () => {
  // Eleven cash tickets at 09:00. Counters 3 and 4 take turns calling one a minute from
  // 09:01, so ticket k waits k minutes; calling the next ends the held one. At 09:11 both end,
  // and counter 4 calls the eleventh ticket, which is given up as a no-show at 09:12.
  //   counter 3: waits 1, 3, 5, 7, 9 min; each served 2 min
  //   counter 4: waits 2, 4, 6, 8, 10 min; served 2, 2, 2, 2 and 1 min; one no-show
  const runDay = async () => {
    dir = tempDir('sb-queue-kpi-');
    const clock = manualClock(at('08:59:00'));
    gateway = await startGateway({ dir: dir.path, clock, config: sixMinuteCash });
    await clock.set(at('09:00:00'));
    const estimates = Array.from({ length: 11 }, () => issue().estimatedWaitSeconds);
    for (let k = 1; k <= 10; k += 1) {
      await clock.set(at(`09:${String(k).padStart(2, '0')}:00`));
      command(k % 2 === 1 ? '3' : '4', 'call-next');
    }
    await clock.set(at('09:11:00'));
    command('3', 'end');
    command('4', 'call-next');
    await clock.set(at('09:12:00'));
    command('4', 'no-show');
    await clock.set(at('09:13:00'));
    return estimates;
  };

  it('gives waits of 1 to 10 minutes a mean of 5.5 and a p90 of 9 minutes, per counter too', async () => {
    const estimates = await runDay();
    const report = summariseQueueMinutes((gateway as Gateway).minutes);

    // With no service times yet each counter is assumed to take 5 minutes, so with two open
    // the k-th ticket was promised (k - 1) × 150 s against its real k × 60 s: errors of
    // 60, 30, 120, 210, 300, 390, 480, 570, 660 and 750 s.
    expect(estimates).toEqual([0, 150, 300, 450, 600, 750, 900, 1050, 1200, 1350, 1500]);
    expect(report.services).toEqual([
      {
        service: 'cash',
        issued: 11,
        served: 10,
        noShows: 1,
        waitSecondsMean: 330,
        waitSecondsP90: 540,
        waitSecondsMax: 600,
        serviceSecondsMean: 114,
        withinTargetShare: 0.6,
        estimateErrorSecondsMean: 357,
      },
    ]);
    expect(report.counters).toEqual([
      {
        counter: '3',
        issued: 0,
        served: 5,
        noShows: 0,
        waitSecondsMean: 300,
        waitSecondsP90: 540,
        waitSecondsMax: 540,
        serviceSecondsMean: 120,
        withinTargetShare: 0.6,
        estimateErrorSecondsMean: 324,
      },
      {
        counter: '4',
        issued: 0,
        served: 5,
        noShows: 1,
        waitSecondsMean: 360,
        waitSecondsP90: 600,
        waitSecondsMax: 600,
        serviceSecondsMean: 108,
        withinTargetShare: 0.6,
        estimateErrorSecondsMean: 390,
      },
    ]);
  });

  it('hands each counter its own minute record, with the waits it served in buckets', async () => {
    await runDay();
    const records = (gateway as Gateway).minutes;

    expect(records.filter((record) => record.counter === undefined)).toEqual([
      minute('09:00', 'cash', { issued: 11 }),
    ]);
    expect(
      records
        .filter((record) => record.counter !== undefined)
        .map((record) => [
          record.minute,
          record.counter,
          record.served,
          record.noShows,
          record.waitHistogram,
        ]),
    ).toEqual([
      [at('09:03:00'), '3', 1, 0, { '60': 1 }],
      [at('09:04:00'), '4', 1, 0, { '120': 1 }],
      [at('09:05:00'), '3', 1, 0, { '180': 1 }],
      [at('09:06:00'), '4', 1, 0, { '240': 1 }],
      [at('09:07:00'), '3', 1, 0, { '300': 1 }],
      [at('09:08:00'), '4', 1, 0, { '360': 1 }],
      [at('09:09:00'), '3', 1, 0, { '420': 1 }],
      [at('09:10:00'), '4', 1, 0, { '480': 1 }],
      [at('09:11:00'), '3', 1, 0, { '540': 1 }],
      [at('09:11:00'), '4', 1, 0, { '600': 1 }],
      [at('09:12:00'), '4', 0, 1, {}],
    ]);
  });

  it("reads the same figures live for today as the day's records add up to", async () => {
    await runDay();
    const live = (gateway as Gateway).queue.kpis();

    expect(live).toEqual(summariseQueueMinutes((gateway as Gateway).minutes));
    expect((gateway as Gateway).queue.kpis('2026-01-04')).toEqual({ services: [], counters: [] });
  });
});

function minute(time: string, service: string, figures: Partial<QueueMinute>): QueueMinute {
  return {
    minute: at(`${time}:00`),
    service,
    issued: 0,
    served: 0,
    waitSecondsTotal: 0,
    waitSecondsMax: 0,
    noShows: 0,
    serviceSecondsTotal: 0,
    servedWithinTarget: 0,
    estimated: 0,
    estimateErrorSecondsTotal: 0,
    ...figures,
  };
}
