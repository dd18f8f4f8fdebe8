import pino from 'pino';
import type { Clock, Logger } from '../../core/index.ts';

export interface LogLine {
  /** When the line was written, by the gateway's clock. */
  at: number;
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  module: string;
  msg: string;
  /** The line's other fields, as pino wrote them (secrets already redacted). */
  fields: Record<string, unknown>;
}

export interface LogQuery {
  module?: string;
  /** The lowest level shown. Default info. */
  level?: LogLine['level'];
  /** How far back, in hours. Default: everything kept. */
  hours?: number;
}

export interface LogRing {
  query(query: LogQuery): LogLine[];
  modules(): string[];
  /** Stops copying lines; the kept ones stay readable. */
  detach(): void;
}

const levels = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
} as const;
const rank: Record<LogLine['level'], number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

export interface RingOptions {
  /** Lines older than this are let go, in hours. Default 6. */
  keepHours?: number;
  /** Most lines kept, whatever their age. Default 5000. */
  maxLines?: number;
}

interface Stream {
  write(chunk: string): unknown;
}

/**
 * Keeps the gateway's recent log lines for the technician UI. The process logger is built by
 * the command line, so the ring copies what pino writes to that logger's destination (the
 * lines come already redacted and at the configured level) rather than build a second one.
 */
export function captureLogs(log: Logger, clock: Clock, options: RingOptions = {}): LogRing {
  const keepMs = (options.keepHours ?? 6) * 3600_000;
  const maxLines = options.maxLines ?? 5000;
  const lines: LogLine[] = [];
  const stream = (log as unknown as Record<symbol, Stream>)[pino.symbols.streamSym];
  const original = stream?.write;

  const keep = (chunk: string) => {
    for (const text of chunk.split('\n')) {
      const line = parseLine(text, clock.now());
      if (line) lines.push(line);
    }
    while (lines.length > maxLines || (lines[0]?.at ?? Infinity) < clock.now() - keepMs) {
      lines.shift();
    }
  };

  if (stream && original) {
    stream.write = function write(this: Stream, chunk: string) {
      keep(String(chunk));
      return original.call(this, chunk);
    };
  }

  return {
    query: (query) => {
      const since = query.hours === undefined ? -Infinity : clock.now() - query.hours * 3600_000;
      const lowest = rank[query.level ?? 'info'];
      return lines.filter(
        (line) =>
          line.at >= since &&
          rank[line.level] >= lowest &&
          (!query.module || line.module === query.module),
      );
    },
    modules: () => [...new Set(lines.map((line) => line.module))].sort(),
    detach: () => {
      if (stream && original) stream.write = original;
    },
  };
}

function parseLine(text: string, at: number): LogLine | null {
  if (!text.trim()) return null;

  try {
    const {
      level,
      msg,
      module,
      time: _time,
      pid: _pid,
      hostname: _host,
      ...fields
    } = JSON.parse(text) as Record<string, unknown>;
    const name = levels[level as keyof typeof levels] ?? 'info';
    return {
      at,
      level: name,
      module: typeof module === 'string' ? module : 'gateway',
      msg: String(msg ?? ''),
      fields,
    };
  } catch {
    return null;
  }
}

export const logLevels = Object.keys(rank) as LogLine['level'][];
