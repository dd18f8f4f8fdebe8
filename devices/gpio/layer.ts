import { existsSync } from 'node:fs';

/** A pin level; with `activeLow` the layer inverts it, so 1 always means active. */
export type Level = 0 | 1;
export type Direction = 'in' | 'out' | 'high' | 'low';
export type Edge = 'none' | 'rising' | 'falling' | 'both';
export type WatchCallback = (err: Error | null | undefined, value: Level) => void;

/** The part of onoff's `Gpio` the drivers use, so virtual pins can stand in for it. */
export interface GpioPin {
  read(): Promise<Level>;
  write(value: Level): Promise<void>;
  watch(callback: WatchCallback): void;
  unwatchAll(): void;
  unexport(): void;
}

export interface OpenOptions {
  activeLow: boolean;
}

/** GPIO lines of one machine: onoff on sysfs, or virtual pins in tests and simulations. */
export interface GpioLayer {
  /** Whether this machine has GPIO the process may use (onoff's `Gpio.accessible`). */
  readonly accessible: boolean;
  /** Shown in logs and states: `onoff` or `virtual`. */
  readonly name: string;
  /** Whether the line is exported already, by an earlier run or another service. */
  exported(line: number): boolean;
  /** Exports the line where needed and sets its direction and edge, like `new Gpio()`. */
  open(line: number, direction: Direction, edge: Edge, options: OpenOptions): GpioPin;
}

interface OnoffModule {
  Gpio: {
    accessible: boolean;
    new (line: number, direction: Direction, edge: Edge, options: OpenOptions): GpioPin;
  };
}

/** onoff, loaded only when a profile names a GPIO device: its native part needs Linux. */
export async function onoffLayer(): Promise<GpioLayer> {
  const onoff = (await import('onoff')) as unknown as OnoffModule & { default?: OnoffModule };
  const { Gpio } = onoff.default ?? onoff;

  return {
    accessible: Gpio.accessible,
    name: 'onoff',
    exported: (line) => existsSync(`/sys/class/gpio/gpio${line}`),
    open: (line, direction, edge, options) => new Gpio(line, direction, edge, options),
  };
}

/**
 * One line a technician can act on for an error of `open`: the kernel's errno says whether
 * the line is held, unknown or forbidden.
 */
export function openProblem(line: number, err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'EBUSY') return `GPIO ${line} is held by another driver (EBUSY)`;
  if (code === 'EACCES' || code === 'EPERM') {
    return `GPIO ${line}: no permission, add the gateway's user to the gpio group`;
  }
  if (code === 'EINVAL') {
    // Since Linux 6.6 sysfs numbers lines from each chip's base (512 on a Raspberry Pi).
    return (
      `GPIO ${line} is not a line of this machine (EINVAL): sysfs numbers start at the ` +
      'chip base in /sys/class/gpio/gpiochip*/base'
    );
  }
  return `GPIO ${line} cannot be opened: ${(err as Error).message}`;
}
