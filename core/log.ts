import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LogOptions {
  /** pino level name. Default: `SB_LOG_LEVEL`, else `info`. */
  level?: string;
  /** Where lines go; default standard output. A stream lets the demo keep its terminal tidy. */
  destination?: pino.DestinationStream;
  /** Fields bound to every line of this process, e.g. `{ process: 'gateway' }`. */
  base?: Record<string, unknown>;
}

/**
 * Secrets and personal data never reach a log line: these paths are censored wherever they
 * appear, one and two levels down, whatever module logs them.
 */
const redactedKeys = [
  'password',
  'token',
  'secret',
  'credentials',
  'authorization',
  'cookie',
  'enrolmentToken',
  'privateKey',
  'phone',
  'customerName',
];

const redactPaths = redactedKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? process.env.SB_LOG_LEVEL ?? 'info';
  const settings: pino.LoggerOptions = {
    level,
    base: options.base ?? null,
    redact: { paths: redactPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/** A logger that drops everything, for tests that assert on values rather than lines. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/**
 * Logs a repeated warning once per key and period, so one misbehaving device cannot flood the
 * log; the suppressed count rides on the next line for that key.
 */
export function rateLimitedWarn(log: Logger, periodMs: number, now: () => number) {
  const lastAt = new Map<string, { at: number; suppressed: number }>();

  return (key: string, fields: Record<string, unknown>, message: string) => {
    const seen = lastAt.get(key);
    const time = now();

    if (seen && time - seen.at < periodMs) {
      seen.suppressed += 1;
      return;
    }

    lastAt.set(key, { at: time, suppressed: 0 });
    log.warn({ ...fields, suppressed: seen?.suppressed ?? 0 }, message);
  };
}
