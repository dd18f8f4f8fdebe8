import { SmartBranchError, type Timer } from '../../core/index.ts';
import type { Driver, DriverFactory, DriverHost } from '../driver.ts';
import {
  type Direction,
  type Edge,
  type GpioLayer,
  type GpioPin,
  type Level,
  openProblem,
} from './layer.ts';

/** A binary sensor changing more often than this in a minute is reported flapping. */
const flappingChangesPerMinute = 20;
const minuteMs = 60_000;

interface OpenLine {
  pin: GpioPin;
  release(): void;
}

/** GPIO through onoff (or virtual pins): buttons, PIR and door contacts, counters, relays. */
export const gpioDriver: DriverFactory = (host, hardware) => {
  const layer = hardware.gpio;
  if (!layer) throw new SmartBranchError('SB_ERR_HARDWARE_MISSING', 'no GPIO on this machine');

  const { kind } = host.profile;
  if (kind === 'relay' || kind === 'led') return gpioOutput(host, layer);
  return gpioInput(host, layer);
};

/**
 * Exports a line and sets it up. A line exported already (a crashed run, another service) is
 * taken over as it is and left exported at stop, since unexporting it would pull it from
 * whoever set it up.
 */
function openLine(
  host: DriverHost,
  layer: GpioLayer,
  line: number,
  direction: Direction,
  edge: Edge,
): OpenLine {
  const activeLow = host.profile.connection.type === 'gpio' && host.profile.connection.activeLow;
  const adopted = layer.exported(line);
  let pin: GpioPin;
  try {
    pin = layer.open(line, direction, edge, { activeLow });
  } catch (err) {
    throw new SmartBranchError('SB_ERR_DEVICE_FAULT', openProblem(line, err), 'connection.pin');
  }

  if (adopted) host.log.info({ line }, 'GPIO line already exported: taken over as it is');
  return {
    pin,
    release: () => {
      pin.unwatchAll();
      if (!adopted) pin.unexport();
    },
  };
}

/**
 * A contact counts only once it has held its level for `debounceMs` of the clock: every edge
 * restarts the wait, so a bouncing contact settles into one change.
 */
function watchDebounced(
  host: DriverHost,
  line: OpenLine,
  initial: Level,
  settle: (level: Level) => void,
): () => void {
  let settled = initial;
  let wait: Timer | null = null;

  line.pin.watch((err) => {
    if (err) return host.lost(`GPIO watch failed: ${err.message}`);

    wait?.cancel();
    wait = host.clock.after(host.profile.sampling.debounceMs, () => {
      wait = null;
      void line.pin.read().then((level) => {
        if (level === settled) return;

        settled = level;
        settle(level);
      });
    });
  });
  return () => wait?.cancel();
}

function gpioInput(host: DriverHost, layer: GpioLayer): Driver {
  const { profile } = host;
  const lines: OpenLine[] = [];
  const stops: (() => void)[] = [];
  const counts = { presses: 0, entries: 0, exits: 0 };

  const watch = async (line: number, react: (level: Level) => void) => {
    const open = openLine(host, layer, line, 'in', 'both');
    lines.push(open);
    const initial = await open.pin.read();
    stops.push(watchDebounced(host, open, initial, react));
    return initial;
  };

  return {
    start: async () => {
      if (profile.connection.type !== 'gpio') throw new Error('not a GPIO profile');

      const { pin, exitPin } = profile.connection;
      if (profile.kind === 'button') {
        const stuck = stuckWatch(host);
        stops.push(stuck.stop);
        const initial = await watch(pin, (level) => {
          stuck.level(level);
          if (level === 1) host.telemetry({ pressed: true, presses: ++counts.presses });
        });
        stuck.level(initial);
        return;
      }

      if (profile.kind === 'people-counter') {
        const pass = (direction: 'entry' | 'exit') => (level: Level) => {
          if (level !== 1) return;

          if (direction === 'entry') counts.entries += 1;
          else counts.exits += 1;
          host.telemetry({ direction, entries: counts.entries, exits: counts.exits });
        };
        await watch(pin, pass('entry'));
        if (exitPin !== undefined) await watch(exitPin, pass('exit'));
        return;
      }

      const flapping = flappingWatch(host);
      stops.push(flapping.stop);
      const field = profile.kind === 'door' ? 'open' : 'motion';
      const initial = await watch(pin, (level) => {
        flapping.changed();
        host.telemetry({ [field]: level === 1 });
      });
      host.telemetry({ [field]: initial === 1 });
    },
    stop: async () => {
      for (const stop of stops.splice(0)) stop();
      for (const line of lines.splice(0)) line.release();
    },
  };
}

/** A button held past `stuckAfterMs` is reported stuck until it is let go. */
function stuckWatch(host: DriverHost) {
  let timer: Timer | null = null;
  let stuck = false;
  const seconds = host.profile.sampling.stuckAfterMs / 1000;

  return {
    level: (level: Level) => {
      timer?.cancel();
      timer = null;
      if (stuck && level === 0) {
        stuck = false;
        host.condition(null);
      }
      if (level !== 1) return;

      timer = host.clock.after(host.profile.sampling.stuckAfterMs, () => {
        stuck = true;
        host.condition(`button held for ${seconds} s: stuck?`);
      });
    },
    stop: () => timer?.cancel(),
  };
}

/** A contact that changes more than `flappingChangesPerMinute` times a minute is flapping. */
function flappingWatch(host: DriverHost) {
  let changes: number[] = [];
  let flapping = false;
  let recheck: Timer | null = null;

  const evaluate = () => {
    const since = host.clock.now() - minuteMs;
    changes = changes.filter((at) => at > since);
    const now = changes.length > flappingChangesPerMinute;
    if (now === flapping) return;

    flapping = now;
    host.condition(now ? `flapping: ${changes.length} changes in a minute` : null);
  };

  return {
    changed: () => {
      changes.push(host.clock.now());
      evaluate();
      recheck?.cancel();
      recheck = host.clock.after(minuteMs, evaluate);
    },
    stop: () => recheck?.cancel(),
  };
}

function gpioOutput(host: DriverHost, layer: GpioLayer): Driver {
  let line: OpenLine | null = null;
  let on = false;

  return {
    start: async () => {
      if (host.profile.connection.type !== 'gpio') throw new Error('not a GPIO profile');

      line = openLine(host, layer, host.profile.connection.pin, on ? 'high' : 'low', 'none');
      host.telemetry({ on });
    },
    stop: async () => {
      line?.release();
      line = null;
    },
    switch: async (value) => {
      if (!line) throw new SmartBranchError('SB_ERR_UNAVAILABLE', 'the GPIO line is not open');

      await line.pin.write(value ? 1 : 0);
      on = value;
      host.telemetry({ on });
    },
  };
}
