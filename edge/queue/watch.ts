import type { Logger } from 'pino';
import type { Clock, Timer } from '../../core/index.ts';
import type { QueueEvent, Ticket } from '../../protocol/index.ts';
import type { Bus } from '../bus/index.ts';
import type { QueueConfig } from './config.ts';

const hourMs = 3_600_000;

/** How often the counter zones are checked against the called tickets, in clock ms. */
const checkEveryMs = 1000;

export interface ZoneWatchOptions {
  config: QueueConfig;
  bus: Bus;
  clock: Clock;
  log: Logger;
  /** The ticket each counter holds in state `called`, by counter id. */
  heldTickets: () => Map<string, Ticket>;
  suspect: (counter: string, ticket: Ticket) => void;
}

export interface ZoneWatch {
  /** A call happened: a person leaving the waiting zone now is not walking away. */
  noteEvent(event: QueueEvent): void;
  walkAwaysLastHour(): number;
  stop(): Promise<void>;
}

interface ZoneNow {
  people: number;
  emptySince: number | null;
}

/**
 * Camera meets ticket, by counts alone: no person is linked to a ticket. A called ticket whose
 * counter zone stays empty for `emptySeconds` is suspected a no-show, once per call or recall;
 * people leaving the waiting zone beyond the calls made meanwhile are counted as walk-aways.
 */
export async function watchZones(options: ZoneWatchOptions): Promise<ZoneWatch> {
  const { config, clock } = options;
  const zones = new Map<string, ZoneNow>();
  const firstSeen = new Map<string, number>();
  const suspected = new Set<string>();
  const walkAways: { at: number; count: number }[] = [];
  let callsSinceWaitingReport = 0;
  const emptyMs = config.noShowWatch.emptySeconds * 1000;

  const onZone = (zone: string, people: number) => {
    const now = clock.now();
    const previous = zones.get(zone);
    const emptySince = people > 0 ? null : (previous?.emptySince ?? now);
    zones.set(zone, { people, emptySince });
    if (zone !== config.waitingZone || !previous) return;

    const left = previous.people - people - callsSinceWaitingReport;
    callsSinceWaitingReport = 0;
    if (left > 0) walkAways.push({ at: now, count: left });
  };

  const check = () => {
    const now = clock.now();
    const held = options.heldTickets();
    forgetFinished(held);
    for (const counter of config.counters) {
      const ticket = held.get(counter.id);
      if (!counter.zone || !ticket) continue;

      // A recall starts the watch again: the customer was asked once more.
      const key = `${ticket.id}:${ticket.recalls ?? 0}`;
      const since = Math.max(ticket.calledAt ?? now, firstSeen.get(key) ?? now);
      firstSeen.set(key, since);
      const zone = zones.get(counter.zone);
      const emptyFor = zone?.emptySince == null ? 0 : now - Math.max(zone.emptySince, since);
      if (emptyFor < emptyMs || suspected.has(key)) continue;

      suspected.add(key);
      options.suspect(counter.id, ticket);
    }
  };

  // Only tickets still held are watched: the rest leave the maps.
  const forgetFinished = (held: Map<string, Ticket>) => {
    const current = new Set([...held.values()].map((ticket) => ticket.id));
    for (const key of [...firstSeen.keys()]) {
      if (current.has(key.slice(0, key.lastIndexOf(':')))) continue;

      firstSeen.delete(key);
      suspected.delete(key);
    }
  };

  const off = await options.bus.subscribe('zoneAudience', {}, (message) =>
    onZone(message.zone, message.people),
  );
  const timer: Timer = clock.every(checkEveryMs, check);

  return {
    noteEvent: (event) => {
      if (event.type === 'called') callsSinceWaitingReport += 1;
    },
    walkAwaysLastHour: () => {
      const since = clock.now() - hourMs;
      while (walkAways[0] && walkAways[0].at < since) walkAways.shift();
      return walkAways.reduce((sum, entry) => sum + entry.count, 0);
    },
    stop: async () => {
      timer.cancel();
      await off();
    },
  };
}
