import { type StreamName, streamOfKind, UplinkRecord } from '../../protocol/index.ts';
import type { Db } from './index.ts';

type RecordInput = Omit<UplinkRecord, 'seq'>;

export interface StreamPosition {
  lastSeq: number;
  confirmedSeq: number;
  backlog: number;
}

/**
 * The gateway's store-and-forward buffer. Records get a sequence per stream when written;
 * the cloud pulls them after its cursor and, by asking for what comes after, confirms the
 * rest. Nothing unconfirmed is ever deleted.
 */
export interface Outbox {
  append(record: RecordInput): number;
  after(stream: StreamName, afterSeq: number, limit: number): UplinkRecord[];
  confirm(stream: StreamName, cursor: number): void;
  position(stream: StreamName): StreamPosition;
  /** Confirmed records older than `beforeAt` are let go; returns how many. */
  prune(beforeAt: number): number;
}

export function outbox(db: Db): Outbox {
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
    'SELECT last_seq AS lastSeq, confirmed_seq AS confirmedSeq FROM outbox_streams WHERE stream = ?',
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

  const position = (stream: StreamName): StreamPosition => {
    const row = positionOf.get(stream) as Omit<StreamPosition, 'backlog'> | undefined;
    const lastSeq = row?.lastSeq ?? 0;
    const confirmedSeq = row?.confirmedSeq ?? 0;
    return { lastSeq, confirmedSeq, backlog: lastSeq - confirmedSeq };
  };

  return {
    append: (record) => {
      // A record the cloud's schema would refuse never enters the outbox.
      UplinkRecord.parse({ ...record, seq: 1 });
      return append(record);
    },
    after: (stream, afterSeq, limit) =>
      (select.all(stream, afterSeq, limit) as { seq: number; kind: string; at: number; data: string }[])
        .map((row) => UplinkRecord.parse({ ...row, data: JSON.parse(row.data) })),
    confirm: (stream, cursor) => {
      ensure.run(stream);
      moveConfirmed.run(cursor, stream);
    },
    position,
    prune: (beforeAt) => pruneOld.run(beforeAt).changes,
  };
}
