import type { Clock, Timer } from './clock.ts';

export interface PacedClockOptions {
  /** How many clock milliseconds pass per real millisecond. Default 1. */
  speed?: number;
  /** Where the clock starts, in epoch milliseconds. Default: the real time now. */
  startAt?: number;
  /**
   * Whether the clock waits at `startAt` until `start()`: many branches started one after
   * another then all open at the same clock instant. Default false.
   */
  held?: boolean;
  /** Most timers run in one turn of the event loop before I/O gets its turn. Default 200. */
  batch?: number;
}

/** How far the clock stands behind real time × speed. */
export interface ClockLag {
  /** Clock ms the clock stands behind now. */
  behindMs: number;
  /** Clock ms that passed since `start()`, and what real time × speed says should have. */
  elapsedMs: number;
  expectedMs: number;
}

export interface PacedClock extends Clock {
  /** Lets a held clock move; the real time from now on counts. No effect on a running clock. */
  start(): void;
  lag(): ClockLag;
  /** Timers waiting, cancelled ones not counted exactly until they are dropped. */
  pending(): number;
}

interface Entry {
  at: number;
  /** Insertion order: timers due at the same instant run in the order they were set. */
  order: number;
  periodMs: number | null;
  task: () => void;
  cancelled: boolean;
  /** Whether the entry sits in the heap now (a running or finished one does not). */
  queued: boolean;
}

/**
 * One scheduler for every timer of a process, running at `speed` times real time, and honest
 * about falling behind. Each timer runs with the clock reading exactly its due time, in due
 * order, so a chain of timers (a customer's day) does not drift with the machine's load; the
 * clock moves past a timer only once it ran. A loaded process therefore shows as a clock
 * standing behind real time × speed (`lag()`) instead of as timers quietly firing late.
 */
export function pacedClock(options: PacedClockOptions = {}): PacedClock {
  const speed = options.speed ?? 1;
  const startAt = options.startAt ?? Date.now();
  const batch = options.batch ?? 200;
  const queue = timerHeap();
  let realStart: number | null = options.held ? null : Date.now();
  let running: Entry | null = null;
  let reading = startAt;
  let armed: NodeJS.Timeout | null = null;
  let pumping = false;
  let order = 0;

  if (!(speed > 0)) throw new RangeError(`clock speed must be above 0, got ${speed}`);

  /** Where real time × speed says the clock should stand. */
  const target = () => (realStart === null ? startAt : startAt + (Date.now() - realStart) * speed);

  const now = () => {
    if (running) return running.at;

    // Never past a timer that has not run yet, and never backwards.
    const next = queue.peek();
    const position = next ? Math.min(target(), next.at) : target();
    reading = Math.max(reading, position);
    return reading;
  };

  const runOne = (until: number) => {
    const entry = queue.peek();
    if (!entry || entry.at > until) return;

    queue.pop();
    running = entry;
    try {
      entry.task();
    } catch (err) {
      // Thrown as a timer's exception would be, without breaking the scheduler.
      queueMicrotask(() => {
        throw err;
      });
    } finally {
      running = null;
      reading = Math.max(reading, entry.at);
    }
    if (entry.periodMs !== null && !entry.cancelled) {
      entry.at += entry.periodMs;
      queue.push(entry);
    }
  };

  // Each timer runs in its own macrotask (promise chains it starts settle before the next
  // runs, as with Node's timers); after a batch, I/O gets a turn before the next.
  const pump = () => {
    armed = null;
    if (pumping || realStart === null) return;

    const until = target();
    const due = queue.countDue(until, batch);
    if (due === 0) return arm();

    pumping = true;
    for (let index = 0; index < due; index++) setImmediate(runOne, until);
    setImmediate(() => {
      pumping = false;
      pump();
    });
  };

  const arm = () => {
    if (armed) clearTimeout(armed);
    armed = null;
    const next = queue.peek();
    if (!next || realStart === null || pumping) return;

    armed = setTimeout(pump, Math.max(0, (next.at - target()) / speed));
    armed.unref();
  };

  const schedule = (delayMs: number, periodMs: number | null, task: () => void): Timer => {
    const entry: Entry = {
      at: now() + Math.max(0, delayMs),
      order: order++,
      periodMs,
      task,
      cancelled: false,
      queued: false,
    };
    queue.push(entry);
    if (queue.peek() === entry) arm();
    return {
      cancel: () => {
        if (entry.cancelled) return;

        entry.cancelled = true;
        if (entry.queued) queue.cancelled();
      },
    };
  };

  const clock: PacedClock = {
    now,
    after: (delayMs, task) => schedule(delayMs, null, task),
    every: (periodMs, task) => schedule(periodMs, Math.max(1, periodMs), task),
    sleep: (delayMs) => new Promise((resolve) => schedule(delayMs, null, () => resolve())),
    start: () => {
      if (realStart !== null) return;

      realStart = Date.now();
      arm();
    },
    lag: () => {
      const position = now();
      const expected = target();
      return {
        behindMs: Math.max(0, expected - position),
        elapsedMs: position - startAt,
        expectedMs: expected - startAt,
      };
    },
    pending: () => queue.size(),
  };
  return clock;
}

/** A binary min-heap on (due time, order) that drops cancelled timers lazily. */
function timerHeap() {
  const items: Entry[] = [];
  let cancelledCount = 0;
  const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.order < b.order);

  const swap = (i: number, j: number) => {
    const held = items[i] as Entry;
    items[i] = items[j] as Entry;
    items[j] = held;
  };

  const up = (start: number) => {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(items[index] as Entry, items[parent] as Entry)) return;

      swap(index, parent);
      index = parent;
    }
  };

  const down = (start: number) => {
    let index = start;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && before(items[left] as Entry, items[smallest] as Entry)) {
        smallest = left;
      }
      if (right < items.length && before(items[right] as Entry, items[smallest] as Entry)) {
        smallest = right;
      }
      if (smallest === index) return;

      swap(index, smallest);
      index = smallest;
    }
  };

  const removeTop = () => {
    if (items[0]) items[0].queued = false;
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      down(0);
    }
  };

  // Cancelled timers are dropped when they reach the top, or all at once when they are
  // most of the heap (a reply timer set and cancelled per request would pile up).
  const compact = () => {
    const live = items.filter((entry) => !entry.cancelled);
    for (const entry of items) entry.queued = !entry.cancelled;
    items.length = 0;
    for (const entry of live) {
      items.push(entry);
      up(items.length - 1);
    }
    cancelledCount = 0;
  };

  const peek = (): Entry | undefined => {
    while (items[0]?.cancelled) {
      removeTop();
      cancelledCount -= 1;
    }
    return items[0];
  };

  return {
    push: (entry: Entry) => {
      entry.queued = true;
      items.push(entry);
      up(items.length - 1);
    },
    peek,
    pop: () => {
      const top = peek();
      if (top) removeTop();
      return top;
    },
    cancelled: () => {
      cancelledCount += 1;
      if (cancelledCount > 1000 && cancelledCount * 2 > items.length) compact();
    },
    /** How many live timers are due by `until`, counting at most `limit`. */
    countDue: (until: number, limit: number) => {
      let count = 0;
      const visit = (index: number) => {
        const entry = items[index];
        if (!entry || entry.at > until || count >= limit) return;

        if (!entry.cancelled) count += 1;
        visit(index * 2 + 1);
        visit(index * 2 + 2);
      };
      visit(0);
      return count;
    },
    size: () => items.length - cancelledCount,
  };
}
