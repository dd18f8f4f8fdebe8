import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  ConfigError,
  collectProcessMetrics,
  createLogger,
  createRegistry,
  type Logger,
  type ModuleContext,
  scaledClock,
} from '../core/index.ts';

/** The context of one long-running command: real clock, pino to stdout or a file, metrics. */
export function processContext(name: string, logFile?: string): ModuleContext {
  const destination = logFile ? fileStream(logFile) : undefined;
  const log = createLogger(
    destination ? { base: { process: name }, destination } : { base: { process: name } },
  );
  const registry = createRegistry({ process: name });
  collectProcessMetrics(registry);
  return { clock: scaledClock(), log, registry };
}

function fileStream(file: string) {
  mkdirSync(dirname(file), { recursive: true });
  return createWriteStream(file, { flags: 'a' });
}

/**
 * Runs until SIGINT or SIGTERM, then stops cleanly once; a second signal exits at once, for a
 * technician whose shutdown hangs.
 */
export function untilSignal(log: Logger, stop: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(130);

      stopping = true;
      log.info({ signal }, 'stopping');
      stop().then(resolve, (err) => {
        log.error({ err }, 'stop failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

/** A failed config is printed as its list of problems, each by its path, and exits 2. */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    console.error(`smartbranch: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

/**
 * Starts a piece, turning the start-up failures a technician can fix (a port in use, a
 * folder not writable) into one line naming what to change, instead of a stack trace.
 */
export async function startOrExplain<T>(
  piece: string,
  configFile: string,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const failure = err as NodeJS.ErrnoException & { address?: string; port?: number };
    const where = failure.port ? `${failure.address ?? ''}:${failure.port}` : (failure.path ?? '');
    const hint = {
      EADDRINUSE: `is already in use: pick another port in ${configFile}`,
      EACCES: `is not allowed for this user: change it in ${configFile} or the permissions`,
      EADDRNOTAVAIL: `is not an address of this machine: fix the host in ${configFile}`,
    }[failure.code ?? ''];
    if (!hint) throw err;

    console.error(`smartbranch: the ${piece} cannot start: ${where} ${hint}`);
    process.exit(2);
  }
}
