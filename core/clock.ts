/**
 * The one clock of both processes. Every timer, schedule and timestamp goes through a Clock so
 * tests can step time by hand and the simulator can run a branch day faster than real time.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch, as this clock sees it. */
  now(): number;
  /** Runs `task` once after `delayMs` milliseconds of this clock's time. */
  after(delayMs: number, task: () => void): Timer;
  /** Runs `task` every `periodMs` milliseconds of this clock's time. */
  every(periodMs: number, task: () => void): Timer;
  /** Resolves after `delayMs` milliseconds of this clock's time. */
  sleep(delayMs: number): Promise<void>;
}

export interface ScaledClockOptions {
  /** How many clock milliseconds pass per real millisecond. Default 1. */
  speed?: number;
  /** Where the clock starts, in epoch milliseconds. Default: the real time now. */
  startAt?: number;
  /** A fixed skew added to every reading, in milliseconds. Default 0. */
  skewMs?: number;
}

/** Real time, optionally sped up and skewed. `speed` 1 and no skew is the system clock. */
export function scaledClock(options: ScaledClockOptions = {}): Clock {
  const speed = options.speed ?? 1;
  const realStart = Date.now();
  const clockStart = (options.startAt ?? realStart) + (options.skewMs ?? 0);

  if (!(speed > 0)) throw new RangeError(`clock speed must be above 0, got ${speed}`);

  const toReal = (delayMs: number) => Math.max(0, delayMs / speed);
  const clock: Clock = {
    now: () => clockStart + (Date.now() - realStart) * speed,
    after(delayMs, task) {
      const handle = setTimeout(task, toReal(delayMs));
      handle.unref?.();
      return { cancel: () => clearTimeout(handle) };
    },
    every(periodMs, task) {
      const handle = setInterval(task, Math.max(1, toReal(periodMs)));
      handle.unref?.();
      return { cancel: () => clearInterval(handle) };
    },
    sleep: (delayMs) => new Promise((resolve) => clock.after(delayMs, resolve)),
  };
  return clock;
}

export const systemClock: Clock = scaledClock();

interface Pending {
  at: number;
  periodMs: number | null;
  task: () => void;
  cancelled: boolean;
}

/** A clock that moves only when a test says so; timers fire in time order during `advance`. */
export interface ManualClock extends Clock {
  advance(deltaMs: number): Promise<void>;
  set(epochMs: number): Promise<void>;
}

export function manualClock(startAt = Date.UTC(2026, 0, 5, 9, 0, 0)): ManualClock {
  let current = startAt;
  const pending: Pending[] = [];

  const schedule = (delayMs: number, periodMs: number | null, task: () => void): Timer => {
    const entry: Pending = { at: current + Math.max(0, delayMs), periodMs, task, cancelled: false };
    pending.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  };

  const runUntil = async (target: number) => {
    for (;;) {
      const due = pending
        .filter((entry) => !entry.cancelled && entry.at <= target)
        .sort((a, b) => a.at - b.at)[0];
      if (!due) break;

      current = due.at;
      if (due.periodMs === null) due.cancelled = true;
      else due.at += Math.max(1, due.periodMs);
      due.task();
      // Let promise chains started by the task settle before the next timer fires.
      await new Promise((resolve) => setImmediate(resolve));
    }

    current = target;
    for (let i = pending.length - 1; i >= 0; i--) if (pending[i]?.cancelled) pending.splice(i, 1);
  };

  const clock: ManualClock = {
    now: () => current,
    after: (delayMs, task) => schedule(delayMs, null, task),
    every: (periodMs, task) => schedule(periodMs, periodMs, task),
    sleep: (delayMs) => new Promise((resolve) => schedule(delayMs, null, () => resolve())),
    advance: (deltaMs) => runUntil(current + deltaMs),
    set: (epochMs) => runUntil(epochMs),
  };
  return clock;
}
