import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../../core/index.ts';
import type { SerialLink, SerialPorts } from '../../devices/index.ts';

/**
 * A virtual Arduino Uno running Firmata, on a virtual serial link: it speaks the real
 * protocol bytes (version report, firmware query, capability and analog mapping answers,
 * pin modes, digital ports, analog reports), so johnny-five and firmata-io run unchanged
 * against it. Opening the link resets the board as an Uno's DTR line does.
 */
export interface VirtualFirmataBoard {
  readonly path: string;
  readonly plugged: boolean;
  /** Sets an analog channel's reading (0 to 1023), reported at once if reporting is on. */
  setAnalog(channel: number, value: number): void;
  /** The level the host last wrote to a digital output. */
  digital(pin: number): 0 | 1;
  /** The mode the host last set for a pin (Firmata's numbers: 1 output, 2 analog...). */
  mode(pin: number): number | undefined;
  /** Fault: the serial link drops as if the USB cable were pulled; opening it fails. */
  unplug(): void;
  /** The cable is back: the port can be opened again. */
  plugIn(): void;
  /** Fault: an analog channel jumps between two readings every `periodMs`. */
  flap(channel: number, low: number, high: number, periodMs: number, clock: Clock): Timer;
  /** A new serial link to the board, as opening its port gives. */
  link(): SerialLink;
}

export interface VirtualBoardOptions {
  /** Default /dev/ttyACM0. */
  path?: string;
  /** What QUERY_FIRMWARE answers. Default StandardFirmata.ino 2.5. */
  firmware?: { name: string; major: number; minor: number };
}

const pinCount = 20;
const firstAnalogPin = 14;
const pwmPins = new Set([3, 5, 6, 9, 10, 11]);

export function virtualFirmataBoard(options: VirtualBoardOptions = {}): VirtualFirmataBoard {
  const path = options.path ?? '/dev/ttyACM0';
  const firmware = options.firmware ?? { name: 'StandardFirmata.ino', major: 2, minor: 5 };
  const modes: (number | undefined)[] = [];
  const outputs: (0 | 1)[] = Array(pinCount).fill(0);
  // StandardFirmata's reset makes every digital pin an output and every analog pin analog.
  const reset = () => {
    for (let pin = 2; pin < pinCount; pin++) modes[pin] = pin >= firstAnalogPin ? 2 : 1;
    outputs.fill(0);
    reporting.clear();
  };
  const analog: number[] = Array(6).fill(0);
  const reporting = new Set<number>();
  let plugged = true;
  let host: HostStream | null = null;
  reset();

  const send = (bytes: number[]) => {
    const target = host;
    if (target) setImmediate(() => target.emit('data', Buffer.from(bytes)));
  };
  const sendAnalog = (channel: number) => {
    const value = analog[channel] ?? 0;
    send([0xe0 | channel, value & 0x7f, (value >> 7) & 0x7f]);
  };
  const handle = commandHandler({
    version: () => send([0xf9, 2, 5]),
    firmware: () => send(firmwareReport(firmware)),
    capabilities: () => send(capabilityReport()),
    analogMapping: () => send(analogMappingReport()),
    pinState: (pin) => send([0xf0, 0x6e, pin, modes[pin] ?? 0, outputs[pin] ?? 0, 0xf7]),
    pinMode: (pin, mode) => {
      modes[pin] = mode;
    },
    digitalPort: (port, bits) => {
      for (let bit = 0; bit < 8; bit++) {
        const pin = port * 8 + bit;
        if (modes[pin] === 1) outputs[pin] = ((bits >> bit) & 1) as 0 | 1;
      }
    },
    digitalPin: (pin, level) => {
      outputs[pin] = level;
    },
    reportAnalog: (channel, on) => {
      if (!on) return void reporting.delete(channel);

      reporting.add(channel);
      sendAnalog(channel);
    },
    reset,
  });

  const detach = (unplugged: boolean) => {
    const target = host;
    host = null;
    reporting.clear();
    if (!target) return;

    const event = unplugged
      ? Object.assign(new Error('device disconnected'), { disconnected: true })
      : undefined;
    setImmediate(() => target.emit('close', event));
  };

  const link = (): SerialLink => {
    const stream = new HostStream((data) => {
      if (host === stream) handle(data);
    });
    return {
      stream,
      open: async () => {
        if (!plugged) {
          const message = `Error: No such file or directory, cannot open ${path}`;
          throw Object.assign(new Error(message), { code: 'ENOENT' });
        }

        detach(false);
        // Opening the port pulses DTR, which resets an Uno.
        reset();
        host = stream;
        setImmediate(() => {
          stream.emit('open');
          // What StandardFirmata sends from setup() after a reset.
          send([0xf9, 2, 5]);
          send(firmwareReport(firmware));
        });
      },
      close: async () => {
        if (host === stream) detach(false);
      },
    };
  };

  return {
    path,
    get plugged() {
      return plugged;
    },
    setAnalog: (channel, value) => {
      analog[channel] = Math.max(0, Math.min(1023, Math.round(value)));
      if (reporting.has(channel)) sendAnalog(channel);
    },
    digital: (pin) => outputs[pin] ?? 0,
    mode: (pin) => modes[pin],
    unplug: () => {
      plugged = false;
      detach(true);
    },
    plugIn: () => {
      plugged = true;
    },
    flap: (channel, low, high, periodMs, clock) => {
      let upper = false;
      return clock.every(periodMs, () => {
        upper = !upper;
        analog[channel] = upper ? high : low;
        if (reporting.has(channel)) sendAnalog(channel);
      });
    },
    link,
  };
}

