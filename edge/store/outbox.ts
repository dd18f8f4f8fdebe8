import { SmartBranchError } from '../../core/index.ts';
import { type StreamName, streamOfKind, UplinkRecord } from '../../protocol/index.ts';
import type { Db } from './index.ts';

type RecordInput = Omit<UplinkRecord, 'seq'>;

export interface StreamPosition {
  lastSeq: number;
  confirmedSeq: number;
  backlog: number;
}

/** Whether the data folder took the last write, and what waits in memory until it does. */
export interface OutboxSpace {
  full: boolean;
  /** Records kept in memory while the disk was full, written in order once it is not. */
  held: number;
  /** Records let go because even the in-memory hold was full. */
  lost: number;
}

/**
 * The gateway's store-and-forward buffer. Records get a sequence per stream when written;
 * the cloud pulls them after its cursor and, by asking for what comes after, confirms the
 * rest. Nothing unconfirmed is ever deleted here (the retention guard alone may, after its
 * alarm).
 */
export interface Outbox {
  /** Writes a record and returns its sequence; SB_ERR_STORE_FULL when the disk is full. */
  append(record: RecordInput): number;
  /**
   * For producers that cannot wait (sensing, proof of play): writes the record, or holds it
   * in memory while the disk is full and writes it, in order, once space returns.
   */
  appendOrHold(record: RecordInput): void;
  /** Tries again to write what is held; true when nothing is held any more. */
  retryHeld(): boolean;
  space(): OutboxSpace;
  /** Told when the disk becomes full (true) and when writes succeed again (false). */
  onFull(listener: (full: boolean) => void): void;
  after(stream: StreamName, afterSeq: number, limit: number): UplinkRecord[];
  confirm(stream: StreamName, cursor: number): void;
  position(stream: StreamName): StreamPosition;
  /** Confirmed records older than `beforeAt` are let go; returns how many. */
  prune(beforeAt: number): number;
}

/** At most this many records wait in memory for a full disk: about a day of a busy branch. */
const maxHeld = 20_000;

export function outbox(db: Db): Outbox {
  const statements = outboxStatements(db);
  const held: RecordInput[] = [];
  const listeners: ((full: boolean) => void)[] = [];
  let full = false;
  let lost = 0;

  const setFull = (next: boolean) => {
    if (full === next) return;

    full = next;
    for (const listener of listeners) listener(next);
  };
  const write = (record: RecordInput) => {
    try {
      const seq = statements.append(record);
      setFull(false);
      return seq;
    } catch (err) {
      if (!isDiskFull(err)) throw err;

      setFull(true);
      throw new SmartBranchError('SB_ERR_STORE_FULL', 'the outbox cannot be written');
    }
  };
  const retryHeld = () => {
    while (held.length > 0) {
      try {
        write(held[0] as RecordInput);
      } catch (err) {
        if (isSmartBranchCode(err, 'SB_ERR_STORE_FULL')) return false;
        throw err;
      }
      held.shift();
    }
    return true;
  };
  const hold = (record: RecordInput) => {
    held.push(record);
    if (held.length <= maxHeld) return;

    held.shift();
    lost += 1;
  };

  return {
    append: (record) => {
      // A record the cloud's schema would refuse never enters the outbox.
      UplinkRecord.parse({ ...record, seq: 1 });
      return write(record);
    },
    appendOrHold: (record) => {
      UplinkRecord.parse({ ...record, seq: 1 });
      if (!retryHeld()) return hold(record);

      try {
        write(record);
      } catch (err) {
        if (!isSmartBranchCode(err, 'SB_ERR_STORE_FULL')) throw err;
        hold(record);
      }
    },
    retryHeld,
    space: () => ({ full, held: held.length, lost }),
    onFull: (listener) => void listeners.push(listener),
    after: statements.after,
    confirm: statements.confirm,
    position: statements.position,
    prune: statements.prune,
  };
}

function outboxStatements(db: Db) {
  const ensure = db.prepare('INSERT OR IGNORE INTO outbox_streams (stream) VALUES (?)');
  const next = db.prepare(
    'UPDATE outbox_streams SET last_seq = last_seq + 1 WHERE stream = ? RETURNING last_seq',
  );
  const insert = db.prepare(
    'INSERT INTO outbox (stream, seq, kind, at, data) VALUES (?, ?, ?, ?, ?)',
  );
  const select = db.prepare(
    'SELECT seq, kind, at, data FROM outbox WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?',
  );
  const positionOf = db.prepare(
    `SELECT last_seq AS lastSeq, confirmed_seq AS confirmedSeq FROM outbox_streams
     WHERE stream = ?`,
  );
  const moveConfirmed = db.prepare(
    `UPDATE outbox_streams SET confirmed_seq = MIN(last_seq, MAX(confirmed_seq, ?))
     WHERE stream = ?`,
  );
  const pruneOld = db.prepare(
    `DELETE FROM outbox WHERE at < ? AND seq <= (
       SELECT confirmed_seq FROM outbox_streams s WHERE s.stream = outbox.stream)`,
  );

  const append = db.transaction((record: RecordInput) => {
    const stream = streamOfKind[record.kind];
    ensure.run(stream);
    const { last_seq: seq } = next.get(stream) as { last_seq: number };
    insert.run(stream, seq, record.kind, record.at, JSON.stringify(record.data));
    return seq;
  });

  type Row = { seq: number; kind: string; at: number; data: string };
  return {
    append: (record: RecordInput) => append(record),
    after: (stream: StreamName, afterSeq: number, limit: number) =>
      (select.all(stream, afterSeq, limit) as Row[]).map((row) =>
        UplinkRecord.parse({ ...row, data: JSON.parse(row.data) }),
      ),
    confirm: (stream: StreamName, cursor: number) => {
      ensure.run(stream);
      moveConfirmed.run(cursor, stream);
    },
    position: (stream: StreamName): StreamPosition => {
      const row = positionOf.get(stream) as Omit<StreamPosition, 'backlog'> | undefined;
      const lastSeq = row?.lastSeq ?? 0;
      const confirmedSeq = row?.confirmedSeq ?? 0;
      return { lastSeq, confirmedSeq, backlog: lastSeq - confirmedSeq };
    },
    prune: (beforeAt: number) => pruneOld.run(beforeAt).changes,
  };
}

/** SQLite says SQLITE_FULL for a full disk and for its own page-count limit alike. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || (err as NodeJS.ErrnoException | null)?.code === 'ENOSPC';
}

function isSmartBranchCode(err: unknown, code: string): boolean {
  return err instanceof SmartBranchError && err.code === code;
}
