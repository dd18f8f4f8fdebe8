import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBus } from '../../../edge/bus/index.ts';
import { QueueConfig, startQueue } from '../../../edge/queue/index.ts';
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
const command = (counter: string, action: 'call-next' | 'end') =>
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
        served: 1,
        waitSecondsTotal: 25,
        waitSecondsMax: 25,
        serviceSecondsTotal: 135,
        servedWithinTarget: 1,
        estimated: 1,
        estimateErrorSecondsTotal: 25,
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
