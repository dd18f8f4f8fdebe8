import { describe, expect, it } from 'vitest';
import { drainBudget } from '../../../edge/uplink/index.ts';
import { manualClock } from '../../support/context.ts';

describe('drain rate cap', () => {
  it('answers at most the capped records per clock second, however fast the cloud asks', async () => {
    const clock = manualClock();
    const budget = drainBudget(100, clock.now);
    let sent = 0;

    // The cloud asks for 500 again as soon as each answer is stored, for ten seconds.
    const end = clock.now() + 10_000;
    while (clock.now() < end) {
      await clock.advance(Math.max(budget.waitMs(500), 10));
      sent += budget.take(500);
    }

    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(sent).toBeLessThanOrEqual(1100);
  });

  it('does not save up a burst on an idle link, and gives back what a stream did not hold', async () => {
    const clock = manualClock();
    const budget = drainBudget(50, clock.now);
    await clock.advance(3_600_000);

    expect(budget.take(500)).toBe(50);
    expect(budget.waitMs(500)).toBe(1000);
    budget.spent(30);
    expect(budget.take(500)).toBe(30);
  });

  it('answers in full at once without a cap', () => {
    const budget = drainBudget(undefined, () => 0);

    expect(budget.waitMs(500)).toBe(0);
    expect(budget.take(500)).toBe(500);
  });
});
