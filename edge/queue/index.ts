import {
  Counter,
  Gauge,
  type ModuleContext,
  metric,
  type Registry,
  type Timer,
} from '../../core/index.ts';
import type {
  QueueCounterCommand,
  QueueEvent,
  QueueIssue,
  QueueMinute,
  QueueState,
  Ticket,
} from '../../protocol/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Db } from '../store/index.ts';
import { type Appointment, appointmentBook } from './appointments.ts';
import { QueueConfig } from './config.ts';
import { dayStart, localDay, nextDayStart } from './day.ts';
import { decisions, type Outcome } from './decisions.ts';
import { type QueueKpiReport, summariseQueueMinutes } from './kpis.ts';
import { type Ledger, ledger } from './ledger.ts';
import { minuteCloser, minuteOf, minuteReader } from './minutes.ts';
import { printTicket, ticketContext } from './print.ts';
import { stateReader } from './state.ts';
import { attachBusSurface } from './surface.ts';
import { watchZones, type ZoneWatch } from './watch.ts';

export { type Announcement, announcementsFor, characterCount, truncateText } from './announce.ts';
export {
  type Appointment,
  AppointmentBooking,
  type AppointmentBookingInput,
  AppointmentImportError,
} from './appointments.ts';
export { QueueConfig, type QueueConfigInput } from './config.ts';
export { dayStart, localDay, nextDayStart } from './day.ts';
export { ticketNumber } from './decisions.ts';
export { type QueueKpiReport, type QueueKpis, summariseQueueMinutes } from './kpis.ts';

export interface QueueOptions {
  branch: string;
  /** Parsed with `QueueConfig` (a raw object is parsed here, naming each error by its path). */
  config: QueueConfig;
  db: Db;
  bus: Bus;
  /** Takes each closed minute's KPIs; called inside the queue's SQLite transaction. */
  recordMinute: (minute: QueueMinute) => void;
  /** The name on a button's printed ticket. Default: the branch id. */
  branchName?: string;
}

export interface QueueStats {
  /** Tickets issued and served since this start (repeated requests not counted). */
  issued: number;
  served: number;
  /** Tickets waiting and held at counters now. */
  waiting: number;
  called: number;
}

export interface Queue {
  issue(request: QueueIssue): Ticket;
  command(counter: string, command: QueueCounterCommand): Ticket | null;
  state(): QueueState;
  stats(): QueueStats;
  /** Books one appointment (an `AppointmentBooking`); throws SB_ERR_INVALID_REQUEST by path. */
  book(booking: unknown): Appointment;
  /** Imports a booking system's CSV export, all lines or none (`AppointmentImportError`). */
  importAppointments(csv: string): Appointment[];
  /** The appointments of a local day (`YYYY-MM-DD`), default today, by slot. */
  appointments(day?: string): Appointment[];
  /**
   * KPIs per service and counter of a local day (`YYYY-MM-DD`, default today) up to now: the
   * sums of the same minute records the cloud pulls.
   */
  kpis(day?: string): QueueKpiReport;
  /** Hands the open minute's KPIs over now, for a run that ends without a stop. */
  flush(): void;
  stop(): Promise<void>;
}

/** Requests answered are remembered this long, so a late redelivery still gets its answer. */
const requestMemoryMs = 7 * 24 * 3_600_000;

