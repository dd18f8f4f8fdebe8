import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueEvent } from '../../../protocol/index.ts';
import { manualClock, tempDir } from '../../support/context.ts';
import { type Gateway, requestId, sampleConfig, startGateway } from './harness.ts';

const config = {
  ...sampleConfig,
  counters: (sampleConfig.counters ?? []).map((counter) =>
    counter.id === '3' ? { ...counter, zone: 'counter-3' } : counter,
  ),
  waitingZone: 'waiting',
  noShowWatch: { emptySeconds: 60, autoRecall: true },
};

let dir: ReturnType<typeof tempDir>;
let clock: ReturnType<typeof manualClock>;
let gateway: Gateway;
let events: QueueEvent[];

beforeEach(async () => {
  dir = tempDir('sb-queue-watch-');
  clock = manualClock();
  gateway = await startGateway({ dir: dir.path, clock, config });
  events = [];
  await gateway.bus.subscribe('queueEvent', {}, (event) => void events.push(event));
});

afterEach(async () => {
  await gateway.stop();
  dir.remove();
});

/** What sensing publishes: a zone's live head count. */
async function zone(name: string, people: number) {
  await gateway.bus.publish(
    'zoneAudience',
    { zone: name },
    { zone: name, at: clock.now(), people },
  );
  await new Promise((resolve) => setImmediate(resolve));
}

const issueAndCall = (counter: string) => {
  gateway.queue.issue({ requestId: requestId(), service: 'cash', source: 'kiosk' });
  return gateway.queue.command(counter, { requestId: requestId(), action: 'call-next' });
};

describe('camera meets ticket', () => {
  it('suspects a no-show when the counter zone stays empty after the call, and recalls', async () => {
    await zone('counter-3', 0);
    const called = issueAndCall('3');

    await clock.advance(59_000);
    const early = events.filter((event) => event.type === 'no-show-suspected').length;
    await clock.advance(2_000);

    expect(early).toBe(0);
    expect(events.filter((event) => event.type === 'no-show-suspected')).toHaveLength(1);
    expect(events.find((event) => event.type === 'recalled')?.ticket).toMatchObject({
      id: called?.id,
      recalls: 1,
    });
  });

  it('suspects nobody while someone stands at the counter', async () => {
    await zone('counter-3', 1);
    issueAndCall('3');

    await clock.advance(180_000);

    expect(events.map((event) => event.type)).toEqual(['issued', 'called']);
  });

  it('counts people leaving the waiting zone beyond the calls made as walk-aways for an hour', async () => {
    await zone('waiting', 5);
    await zone('waiting', 3);
    issueAndCall('4');
    await zone('waiting', 2);

    expect(gateway.queue.state().walkAwaysLastHour).toBe(2);
    await clock.advance(61 * 60_000);
    expect(gateway.queue.state().walkAwaysLastHour).toBe(0);
  });
});
