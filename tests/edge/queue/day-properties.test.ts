import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { dayStart, localDay, nextDayStart, type Queue } from '../../../edge/queue/index.ts';
import { manualClock, tempDir } from '../../support/context.ts';
import { type Gateway, requestId, sampleConfig, startGateway } from './harness.ts';

const berlin = 'Europe/Berlin';
const hourMs = 3_600_000;
const year2026 = { min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) };

describe('queue days in Berlin (property-based)', () => {
  it('start at local midnight and last 24 hours, 23 on 29 March and 25 on 25 October', () => {
    fc.assert(
      fc.property(fc.integer(year2026), (instant) => {
        const day = localDay(instant, berlin);
        const start = dayStart(instant, berlin);
        const next = nextDayStart(instant, berlin);
        const hours = (next - start) / hourMs;

        expect(localDay(start, berlin)).toBe(day);
        expect(localDay(start - 1, berlin)).not.toBe(day);
        expect(localDay(next, berlin)).not.toBe(day);
        expect(localDay(next - 1, berlin)).toBe(day);
        expect(
          new Intl.DateTimeFormat('en-GB', { timeZone: berlin, timeStyle: 'medium' }).format(start),
        ).toBe('00:00:00');
        const expected = day === '2026-03-29' ? 23 : day === '2026-10-25' ? 25 : 24;
        expect(hours).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});

let gateway: Gateway | undefined;
let dir: ReturnType<typeof tempDir> | undefined;
afterEach(async () => {
  await gateway?.stop();
  dir?.remove();
});

// Each run starts at 22:00 in Berlin before one of the two changes of 2026 and issues tickets
// at random gaps across the short or long night; no periodic state publish slows the clock.
const nights = [Date.UTC(2026, 2, 28, 21), Date.UTC(2026, 9, 24, 20)];
const quietConfig = { ...sampleConfig, stateRefreshMs: 3_600_000 };

describe('ticket numbers across DST nights (property-based)', () => {
  it('start at A001 each local day and follow on within it, none twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...nights),
        fc.array(fc.integer({ min: 0, max: 90 * 60_000 }), { minLength: 1, maxLength: 14 }),
        async (night, gaps) => {
          dir = tempDir('sb-queue-day-prop-');
          const clock = manualClock(night);
          gateway = await startGateway({ dir: dir.path, clock, config: quietConfig });
          const queue = gateway.queue as Queue;
          const tickets = [];
          for (const gap of gaps) {
            await clock.advance(gap);
            tickets.push(queue.issue({ requestId: requestId(), service: 'cash', source: 'kiosk' }));
          }
          await gateway.stop();
          gateway = undefined;
          dir.remove();
          dir = undefined;

          const byDay = new Map<string, string[]>();
          for (const ticket of tickets) {
            expect(ticket.day).toBe(localDay(ticket.issuedAt, berlin));
            byDay.set(ticket.day, [...(byDay.get(ticket.day) ?? []), ticket.number]);
          }
          for (const numbers of byDay.values()) {
            expect(numbers).toEqual(
              numbers.map((_, index) => `A${String(index + 1).padStart(3, '0')}`),
            );
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
