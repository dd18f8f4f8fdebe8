import { describe, expect, it } from 'vitest';
import { pacedClock } from '../../core/index.ts';

const realSleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function busyWait(ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // Holds the event loop as a loaded process would.
  }
}

describe('paced clock', () => {
  it('runs timers in due order, each reading exactly its due time', async () => {
    // Held while the timers are set, so each is set at the same clock instant.
    const clock = pacedClock({ speed: 1000, startAt: 1_000_000, held: true });
    const seen: [string, number][] = [];

    clock.after(3000, () => seen.push(['c', clock.now()]));
    clock.after(1000, () => seen.push(['a', clock.now()]));
    clock.after(1000, () => seen.push(['b', clock.now()]));
    const done = clock.sleep(5000);
    clock.start();
    await done;

    expect(seen).toEqual([
      ['a', 1_001_000],
      ['b', 1_001_000],
      ['c', 1_003_000],
    ]);
  });

  it('keeps a chain of timers on its schedule however late the machine runs them', async () => {
    const clock = pacedClock({ speed: 2000, startAt: 0, held: true });
    const readings: number[] = [];
    const step = () => {
      readings.push(clock.now());
      busyWait(2);
      if (readings.length < 20) clock.after(700, step);
    };

    clock.after(700, step);
    clock.start();
    while (readings.length < 20) await realSleep(5);

    expect(readings).toEqual(Array.from({ length: 20 }, (_, index) => (index + 1) * 700));
  });

  it('stands still while held and opens at its start instant', async () => {
    const clock = pacedClock({ speed: 1000, startAt: 5000, held: true });
    let ranAt: number | null = null;
    clock.after(100, () => {
      ranAt = clock.now();
    });

    await realSleep(30);
    expect([clock.now(), ranAt]).toEqual([5000, null]);

    clock.start();
    await clock.sleep(200);
    expect(ranAt).toBe(5100);
  });

  it('shows a blocked process as a clock standing behind real time, then catching up', async () => {
    const clock = pacedClock({ speed: 100, startAt: 0, held: true });
    let ran = false;
    clock.after(100, () => {
      ran = true;
    });
    clock.start();

    busyWait(60);
    const blocked = clock.lag();
    expect(blocked.behindMs).toBeGreaterThan(4000);
    expect(clock.now()).toBe(100);

    await realSleep(20);
    expect(ran).toBe(true);
    expect(clock.lag().behindMs).toBeLessThan(1000);
  });

  it('runs a periodic timer at a fixed rate and stops it when cancelled', async () => {
    const clock = pacedClock({ speed: 1000, startAt: 0, held: true });
    const readings: number[] = [];
    const timer = clock.every(250, () => readings.push(clock.now()));
    const first = clock.sleep(1100);
    clock.start();

    await first;
    timer.cancel();
    await clock.sleep(1000);

    expect(readings).toEqual([250, 500, 750, 1000]);
  });

  it('lets go of cancelled timers instead of keeping them until they are due', () => {
    const clock = pacedClock({ speed: 1, startAt: 0 });
    const timers = Array.from({ length: 5000 }, (_, index) =>
      clock.after(60_000 + index, () => {}),
    );

    for (const timer of timers.slice(0, 4000)) timer.cancel();

    expect(clock.pending()).toBe(1000);
    for (const timer of timers) timer.cancel();
    expect(clock.pending()).toBe(0);
  });

  it('refuses a speed of zero', () => {
    expect(() => pacedClock({ speed: 0 })).toThrow(RangeError);
  });
});