/** Serial ports that hold the given virtual boards, each under its own path. */
export function virtualSerialPorts(boards: readonly VirtualFirmataBoard[]): SerialPorts {
  const byPath = new Map(boards.map((board) => [board.path, board]));
  return {
    name: 'virtual',
    exists: (path) => byPath.get(path)?.plugged ?? false,
    create: (path) => {
      const board = byPath.get(path);
      if (board) return board.link();

      return {
        stream: new HostStream(() => undefined),
        open: async () => {
          throw Object.assign(new Error(`cannot open ${path}: no such port`), { code: 'ENOENT' });
        },
        close: async () => undefined,
      };
    },
  };
}

/** The host's end of the link: what it writes reaches the board a tick later, as on a wire. */
class HostStream extends EventEmitter {
  constructor(private readonly deliver: (data: Buffer) => void) {
    super();
  }

  write(data: Buffer, done?: (err?: Error | null) => void): boolean {
    const copy = Buffer.from(data);
    setImmediate(() => {
      this.deliver(copy);
      done?.(null);
    });
    return true;
  }
}

interface Commands {
  version(): void;
  firmware(): void;
  capabilities(): void;
  analogMapping(): void;
  pinState(pin: number): void;
  pinMode(pin: number, mode: number): void;
  digitalPort(port: number, bits: number): void;
  digitalPin(pin: number, level: 0 | 1): void;
  reportAnalog(channel: number, on: boolean): void;
  reset(): void;
}

/** Bytes to be a command only once whole: MIDI-style messages and F0...F7 sysex frames. */
function commandHandler(commands: Commands) {
  let pending: number[] = [];
  const lengthOf = (command: number): number => {
    const high = command & 0xf0;
    if (high === 0x90 || high === 0xe0 || command === 0xf4 || command === 0xf5) return 3;
    if (high === 0xc0 || high === 0xd0) return 2;
    return 1;
  };

  const run = (message: number[]) => {
    const [command = 0, first = 0, second = 0] = message;
    const high = command & 0xf0;
    if (command === 0xf0) return sysex(commands, message.slice(1, -1));
    if (command === 0xf9) return commands.version();
    if (command === 0xff) return commands.reset();
    if (command === 0xf4) return commands.pinMode(first, second);
    if (command === 0xf5) return commands.digitalPin(first, (second & 1) as 0 | 1);
    if (high === 0x90) return commands.digitalPort(command & 0x0f, first | (second << 7));
    if (high === 0xc0) return commands.reportAnalog(command & 0x0f, first === 1);
  };

  return (data: Buffer) => {
    for (const byte of data) {
      if (pending.length === 0 && byte < 0x80) continue;
      if (byte >= 0x80 && byte !== 0xf7 && pending[0] !== 0xf0) pending = [];

      pending.push(byte);
      const command = pending[0] ?? 0;
      const whole = command === 0xf0 ? byte === 0xf7 : pending.length === lengthOf(command);
      if (!whole) continue;

      const message = pending;
      pending = [];
      run(message);
    }
  };
}

function sysex(commands: Commands, body: number[]) {
  const [kind, pin = 0] = body;
  if (kind === 0x79) commands.firmware();
  if (kind === 0x6b) commands.capabilities();
  if (kind === 0x69) commands.analogMapping();
  if (kind === 0x6d) commands.pinState(pin);
}

function firmwareReport(firmware: { name: string; major: number; minor: number }): number[] {
  const name = [...Buffer.from(firmware.name, 'ascii')].flatMap((byte) => [byte & 0x7f, byte >> 7]);
  return [0xf0, 0x79, firmware.major, firmware.minor, ...name, 0xf7];
}

/** An Uno's pins: 0 and 1 are the serial line, 2–19 digital, 3/5/6/9/10/11 PWM, 14–19 A0–A5. */
function capabilityReport(): number[] {
  const pins: number[] = [];
  for (let pin = 0; pin < pinCount; pin++) {
    if (pin > 1) pins.push(0x00, 1, 0x01, 1, 0x0b, 1);
    if (pwmPins.has(pin)) pins.push(0x03, 8);
    if (pin >= firstAnalogPin) pins.push(0x02, 10);
    pins.push(0x7f);
  }
  return [0xf0, 0x6c, ...pins, 0xf7];
}

function analogMappingReport(): number[] {
  const channels = Array.from({ length: pinCount }, (_, pin) =>
    pin >= firstAnalogPin ? pin - firstAnalogPin : 0x7f,
  );
  return [0xf0, 0x6a, ...channels, 0xf7];
}
