import { z } from 'zod';
import type { Db } from './index.ts';

/** How much unconfirmed backlog a gateway keeps through an outage before it lets any go. */
export const OutboxLimits = z.strictObject({
  /** Unconfirmed records older than this are let go, in hours. Default 720 (30 days). */
  maxAgeHours: z.number().positive().default(720),
  /** The unconfirmed backlog is kept under this size, in megabytes. Default 1024. */
  maxMegabytes: z.number().positive().default(1024),
  /** The alarm is raised when the backlog reaches this share of either limit. Default 80. */
  warnAtPercent: z.number().min(1).max(99).default(80),
});

export type OutboxLimits = z.output<typeof OutboxLimits>;

export interface BacklogReport {
  records: number;
  bytes: number;
  /** When the oldest unconfirmed record was written; null when none waits. */
  oldestAt: number | null;
  /** `near`: past the warning share of a limit; `over`: past a limit, records were let go. */
  level: 'ok' | 'near' | 'over';
  /** Unconfirmed records let go by this check to get back under the limits. */
  dropped: number;
}

/** Per-row overhead of the outbox's key columns, so bytes track the file, not only JSON. */
const rowOverheadBytes = 40;

/**
 * Measures the unconfirmed backlog against the limits and, only past a limit, lets the
 * oldest records go. The caller alarms at `near`, so a branch hears before anything is lost.
 */
export function backlogGuard(db: Db, limits: OutboxLimits) {
  const unconfirmed = `FROM outbox o JOIN outbox_streams s ON s.stream = o.stream
    WHERE o.seq > s.confirmed_seq`;
  const measure = db.prepare(
    `SELECT COUNT(*) AS records, COALESCE(SUM(length(o.data) + ${rowOverheadBytes}), 0) AS bytes,
       MIN(o.at) AS oldestAt ${unconfirmed}`,
  );
  const oldest = db.prepare(
    `SELECT o.stream, o.seq, length(o.data) + ${rowOverheadBytes} AS bytes ${unconfirmed}
     ORDER BY o.at, o.stream, o.seq LIMIT 1000`,
  );
  const dropOlder = db.prepare(
    `DELETE FROM outbox WHERE at < ? AND seq > (
       SELECT confirmed_seq FROM outbox_streams s WHERE s.stream = outbox.stream)`,
  );
  const dropOne = db.prepare('DELETE FROM outbox WHERE stream = ? AND seq = ?');
  const maxBytes = limits.maxMegabytes * 1024 * 1024;
  const maxAgeMs = limits.maxAgeHours * 3_600_000;
  const warn = limits.warnAtPercent / 100;

  const read = () => measure.get() as Omit<BacklogReport, 'level' | 'dropped'>;
  const dropOverSize = (excess: number) => {
    let freed = 0;
    let dropped = 0;
    while (freed < excess) {
      const rows = oldest.all() as { stream: string; seq: number; bytes: number }[];
      if (rows.length === 0) break;

      for (const row of rows) {
        if (freed >= excess) break;
        dropOne.run(row.stream, row.seq);
        freed += row.bytes;
        dropped += 1;
      }
    }
    return dropped;
  };
  const enforce = db.transaction((now: number) => {
    let dropped = dropOlder.run(now - maxAgeMs).changes;
    const { bytes } = read();
    if (bytes > maxBytes) dropped += dropOverSize(bytes - maxBytes);
    return dropped;
  });

  return {
    limits,
    check(now: number): BacklogReport {
      const before = read();
      const age = before.oldestAt === null ? 0 : now - before.oldestAt;
      const over = before.bytes > maxBytes || age > maxAgeMs;
      const dropped = over ? enforce(now) : 0;
      const after = over ? read() : before;
      const near = before.bytes >= maxBytes * warn || age >= maxAgeMs * warn;
      return { ...after, level: over ? 'over' : near ? 'near' : 'ok', dropped };
    },
  };
}

export type BacklogGuard = ReturnType<typeof backlogGuard>;

/**
 * Gives the pages freed by deleted records back to the file system: incremental vacuum
 * returns free pages, and a truncating checkpoint shrinks the write-ahead log.
 */
export function reclaimSpace(db: Db): void {
  db.pragma('incremental_vacuum');
  db.pragma('wal_checkpoint(TRUNCATE)');
}
