import { type QueueMinute, type WaitHistogram, waitBucketOf } from '../../protocol/index.ts';
import type { Db } from '../store/index.ts';

const minuteMs = 60_000;

export const minuteOf = (epochMs: number) => Math.floor(epochMs / minuteMs) * minuteMs;

interface IssuedRow {
  minute: number;
  service: string;
  issued: number;
}

interface EndedRow {
  minute: number;
  service: string;
  counter: string;
  served: number;
  noShows: number;
  waitMsTotal: number;
  waitMsMax: number;
  serviceMsTotal: number;
  servedWithinTarget: number;
  estimated: number;
  estimateErrorMsTotal: number;
}

interface WaitRow {
  minute: number;
  service: string;
  counter: string;
  waitMs: number;
}

export interface MinuteCloser {
  /**
   * Hands every minute record of the activity in [cursor, until) to `record`, in one
   * transaction with the cursor's move: a record is handed over once, even across a crash,
   * provided `record` writes to the same database (the outbox does).
   */
  closeUntil(until: number): QueueMinute[];
}

/**
 * The minute KPIs are read back from the tickets themselves rather than counted in memory,
 * so a crash loses none. Each minute gives one record per service for the tickets issued and
 * one per service and counter for the tickets that counter served or gave up, with their
 * waits in a histogram: every figure adds up, per service and per counter, over any period. A stop in the middle of a minute hands over that minute's part;
 * the rest of it follows later as a second record, and the two add up.
 */
export function minuteCloser(db: Db, record: (minute: QueueMinute) => void): MinuteCloser {
  const cursor = db.prepare('SELECT until FROM queue_kpi_cursor WHERE id = 1').pluck();
  const moveCursor = db.prepare(
    `INSERT INTO queue_kpi_cursor (id, until) VALUES (1, ?)
     ON CONFLICT (id) DO UPDATE SET until = excluded.until`,
  );
  const read = minuteReader(db);

  const close = db.transaction((until: number): QueueMinute[] => {
    const from = (cursor.get() as number | undefined) ?? 0;
    if (until <= from) return [];

    const minutes = read(from, until);
    for (const minute of minutes) record(minute);
    moveCursor.run(until);
    return minutes;
  });

  return { closeUntil: (until) => close.immediate(until) };
}

/** The minute records of the activity in [from, until), without handing them over. */
export function minuteReader(db: Db): (from: number, until: number) => QueueMinute[] {
  const issued = db.prepare(
    `SELECT issued_at / 60000 * 60000 AS minute, COALESCE(transferred_from, service) AS service,
       COUNT(*) AS issued
     FROM queue_tickets WHERE issued_at >= ? AND issued_at < ? GROUP BY 1, 2`,
  );
  const ended = db.prepare(
    `SELECT ended_at / 60000 * 60000 AS minute, service, counter,
       SUM(state = 'served') AS served, SUM(state = 'no-show') AS noShows,
       SUM(IIF(state = 'served', called_at - issued_at, 0)) AS waitMsTotal,
       MAX(IIF(state = 'served', called_at - issued_at, 0)) AS waitMsMax,
       SUM(IIF(state = 'served', ended_at - called_at, 0)) AS serviceMsTotal,
       SUM(state = 'served' AND called_at - issued_at <= target_wait_ms) AS servedWithinTarget,
       SUM(state = 'served' AND estimated_wait_ms IS NOT NULL) AS estimated,
       SUM(IIF(state = 'served' AND estimated_wait_ms IS NOT NULL,
         ABS(called_at - issued_at - estimated_wait_ms), 0)) AS estimateErrorMsTotal
     FROM queue_tickets
     WHERE ended_at >= ? AND ended_at < ? AND state IN ('served', 'no-show')
     GROUP BY 1, 2, 3`,
  );
  const waits = db.prepare(
    `SELECT ended_at / 60000 * 60000 AS minute, service, counter, called_at - issued_at AS waitMs
     FROM queue_tickets WHERE ended_at >= ? AND ended_at < ? AND state = 'served'`,
  );

  return (from, until) =>
    merge(
      issued.all(from, until) as IssuedRow[],
      ended.all(from, until) as EndedRow[],
      waits.all(from, until) as WaitRow[],
    );
}

const keyOf = (minute: number, service: string, counter: string | null) =>
  `${minute}\u0000${service}\u0000${counter ?? ''}`;

/** One record per minute and service for the tickets issued, and per counter for those ended. */
function merge(issuedRows: IssuedRow[], endedRows: EndedRow[], waitRows: WaitRow[]) {
  const byKey = new Map<string, QueueMinute>();
  const entry = (minute: number, service: string, counter: string | null) => {
    const key = keyOf(minute, service, counter);
    let found = byKey.get(key);
    if (!found) {
      found = emptyMinute(minute, service, counter);
      byKey.set(key, found);
    }
    return found;
  };

  for (const row of issuedRows) entry(row.minute, row.service, null).issued = row.issued;
  for (const row of endedRows)
    Object.assign(entry(row.minute, row.service, row.counter), figures(row));
  for (const row of waitRows) {
    const histogram = entry(row.minute, row.service, row.counter).waitHistogram ?? {};
    const bucket = waitBucketOf(Math.max(0, row.waitMs) / 1000);
    histogram[bucket] = (histogram[bucket] ?? 0) + 1;
  }
  return [...byKey.values()].sort(
    (a, b) =>
      a.minute - b.minute ||
      a.service.localeCompare(b.service) ||
      (a.counter ?? '').localeCompare(b.counter ?? ''),
  );
}

function emptyMinute(minute: number, service: string, counter: string | null): QueueMinute {
  const record: QueueMinute = {
    minute,
    service,
    issued: 0,
    served: 0,
    waitSecondsTotal: 0,
    waitSecondsMax: 0,
    noShows: 0,
    serviceSecondsTotal: 0,
    servedWithinTarget: 0,
    estimated: 0,
    estimateErrorSecondsTotal: 0,
  };
  if (counter === null) return record;

  const histogram: WaitHistogram = {};
  return { ...record, counter, waitHistogram: histogram };
}

function figures(row: EndedRow): Partial<QueueMinute> {
  return {
    served: row.served,
    noShows: row.noShows,
    // A clock set back between call and end must not give a negative duration.
    waitSecondsTotal: Math.max(0, row.waitMsTotal) / 1000,
    waitSecondsMax: Math.max(0, row.waitMsMax) / 1000,
    serviceSecondsTotal: Math.max(0, row.serviceMsTotal) / 1000,
    servedWithinTarget: row.servedWithinTarget,
    estimated: row.estimated,
    estimateErrorSecondsTotal: row.estimateErrorMsTotal / 1000,
  };
}