export async function startQueue(options: QueueOptions, context: ModuleContext): Promise<Queue> {
  const config = QueueConfig.parse(options.config);
  // Whole milliseconds: a sped-up clock reads fractions, which no timestamp schema accepts.
  const clock = { ...context.clock, now: () => Math.floor(context.clock.now()) };
  const log = context.log.child({ module: 'queue' });
  const tickets = ledger(options.db);
  const reader = stateReader(config, options.db);
  const appointments = appointmentBook(options.db, config.timeZone, (id) =>
    config.services.some((service) => service.id === id),
  );
  const decide = decisions(config, options.db, tickets, appointments, reader.estimate);
  const minutes = minuteCloser(options.db, options.recordMinute);
  const readMinutes = minuteReader(options.db);
  const figures = queueMetrics(context.registry);
  const counts = { issued: 0, served: 0 };
  const timers: Timer[] = [];
  let detachSurface = async () => {};
  let watch: ZoneWatch | null = null;

  const currentState = (): QueueState => {
    const state = reader.state(clock.now());
    return watch ? { ...state, walkAwaysLastHour: watch.walkAwaysLastHour() } : state;
  };

  const publishState = () => {
    const state = currentState();
    figures.waiting.set(state.waiting.reduce((sum, entry) => sum + entry.count, 0));
    return options.bus
      .publish('queueState', {}, state, { retain: true })
      .catch((err) => log.error({ err }, 'queue state not published'));
  };

  const announce = (outcome: Outcome) => {
    if (!outcome.changed) return;

    for (const event of outcome.events) countEvent(event);
    for (const event of outcome.events) watch?.noteEvent(event);
    publishEvents(outcome.events);
    void publishState();
  };

  const publishEvents = (events: QueueEvent[]) => {
    for (const event of events) {
      options.bus
        .publish('queueEvent', {}, event)
        .catch((err) => log.error({ err }, 'queue event not published'));
    }
  };

  const countEvent = (event: QueueEvent) => {
    if (event.type === 'issued') counts.issued += 1;
    if (event.type === 'served') counts.served += 1;
    figures.events.inc({ type: event.type, service: event.ticket.service });
  };

  const closeMinutes = (until: number) => {
    try {
      minutes.closeUntil(until);
    } catch (err) {
      // The cursor did not move: the same minutes are offered again at the next close.
      log.error({ err }, 'queue minutes not recorded');
    }
  };

  const scheduleMinute = () => {
    const now = clock.now();
    timers.push(
      clock.after(minuteOf(now) + 60_000 - now, () => {
        closeMinutes(minuteOf(clock.now()));
        scheduleMinute();
      }),
    );
  };

  const scheduleDay = () => {
    const now = clock.now();
    timers.push(
      clock.after(nextDayStart(now, config.timeZone) - now, () => {
        startDay();
        scheduleDay();
      }),
    );
  };

  const startDay = () => {
    const events = decide.closeEarlierDays(clock.now());
    tickets.forgetRequestsBefore(clock.now() - requestMemoryMs);
    if (events.length) log.info({ cancelled: events.length }, 'queue day closed');
    announce({ ticket: null, events, changed: true });
  };

  const suspectNoShow = (counter: string, ticket: Ticket) => {
    publishEvents([{ type: 'no-show-suspected', at: clock.now(), ticket }]);
    if (!config.noShowWatch.autoRecall) return;

    const requestId = `auto-recall:${ticket.id}:${ticket.recalls ?? 0}`;
    try {
      queue.command(counter, { requestId, action: 'recall' });
    } catch (err) {
      log.warn({ counter, reason: (err as Error).message }, 'queue automatic recall refused');
    }
  };

  const issueOnce = (request: QueueIssue) => {
    const outcome = decide.issue(request, clock.now());
    announce(outcome);
    return { ticket: outcome.ticket as Ticket, fresh: outcome.changed };
  };

  const printButtonTicket = (printer: string, ticket: Ticket, requestId: string) =>
    printTicket(options.bus, log, printer, {
      ...ticketContext(config, currentState(), ticket),
      branchName: options.branchName ?? options.branch,
      ticket,
      requestId,
    });

  const queue: Queue = {
    issue: (request) => issueOnce(request).ticket,
    command: (counter, command) => {
      const outcome = decide.command(counter, command, clock.now());
      announce(outcome);
      return outcome.ticket;
    },
    state: currentState,
    book: (booking) => appointments.book(booking, clock.now()),
    importAppointments: (csv) => appointments.importCsv(csv, clock.now()),
    appointments: (day) => appointments.ofDay(day ?? localDay(clock.now(), config.timeZone)),
    stats: () => ({ ...counts, ...reader.counts() }),
    kpis: (day) => {
      const now = clock.now();
      const from = dayStart(
        day === undefined ? now : instantOf(day, config.timeZone),
        config.timeZone,
      );
      const until = Math.min(now + 1, nextDayStart(from, config.timeZone));
      return summariseQueueMinutes(readMinutes(from, until));
    },
    flush: () => closeMinutes(clock.now() + 1),
    stop: async () => {
      for (const timer of timers) timer.cancel();
      await detachSurface();
      await watch?.stop();
      closeMinutes(clock.now() + 1);
      log.info(counts, 'queue stopped');
    },
  };

  startDay();
  closeMinutes(minuteOf(clock.now()));
  scheduleMinute();
  scheduleDay();
  timers.push(clock.every(config.stateRefreshMs, () => void publishState()));
  const door = { ...queue, issueOnce };
  detachSurface = (
    await attachBusSurface(options.bus, door, log, clock.now, config.buttons, printButtonTicket)
  ).detach;
  if (config.waitingZone !== undefined || config.counters.some((counter) => counter.zone)) {
    watch = await watchZones({
      config,
      bus: options.bus,
      clock,
      log,
      heldTickets: () => heldTickets(tickets),
      suspect: (counter, ticket) => suspectNoShow(counter, ticket),
    });
  }
  log.info({ services: config.services.length, counters: config.counters.length }, 'queue started');
  return queue;
}

/** An instant within a local day (`YYYY-MM-DD`): noon UTC, moved half a day where needed. */
function instantOf(day: string, timeZone: string): number {
  const noon = Date.parse(`${day}T12:00:00Z`);
  const found = localDay(noon, timeZone);
  if (found === day) return noon;
  return found > day ? noon - 12 * 3_600_000 : noon + 12 * 3_600_000;
}

/** The ticket each counter holds in state `called`. */
function heldTickets(tickets: Ledger): Map<string, Ticket> {
  const held = new Map<string, Ticket>();
  for (const row of tickets.counters()) {
    const ticket = row.ticketId === null ? undefined : tickets.ticket(row.ticketId);
    if (ticket?.state === 'called') held.set(row.id, ticket);
  }
  return held;
}

function queueMetrics(registry: Registry) {
  return {
    events: metric(
      registry,
      'sb_queue_events_total',
      (registers) =>
        new Counter({
          name: 'sb_queue_events_total',
          help: 'Queue state changes by type',
          labelNames: ['type', 'service'],
          registers,
        }),
    ),
    waiting: metric(
      registry,
      'sb_queue_waiting',
      (registers) => new Gauge({ name: 'sb_queue_waiting', help: 'Tickets waiting', registers }),
    ),
  };
}
