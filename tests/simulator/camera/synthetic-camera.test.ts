import { describe, expect, it } from 'vitest';
import { manualClock } from '../../../core/index.ts';
import { syntheticCamera } from '../../../simulator/camera/index.ts';

const hourOfCounts = (seed: number) => {
  const camera = syntheticCamera({ seed, clock: manualClock() });
  const start = Date.UTC(2026, 0, 5, 9);
  return Array.from({ length: 720 }, (_, step) => camera.peopleAt(start + step * 5000));
};

describe('synthetic camera', () => {
  it('gives the same people over time for the same seed', () => {
    expect(hourOfCounts(7)).toEqual(hourOfCounts(7));
  });

  it('gives other people for another seed', () => {
    expect(hourOfCounts(7)).not.toEqual(hourOfCounts(8));
  });

  it('stays between 0 and 8 people and moves by at most one per step', () => {
    const counts = hourOfCounts(42);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(8);
    const jumps = counts.slice(1).map((count, index) => Math.abs(count - (counts[index] ?? 0)));
    expect(Math.max(...jumps)).toBeLessThanOrEqual(1);
    expect(new Set(counts).size).toBeGreaterThan(2);
  });

  it('reads the count at the clock time', async () => {
    const clock = manualClock();
    const camera = syntheticCamera({ seed: 3, clock });
    await clock.advance(65_000);
    expect(camera.people()).toBe(camera.peopleAt(clock.now()));
  });
});
