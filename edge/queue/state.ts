import type { QueueState } from '../../protocol/index.ts';
import type { Db } from '../store/index.ts';
import type { CounterStateName, QueueConfig } from './config.ts';
import { localDay } from './day.ts';

/** Service time assumed for a service nobody has served yet, in seconds. */
const fallbackServiceSeconds = 300;

/** How many recent services of a service its estimate averages. */
const recentServices = 20;

export interface StateReader {
  state(now: number): QueueState;
  /** Expected wait of a ticket issued now, in seconds; null when no open counter serves it. */
  estimate(service: string): number | null;
  counts(): { waiting: number; called: number };
}

/**
 * The queue's current truth, read from SQLite: what the retained state topic carries so a
 * board that connects late shows it at once.
 */
export function stateReader(config: QueueConfig, db: Db): StateReader {
  const waiting = db.prepare(
    `SELECT service, COUNT(*) AS count FROM queue_tickets WHERE state = 'waiting'
     GROUP BY service`,
  );
  const serving = db.prepare(
    `SELECT c.id AS counter, c.state AS state, t.number AS number, t.service AS service
     FROM queue_counters c LEFT JOIN queue_tickets t ON t.id = c.ticket_id AND t.state = 'called'`,
  );
  const today = db.prepare(
    `SELECT COUNT(*) AS issued, COALESCE(SUM(state = 'served'), 0) AS served
     FROM queue_tickets WHERE day = ?`,
  );
  const called = db.prepare(`SELECT COUNT(*) FROM queue_tickets WHERE state = 'called'`).pluck();
  const recent = db
    .prepare(
      `SELECT AVG(ended_at - called_at) FROM (SELECT ended_at, called_at FROM queue_tickets
       WHERE service = ? AND state = 'served' ORDER BY ended_at DESC LIMIT ${recentServices})`,
    )
    .pluck();

  const serviceSeconds = (service: string) => {
    const meanMs = recent.get(service) as number | null;
    return meanMs === null ? fallbackServiceSeconds : Math.max(0, meanMs) / 1000;
  };
  const live = () => ({
    counts: new Map(
      (waiting.all() as { service: string; count: number }[]).map((row) => [
        row.service,
        row.count,
      ]),
    ),
    counters: countersNow(config, serving.all() as ServingRow[]),
  });

  const read = (now: number): QueueState => {
    const day = localDay(now, config.timeZone);
    const { counts, counters } = live();
    const totals = today.get(day) as { issued: number; served: number };

    return {
      at: now,
      day,
      waiting: config.services.map((service) => ({
        service: service.id,
        count: counts.get(service.id) ?? 0,
      })),
      nowServing: counters.serving,
      issuedToday: totals.issued,
      servedToday: totals.served,
      counters: counters.states,
      estimates: estimates(config, counts, counters, serviceSeconds),
    };
  };

  return {
    state: read,
    estimate: (service) => {
      const { counts, counters } = live();
      const found = estimates(config, counts, counters, serviceSeconds).find(
        (entry) => entry.service === service,
      );
      return found?.waitSeconds ?? null;
    },
    counts: () => ({
      waiting: [...(waiting.all() as { count: number }[])].reduce((sum, row) => sum + row.count, 0),
      called: called.get() as number,
    }),
  };
}

interface ServingRow {
  counter: string;
  state: CounterStateName;
  number: string | null;
  service: string | null;
}

interface CountersNow {
  serving: QueueState['nowServing'];
  states: { counter: string; state: CounterStateName }[];
  held: Set<string>;
}

/** Counters of the config, in its order; one never yet used is in its initial state. */
function countersNow(config: QueueConfig, rows: ServingRow[]): CountersNow {
  const byId = new Map(rows.map((row) => [row.counter, row]));
  const serving: QueueState['nowServing'] = [];
  const held = new Set<string>();

  const states = config.counters.map((counter) => {
    const row = byId.get(counter.id);
    if (row?.number && row.service) {
      serving.push({ counter: counter.id, number: row.number, service: row.service });
      held.add(counter.id);
    }
    return { counter: counter.id, state: row?.state ?? counter.initialState };
  });
  return { serving, states, held };
}

/**
 * Expected wait of a ticket issued now without a segment: the tickets ahead of it (its own
 * service's and those of services sharing a counter with it at an equal or higher class),
 * spread over the open counters that serve it, at its recent mean service time, plus half a
 * service when every such counter is busy. A service no open counter serves gets none.
 */
function estimates(
  config: QueueConfig,
  waiting: Map<string, number>,
  counters: CountersNow,
  serviceSeconds: (service: string) => number,
): NonNullable<QueueState['estimates']> {
  const open = new Set(counters.states.filter((c) => c.state === 'open').map((c) => c.counter));
  const priority = new Map(config.services.map((service) => [service.id, service.priority]));

  return config.services.flatMap((service) => {
    const serving = config.counters.filter(
      (counter) => open.has(counter.id) && counter.services.includes(service.id),
    );
    if (serving.length === 0) return [];

    const rivals = new Set(serving.flatMap((counter) => counter.services));
    let ahead = 0;
    for (const rival of rivals) {
      if ((priority.get(rival) ?? 0) >= service.priority) ahead += waiting.get(rival) ?? 0;
    }

    const busy = serving.every((counter) => counters.held.has(counter.id)) ? 0.5 : 0;
    const waitSeconds = (ahead / serving.length + busy) * serviceSeconds(service.id);
    return [{ service: service.id, waitSeconds: Math.round(waitSeconds) }];
  });
}
