import type { Clock, Timer } from '../../core/index.ts';
import type {
  Direction,
  Edge,
  GpioLayer,
  GpioPin,
  Level,
  OpenOptions,
  WatchCallback,
} from '../../devices/index.ts';

/** Virtual GPIO lines: a test or the simulator drives inputs and reads outputs. */
export interface VirtualGpio extends GpioLayer {
  /** Sets an input's electrical level (before any active-low inversion). */
  drive(line: number, level: Level): void;
  /** The electrical level of a line, as written by a driver or driven by a test. */
  level(line: number): Level;
  /** Direction the line was last opened with; undefined while not exported. */
  direction(line: number): Direction | undefined;
  /** Marks a line exported, as a crashed run or another service leaves it. */
  preExport(line: number, direction: Direction): void;
  /** Makes the next `open` of a line fail with this errno, as the kernel would. */
  failNextOpen(line: number, code: 'EBUSY' | 'EINVAL' | 'EACCES'): void;
  /** Whether the layer believes this machine has GPIO. Default true. */
  setAccessible(accessible: boolean): void;
  /** Fault: the line stays at `level` and ignores `drive` until `release`. */
  stick(line: number, level: Level): void;
  release(line: number): void;
  /** Fault: the line toggles every `periodMs` of `clock` until the timer is cancelled. */
  flap(line: number, periodMs: number, clock: Clock): Timer;
}

interface Line {
  level: Level;
  direction: Direction | undefined;
  watchers: Set<{ callback: WatchCallback; edge: Edge; activeLow: boolean }>;
}

export function virtualGpio(): VirtualGpio {
  const lines = new Map<number, Line>();
  const failures = new Map<number, string>();
  const stuck = new Set<number>();
  let accessible = true;
  const line = (number: number): Line => {
    let entry = lines.get(number);
    if (!entry) {
      entry = { level: 0, direction: undefined, watchers: new Set() };
      lines.set(number, entry);
    }
    return entry;
  };

  const notify = (entry: Line, to: Level) => {
    for (const watcher of entry.watchers) {
      // sysfs applies active_low before it matches edges: a watched rise is a logical rise.
      const value = (watcher.activeLow ? 1 - to : to) as Level;
      const fires = watcher.edge === 'both' || (watcher.edge === 'rising') === (value === 1);
      if (watcher.edge === 'none' || !fires) continue;

      watcher.callback(null, value);
    }
  };

  const set = (number: number, level: Level) => {
    const entry = line(number);
    const from = entry.level;
    entry.level = level;
    if (from !== level) notify(entry, level);
  };

  const open = (number: number, direction: Direction, edge: Edge, options: OpenOptions) => {
    const failure = failures.get(number);
    if (failure) {
      failures.delete(number);
      throw Object.assign(new Error(`${failure}, write '/sys/class/gpio/export'`), {
        code: failure,
      });
    }

    const entry = line(number);
    entry.direction = direction;
    if (direction === 'high') entry.level = options.activeLow ? 0 : 1;
    if (direction === 'low') entry.level = options.activeLow ? 1 : 0;
    return virtualPin(entry, edge, options.activeLow, (to) => notify(entry, to));
  };

  return {
    get accessible() {
      return accessible;
    },
    name: 'virtual',
    exported: (number) => line(number).direction !== undefined,
    open,
    drive: (number, level) => {
      if (!stuck.has(number)) set(number, level);
    },
    level: (number) => line(number).level,
    direction: (number) => line(number).direction,
    preExport: (number, direction) => {
      line(number).direction = direction;
    },
    failNextOpen: (number, code) => void failures.set(number, code),
    setAccessible: (value) => {
      accessible = value;
    },
    stick: (number, level) => {
      set(number, level);
      stuck.add(number);
    },
    release: (number) => void stuck.delete(number),
    flap: (number, periodMs, clock) =>
      clock.every(periodMs, () => set(number, (1 - line(number).level) as Level)),
  };
}

function virtualPin(
  entry: Line,
  edge: Edge,
  activeLow: boolean,
  changed: (to: Level) => void,
): GpioPin {
  const own = new Set<{ callback: WatchCallback; edge: Edge; activeLow: boolean }>();
  const logical = (level: Level) => (activeLow ? 1 - level : level) as Level;

  return {
    read: async () => logical(entry.level),
    write: async (value) => {
      const from = entry.level;
      entry.level = logical(value);
      if (from !== entry.level) changed(entry.level);
    },
    watch: (callback) => {
      const watcher = { callback, edge, activeLow };
      own.add(watcher);
      entry.watchers.add(watcher);
    },
    unwatchAll: () => {
      for (const watcher of own) entry.watchers.delete(watcher);
      own.clear();
    },
    unexport: () => {
      for (const watcher of own) entry.watchers.delete(watcher);
      entry.direction = undefined;
    },
  };
}
