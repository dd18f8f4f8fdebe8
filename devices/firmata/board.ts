import type { EventEmitter } from 'node:events';
import { type Clock, type Logger, SmartBranchError } from '../../core/index.ts';
import { type FirmwareRequirement, firmwareProblem } from '../../firmware-config/index.ts';
import type { SerialLink, SerialPorts } from './ports.ts';

/** The parts of firmata-io's board the drivers use. */
export interface FirmataIo extends EventEmitter {
  firmware: { name?: string; version?: { major: number; minor: number } };
  MODES: { ANALOG: number; OUTPUT: number };
  analogRead(channel: number, callback: (value: number) => void): void;
  reportAnalogPin(channel: number, on: 0 | 1): void;
  removeAllListeners(event?: string): this;
}

/** The parts of johnny-five the drivers use; it ships no types of its own. */
export interface Led {
  on(): unknown;
  off(): unknown;
}

/** A relay's circuit closes (the load is on) or opens. */
export interface Relay {
  close(): unknown;
  open(): unknown;
}

export interface JohnnyFive {
  Board: (new (
    options: Record<string, unknown>,
  ) => EventEmitter & { io: FirmataIo }) & {
    /** Every board johnny-five has made, kept for its REPL: ours leave it when they close. */
    readonly cache: unknown[];
  };
  Led: new (options: { pin: number | string; board: unknown }) => Led;
  Relay: new (options: { pin: number | string; board: unknown; type: 'NO' | 'NC' }) => Relay;
}

