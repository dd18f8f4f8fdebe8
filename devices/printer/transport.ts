import { constants } from 'node:fs';
import { access, appendFile } from 'node:fs/promises';
import net from 'node:net';
import { type Clock, SmartBranchError } from '../../core/index.ts';
import { commands, paperEndBits } from './escpos.ts';

export type PaperStatus = 'ok' | 'out' | 'unknown';

/** A printer's line: bytes out and, where it talks back, its paper status. */
export interface PrinterTransport {
  readonly label: string;
  paper(): Promise<PaperStatus>;
  write(bytes: Buffer): Promise<void>;
  onLost(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

/** How long a status query may wait for its byte, in ms of the clock. */
const statusTimeoutMs = 2000;

/** ESC/POS over TCP (port 9100 by default): one connection held open, as printers expect. */
export async function tcpPrinter(
  host: string,
  port: number,
  clock: Clock,
): Promise<PrinterTransport> {
  const label = `${host}:${port}`;
  const socket = await connect(host, port, label);
  const listeners: ((reason: string) => void)[] = [];
  let answer: ((byte: number) => void) | null = null;
  let closed = false;

  socket.on('data', (data) => {
    const waiting = answer;
    answer = null;
    if (waiting && data.length > 0) waiting(data[data.length - 1] ?? 0);
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (closed) return;

    closed = true;
    for (const listener of listeners) listener(`printer at ${label} went offline`);
  });

  return {
    label,
    paper: () =>
      new Promise<PaperStatus>((resolve) => {
        if (closed) return resolve('unknown');

        // A printer that never answers DLE EOT leaves the status unknown, not failed.
        const timer = clock.after(statusTimeoutMs, () => {
          answer = null;
          resolve('unknown');
        });
        answer = (byte) => {
          timer.cancel();
          resolve((byte & paperEndBits) !== 0 ? 'out' : 'ok');
        };
        socket.write(Buffer.from(commands.paperStatus));
      }),
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (closed)
          return reject(new SmartBranchError('SB_ERR_UNAVAILABLE', `${label} is offline`));

        socket.write(bytes, (err) => (err ? reject(err) : resolve()));
      }),
    onLost: (listener) => void listeners.push(listener),
    close: async () => {
      closed = true;
      await new Promise<void>((resolve) => socket.end(() => resolve()));
      socket.destroy();
    },
  };
}

function connect(host: string, port: number, label: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(new SmartBranchError('SB_ERR_UNAVAILABLE', `printer at ${label}: ${err.message}`));
    });
  });
}

/**
 * A USB printer's character device (/dev/usb/lp0). usblp reads back only on bidirectional
 * printers, so the paper status is left unknown and paper-out shows only on the printer.
 */
export async function usbPrinter(device: string): Promise<PrinterTransport> {
  try {
    await access(device, constants.W_OK);
  } catch (err) {
    throw new SmartBranchError(
      'SB_ERR_UNAVAILABLE',
      `printer ${device}: ${(err as Error).message}`,
    );
  }

  return {
    label: device,
    paper: async () => 'unknown',
    write: async (bytes) => {
      try {
        await appendFile(device, bytes);
      } catch (err) {
        throw new SmartBranchError(
          'SB_ERR_UNAVAILABLE',
          `printer ${device}: ${(err as Error).message}`,
        );
      }
    },
    onLost: () => undefined,
    close: async () => undefined,
  };
}
