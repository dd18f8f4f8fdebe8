import type { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';

/**
 * A serial link to a board, not yet open: firmata-io must be listening before the port opens,
 * since johnny-five waits for the "open" it relays before it believes the board is ready.
 */
export interface SerialLink {
  /** What firmata-io reads and writes: a stream with `write` and data/open/close/error events. */
  readonly stream: EventEmitter & {
    write(data: Buffer, done?: (err?: Error | null) => void): unknown;
  };
  open(): Promise<void>;
  close(): Promise<void>;
}

/** The serial ports of a machine: the serialport package, or virtual boards in tests. */
export interface SerialPorts {
  readonly name: string;
  exists(path: string): boolean;
  create(path: string, baudRate: number): SerialLink;
}

interface SerialPortInstance extends EventEmitter {
  isOpen: boolean;
  write(data: Buffer, done?: (err?: Error | null) => void): boolean;
  open(done: (err: Error | null) => void): void;
  close(done: (err: Error | null) => void): void;
}

interface SerialPortModule {
  SerialPort: new (options: {
    path: string;
    baudRate: number;
    autoOpen: boolean;
  }) => SerialPortInstance;
}

/** serialport, loaded only when a profile names a Firmata board: its binding is native. */
export async function serialportPorts(): Promise<SerialPorts> {
  const module = (await import('serialport')) as unknown as SerialPortModule;

  return {
    name: 'serialport',
    exists: (path) => existsSync(path),
    create: (path, baudRate) => {
      const port = new module.SerialPort({ path, baudRate, autoOpen: false });
      return {
        stream: port,
        open: () =>
          new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve()))),
        close: () =>
          new Promise((resolve) => {
            if (!port.isOpen) return resolve();
            port.close(() => resolve());
          }),
      };
    },
  };
}