interface BoardConnection {
  readonly io: FirmataIo;
  readonly board: EventEmitter & { io: FirmataIo };
  readonly five: JohnnyFive;
  /** Called once when the link drops: the cable pulled, the board reset by hand. */
  onLost(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

/** One device's share of a board: several profiles may name pins of the same board. */
export interface BoardHandle {
  readonly io: FirmataIo;
  readonly board: EventEmitter & { io: FirmataIo };
  readonly five: JohnnyFive;
  onLost(listener: (reason: string) => void): void;
  /** Gives the share back; the last one closes the port. */
  release(): Promise<void>;
}

interface Shared {
  opening: Promise<BoardConnection>;
  users: number;
}

const openBoards = new WeakMap<SerialPorts, Map<string, Shared>>();

/**
 * A share of the board on a port, opening it for the first device that asks. Each device
 * then checks the board's reported firmware against its own profile, so a mismatch is
 * refused in that device's one line.
 */
export async function acquireBoard(
  ports: SerialPorts,
  options: BoardOptions,
  clock: Clock,
  log: Logger,
): Promise<BoardHandle> {
  const boards = openBoards.get(ports) ?? new Map<string, Shared>();
  openBoards.set(ports, boards);
  const entry = boards.get(options.path) ?? share(boards, ports, options, clock, log);
  entry.users += 1;

  let connection: BoardConnection;
  try {
    connection = await entry.opening;
  } catch (err) {
    entry.users -= 1;
    throw err;
  }

  let released = false;
  const release = async () => {
    if (released) return;

    released = true;
    entry.users -= 1;
    if (entry.users > 0 || boards.get(options.path) !== entry) return;

    boards.delete(options.path);
    await connection.close();
  };

  const problem = firmwareProblem(options.firmware, {
    name: connection.io.firmware.name ?? '',
    major: connection.io.firmware.version?.major ?? 0,
    minor: connection.io.firmware.version?.minor ?? 0,
  });
  if (problem) {
    await release();
    throw new SmartBranchError('SB_ERR_FIRMWARE_MISMATCH', `board on ${options.path} ${problem}`);
  }

  return {
    io: connection.io,
    board: connection.board,
    five: connection.five,
    onLost: (listener) =>
      connection.onLost((reason) => {
        if (!released) listener(reason);
      }),
    release,
  };
}

function share(
  boards: Map<string, Shared>,
  ports: SerialPorts,
  options: BoardOptions,
  clock: Clock,
  log: Logger,
): Shared {
  const entry: Shared = { opening: connectBoard(ports, options, clock, log), users: 0 };
  const forget = () => {
    if (boards.get(options.path) === entry) boards.delete(options.path);
  };
  boards.set(options.path, entry);
  // A lost or failed board is opened afresh by the next device that retries.
  entry.opening.then((connection) => connection.onLost(forget), forget);
  return entry;
}

export interface BoardOptions {
  path: string;
  baudRate: number;
  firmware: FirmwareRequirement;
  /** How long the board may take to answer in Firmata after the port opens, in ms. */
  readyTimeoutMs?: number;
}

/**
 * Opens a Firmata board through johnny-five: the port, then the Firmata handshake. Rejects
 * with a coded error for each way this fails, so the device can say which in one line.
 */
async function connectBoard(
  ports: SerialPorts,
  options: BoardOptions,
  clock: Clock,
  log: Logger,
): Promise<BoardConnection> {
  if (!ports.exists(options.path)) {
    throw new SmartBranchError('SB_ERR_UNAVAILABLE', `no serial port ${options.path}`);
  }

  const { Firmata, five } = await loadLibraries();
  const link = ports.create(options.path, options.baudRate);
  const io = new Firmata(link.stream, { reportVersionTimeout: 2000 }) as FirmataIo;
  io.on('error', (err: Error) => log.debug({ reason: err.message }, 'firmata error'));
  const board = new five.Board({
    io,
    repl: false,
    debug: false,
    sigint: false,
    timeout: options.readyTimeoutMs ?? 10_000,
  });
  board.on('error', (err: Error) => log.debug({ reason: err?.message }, 'board error'));

  try {
    await openLink(link, options.path);
    await ready(board, link, options, clock);
  } catch (err) {
    forget(five, board);
    throw err;
  }

  return connection(io, board, five, link, options.path);
}

async function openLink(link: SerialLink, path: string) {
  try {
    await link.open();
  } catch (err) {
    throw new SmartBranchError(
      'SB_ERR_UNAVAILABLE',
      `cannot open ${path}: ${(err as Error).message}`,
    );
  }
}

function ready(
  board: EventEmitter,
  link: SerialLink,
  options: BoardOptions,
  clock: Clock,
): Promise<void> {
  const seconds = (options.readyTimeoutMs ?? 10_000) / 1000;
  return new Promise<void>((resolve, reject) => {
    const fail = (error: SmartBranchError) => {
      timer.cancel();
      void link.close();
      reject(error);
    };
    const timer = clock.after(options.readyTimeoutMs ?? 10_000, () =>
      fail(
        new SmartBranchError(
          'SB_ERR_DEVICE_FAULT',
          `board on ${options.path} did not answer ` +
            `in Firmata within ${seconds} s: flash ${options.firmware.name} onto it`,
        ),
      ),
    );
    link.stream.once('close', () =>
      fail(
        new SmartBranchError('SB_ERR_UNAVAILABLE', `${options.path} closed during the handshake`),
      ),
    );
    board.once('ready', () => {
      timer.cancel();
      resolve();
    });
  });
}

function connection(
  io: FirmataIo,
  board: EventEmitter & { io: FirmataIo },
  five: JohnnyFive,
  link: SerialLink,
  path: string,
): BoardConnection {
  const listeners: ((reason: string) => void)[] = [];
  let open = true;
  link.stream.on('close', (event?: { disconnected?: boolean }) => {
    if (!open) return;

    open = false;
    const reason = event?.disconnected ? `board unplugged from ${path}` : `${path} closed`;
    for (const listener of listeners) listener(reason);
  });

  return {
    io,
    board,
    five,
    onLost: (listener) => void listeners.push(listener),
    close: async () => {
      open = false;
      board.removeAllListeners();
      forget(five, board);
      await link.close();
    },
  };
}

/** Drops a board from johnny-five's cache, which would otherwise grow with every reconnect. */
function forget(five: JohnnyFive, board: unknown) {
  const index = five.Board.cache.indexOf(board);
  if (index >= 0) (five.Board.cache as unknown[]).splice(index, 1);
}

interface FirmataModule {
  Firmata: new (transport: unknown, options: Record<string, unknown>) => EventEmitter;
}

let libraries: Promise<{ Firmata: FirmataModule['Firmata']; five: JohnnyFive }> | null = null;

/** johnny-five and firmata-io, loaded once and only when a profile names a board. */
function loadLibraries() {
  libraries ??= (async () => {
    const firmata = (await import('firmata-io')) as unknown as { default: FirmataModule };
    const five = (await import('johnny-five')) as unknown as { default: JohnnyFive };
    return { Firmata: firmata.default.Firmata, five: five.default };
  })();
  return libraries;
}
