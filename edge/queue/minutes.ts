import type { QueueMinute } from '../../protocol/index.ts';
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
  served: number;
  noShows: number;
  waitMsTotal: number;
  waitMsMax: number;
  serviceMsTotal: number;
  servedWithinTarget: number;
  estimated: number;
  estimateErrorMsTotal: number;
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
 * so a crash loses none. A stop in the middle of a minute hands over that minute's part;
 * the rest of it follows later as a second record, and the two add up.
 */
export function minuteCloser(db: Db, record: (minute: QueueMinute) => void): MinuteCloser {
  const cursor = db.prepare('SELECT until FROM queue_kpi_cursor WHERE id = 1').pluck();
  const moveCursor = db.prepare(
    `INSERT INTO queue_kpi_cursor (id, until) VALUES (1, ?)
     ON CONFLICT (id) DO UPDATE SET until = excluded.until`,
  );
  const issued = db.prepare(
    `SELECT issued_at / 60000 * 60000 AS minute, COALESCE(transferred_from, service) AS service,
       COUNT(*) AS issued
     FROM queue_tickets WHERE issued_at >= ? AND issued_at < ? GROUP BY 1, 2`,
  );
  const ended = db.prepare(
    `SELECT ended_at / 60000 * 60000 AS minute, service,
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
     GROUP BY 1, 2`,
  );

  const close = db.transaction((until: number): QueueMinute[] => {
    const from = (cursor.get() as number | undefined) ?? 0;
    if (until <= from) return [];

    const minutes = merge(
      issued.all(from, until) as IssuedRow[],
      ended.all(from, until) as EndedRow[],
    );
    for (const minute of minutes) record(minute);
    moveCursor.run(until);
    return minutes;
  });

  return { closeUntil: (until) => close.immediate(until) };
}

function merge(issuedRows: IssuedRow[], endedRows: EndedRow[]): QueueMinute[] {
  const byKey = new Map<string, QueueMinute>();
  const entry = (minute: number, service: string) => {
    const key = `${minute}\u0000${service}`;
    let found = byKey.get(key);
    if (!found) {
      found = {
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
      byKey.set(key, found);
    }
    return found;
  };

  for (const row of issuedRows) entry(row.minute, row.service).issued = row.issued;
  for (const row of endedRows) {
    Object.assign(entry(row.minute, row.service), {
      served: row.served,
      noShows: row.noShows,
      // A clock set back between call and end must not give a negative duration.
      waitSecondsTotal: Math.max(0, row.waitMsTotal) / 1000,
      waitSecondsMax: Math.max(0, row.waitMsMax) / 1000,
      serviceSecondsTotal: Math.max(0, row.serviceMsTotal) / 1000,
      servedWithinTarget: row.servedWithinTarget,
      estimated: row.estimated,
      estimateErrorSecondsTotal: row.estimateErrorMsTotal / 1000,
    });
  }
  return [...byKey.values()].sort(
    (a, b) => a.minute - b.minute || a.service.localeCompare(b.service),
  );
}
