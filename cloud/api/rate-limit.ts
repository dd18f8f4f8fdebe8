import type { Store } from 'express-rate-limit';
import type { Clock } from '../../core/index.ts';

/**
 * express-rate-limit's counters on the injected clock, so a test can step past a window and
 * the simulator's fast clock is obeyed. Fixed windows per key, kept in memory.
 */
export function clockStore(clock: Clock, windowMs: number): Store {
  const hits = new Map<string, { count: number; resetAt: number }>();

  const sweep = (now: number) => {
    for (const [key, entry] of hits) if (entry.resetAt <= now) hits.delete(key);
  };

  const current = (key: string) => {
    const now = clock.now();
    if (hits.size > 10_000) sweep(now);

    const entry = hits.get(key);
    if (entry && entry.resetAt > now) return entry;

    const fresh = { count: 0, resetAt: now + windowMs };
    hits.set(key, fresh);
    return fresh;
  };

  return {
    localKeys: true,
    increment(key) {
      const entry = current(key);
      entry.count += 1;
      // The library compares resetTime with Date.now() before it decrements, so it gets the
      // window's end as wall time, whatever the injected clock reads.
      const resetTime = new Date(Date.now() + (entry.resetAt - clock.now()));
      return { totalHits: entry.count, resetTime };
    },
    decrement(key) {
      const entry = hits.get(key);
      if (entry && entry.count > 0) entry.count -= 1;
    },
    resetKey(key) {
      hits.delete(key);
    },
  };
}
