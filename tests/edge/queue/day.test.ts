import { afterEach, describe, expect, it } from 'vitest';
import { dayStart, localDay, nextDayStart } from '../../../edge/queue/index.ts';
import { manualClock, tempDir } from '../../support/context.ts';
import { type Gateway, requestId, startGateway } from './harness.ts';

const berlin = 'Europe/Berlin';
const hourMs = 3_600_000;

describe('queue day in a time zone with daylight saving time', () => {
  it('lasts 23 hours on 29 March 2026 and 25 hours on 25 October 2026 in Berlin', () => {
    const spring = Date.parse('2026-03-29T12:00:00Z');
    const autumn = Date.parse('2026-10-25T12:00:00Z');

    expect((nextDayStart(spring, berlin) - dayStart(spring, berlin)) / hourMs).toBe(23);
    expect((nextDayStart(autumn, berlin) - dayStart(autumn, berlin)) / hourMs).toBe(25);
    expect(new Date(dayStart(spring, berlin)).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(new Date(dayStart(autumn, berlin)).toISOString()).toBe('2026-10-24T22:00:00.000Z');
  });

  it('starts a day at the first instant of its date where a zone skips midnight', () => {
    // Chile moved its clocks from 00:00 to 01:00 on 2026-09-06: that day begins at 01:00.
    const start = dayStart(Date.parse('2026-09-06T12:00:00Z'), 'America/Santiago');

    expect(new Date(start).toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(localDay(start, 'America/Santiago')).toBe('2026-09-06');
    expect(localDay(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });
});

describe('ticket numbering across local midnight', () => {
  let gateway: Gateway | undefined;
  let dir: ReturnType<typeof tempDir> | undefined;

  afterEach(async () => {
    await gateway?.stop();
    dir?.remove();
  });

  const issue = () =>
    (gateway as Gateway).queue.issue({ requestId: requestId(), service: 'cash', source: 'kiosk' });

  for (const [label, before] of [
    ['the 23-hour day of 29 March 2026', '2026-03-28T22:59:59.000Z'],
    ['the 25-hour day of 25 October 2026', '2026-10-24T21:59:59.000Z'],
    ['a day after the 23-hour one (ticket-number-after-midnight)', '2026-03-29T21:59:59.000Z'],
  ] as const) {
    it(`starts again at A001 at local midnight of ${label}`, async () => {
      dir = tempDir('sb-queue-day-');
      const clock = manualClock(Date.parse(before));
      gateway = await startGateway({ dir: dir.path, clock });

      const evening = [issue(), issue()];
      await clock.advance(1000);
      const morning = issue();

      expect(evening.map((ticket) => ticket.number)).toEqual(['A001', 'A002']);
      expect(morning.number).toBe('A001');
      expect(morning.day).not.toBe(evening[0]?.day);
      expect(morning.day).toBe(localDay(clock.now(), berlin));
    });
  }

  it('cancels tickets still waiting from the day before when the new day starts', async () => {
    dir = tempDir('sb-queue-day-');
    const clock = manualClock(Date.parse('2026-10-25T22:30:00Z'));
    gateway = await startGateway({ dir: dir.path, clock });
    const late = issue();

    await clock.advance(60 * 60_000);

    expect(gateway.queue.stats()).toMatchObject({ waiting: 0 });
    expect(gateway.queue.state()).toMatchObject({ day: '2026-10-26', issuedToday: 0 });
    expect(late.day).toBe('2026-10-25');
    expect(issue().number).toBe('A001');
  });
});
