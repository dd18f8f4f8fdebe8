import { randomUUID } from 'node:crypto';
import {
  type ErrorBody,
  type ErrorCode,
  isSmartBranchError,
  SmartBranchError,
} from '../../core/index.ts';
import type { QueueCounterCommand, QueueEvent, QueueIssue, Ticket } from '../../protocol/index.ts';
import type { Db } from '../store/index.ts';
import { announcementsFor } from './announce.ts';
import type { AppointmentBook } from './appointments.ts';
import type { QueueConfig, QueueService } from './config.ts';
import { localDay } from './day.ts';
import type { CounterRow, Ledger } from './ledger.ts';

/** What a decision did: the answer, and the events to publish when state changed. */
export interface Outcome {
  ticket: Ticket | null;
  events: QueueEvent[];
  /** False for a repeated request: the stored answer again, nothing changed. */
  changed: boolean;
}

const minuteMs = 60_000;

/** `A` and 7 give `A007`; past 999 the number simply grows (`A1000`). */
export function ticketNumber(prefix: string, seq: number): string {
  return `${prefix}${String(seq).padStart(3, '0')}`;
}

export interface Decisions {
  issue(request: QueueIssue, now: number): Outcome;
  command(counter: string, command: QueueCounterCommand, now: number): Outcome;
  /** Waiting tickets of days before `now`'s are cancelled: a new day starts empty. */
  closeEarlierDays(now: number): QueueEvent[];
}

/**
 * The queue's decisions, each one SQLite transaction: every check happens before the first
 * write, and a refused request throws before anything is written, so it changes nothing.
 */
export function decisions(
  config: QueueConfig,
  db: Db,
  ledger: Ledger,
  book: AppointmentBook,
  /** Expected wait of a ticket issued now for a service, in seconds; null when none serves it. */
  estimateOf: (service: string) => number | null,
): Decisions {
  const services = new Map(config.services.map((service) => [service.id, service]));
  const counters = new Map(config.counters.map((counter) => [counter.id, counter]));

  const classOf = (service: QueueService, segment: Ticket['segment']) =>
    service.priority + (segment ? config.segmentBoost[segment] : 0);
  const ageingStepMs = (service: QueueService) =>
    Math.round((config.ageingStepMinutes ?? service.targetWaitMinutes) * minuteMs);

  const serviceOf = (id: string | undefined): QueueService => {
    const service = id === undefined ? undefined : services.get(id);
    if (!service) throw new SmartBranchError('SB_ERR_UNKNOWN_SERVICE', id, 'service');
    return service;
  };

  const repeated = (scope: string, requestId: string): Outcome | null => {
    const answer = ledger.answered(scope, requestId);
    if (!answer) return null;
    if (answer.error !== null) throw refusalFrom(answer.error);

    const ticket = answer.ticketId === null ? null : (ledger.ticket(answer.ticketId) ?? null);
    return { ticket, events: [], changed: false };
  };

  /** The appointment a request checks in, or its ticket when it is checked in already. */
  const appointmentOf = (request: QueueIssue, now: number) => {
    if (request.appointment === undefined) return { appointment: undefined, ticket: undefined };

    const appointment = book.byCode(localDay(now, config.timeZone), request.appointment);
    if (!appointment || appointment.state === 'cancelled') {
      throw new SmartBranchError('SB_ERR_NOT_FOUND', 'no such appointment today', 'appointment');
    }
    const ticket = appointment.ticketId === null ? undefined : ledger.ticket(appointment.ticketId);
    return { appointment, ticket };
  };

  const issue = db.transaction((request: QueueIssue, now: number): Outcome => {
    const earlier = repeated('issue', request.requestId);
    if (earlier) return earlier;

    const checkIn = appointmentOf(request, now);
    if (checkIn.ticket) {
      ledger.remember('issue', request.requestId, checkIn.ticket.id, now);
      return { ticket: checkIn.ticket, events: [], changed: false };
    }

    const { appointment } = checkIn;
    const earlyMs = config.appointmentEarlyMinutes * minuteMs;
    const onTime =
      appointment && now >= appointment.slotStart - earlyMs && now <= appointment.slotEnd;
    const service = serviceOf(appointment?.service ?? request.service);
    const estimate = estimateOf(service.id);
    const day = localDay(now, config.timeZone);
    const seq = ledger.nextNumber(service.id, day);
    const id = randomUUID();
    ledger.insert({
      id,
      service: service.id,
      day,
      seq,
      number: ticketNumber(service.prefix, seq),
      segment: request.segment ?? null,
      source: request.source,
      priority: classOf(service, request.segment),
      ageingStepMs: ageingStepMs(service),
      issuedAt: now,
      targetWaitMs: Math.round(service.targetWaitMinutes * minuteMs),
      estimatedWaitMs: estimate === null ? null : Math.round(estimate * 1000),
      appointment: onTime ? 1 : 0,
    });
    if (appointment) book.checkIn(appointment.id, id);
    ledger.remember('issue', request.requestId, id, now);

    const ticket = ledger.ticket(id) as Ticket;
    return { ticket, events: [{ type: 'issued', at: now, ticket }], changed: true };
  });

  // A call or recall is announced, and what was announced is kept with the ticket.
  const announced = (event: QueueEvent): QueueEvent => {
    if (event.type !== 'called' && event.type !== 'recalled') return event;

    const announcement = announcementsFor(config, event.ticket);
    ledger.announce(event.ticket.id, event.at, announcement);
    return { ...event, announcement };
  };

  const actions = counterActions({ ledger, serviceOf, classOf, ageingStepMs, config });

  const command = db.transaction(
    (counterId: string, command: QueueCounterCommand, now: number): Outcome => {
      const counter = counters.get(counterId);
      if (!counter) throw new SmartBranchError('SB_ERR_UNKNOWN_COUNTER', counterId, 'counter');

      const earlier = repeated(`counter:${counterId}`, command.requestId);
      if (earlier) return earlier;

      const row = ledger.counter(counterId, counter.initialState);
      const outcome = actions[command.action]({ row, services: counter.services, command, now });
      ledger.remember(`counter:${counterId}`, command.requestId, outcome.ticket?.id ?? null, now);
      return { ...outcome, events: outcome.events.map(announced) };
    },
  );

  const closeEarlierDays = db.transaction((now: number): QueueEvent[] => {
    const stale = ledger.waitingBefore(localDay(now, config.timeZone));
    for (const ticket of stale) ledger.finish(ticket.id, 'cancelled', now);
    return stale.map((ticket) => ({
      type: 'cancelled' as const,
      at: now,
      ticket: ledger.ticket(ticket.id) as Ticket,
    }));
  });

  // A refusal is remembered outside the refused transaction, which wrote nothing.
  const remembered = <T>(scope: string, requestId: string, now: number, run: () => T): T => {
    try {
      return run();
    } catch (err) {
      if (isSmartBranchError(err) && !transientCodes.has(err.code)) {
        ledger.refuse(scope, requestId, JSON.stringify(err.toBody()), now);
      }
      throw err;
    }
  };

  return {
    issue: (request, now) =>
      remembered('issue', request.requestId, now, () => issue.immediate(request, now)),
    command: (counter, request, now) =>
      remembered(`counter:${counter}`, request.requestId, now, () =>
        command.immediate(counter, request, now),
      ),
    closeEarlierDays: (now) => closeEarlierDays.immediate(now),
  };
}

/** Failures that a repeat of the same request may not meet again: never remembered. */
const transientCodes = new Set<ErrorCode>(['SB_ERR_INTERNAL', 'SB_ERR_UNAVAILABLE']);

function refusalFrom(stored: string): SmartBranchError {
  const body = JSON.parse(stored) as ErrorBody;
  const error = new SmartBranchError(body.code, undefined, body.path);
  error.message = body.message;
  return error;
}

interface ActionInput {
  row: CounterRow;
  services: readonly string[];
  command: QueueCounterCommand;
  now: number;
}

interface ActionTools {
  ledger: Ledger;
  serviceOf: (id: string | undefined) => QueueService;
  classOf: (service: QueueService, segment: Ticket['segment']) => number;
  ageingStepMs: (service: QueueService) => number;
  config: QueueConfig;
}

type Action = (input: ActionInput) => Outcome;

function counterActions(tools: ActionTools): Record<QueueCounterCommand['action'], Action> {
  const { ledger } = tools;

  const held = (row: CounterRow): Ticket => {
    const ticket = row.ticketId === null ? undefined : ledger.ticket(row.ticketId);
    if (ticket?.state !== 'called') {
      throw new SmartBranchError('SB_ERR_CONFLICT', `counter ${row.id} holds no called ticket`);
    }
    return ticket;
  };

  const event = (type: QueueEvent['type'], id: string, at: number): Outcome => {
    const ticket = ledger.ticket(id) as Ticket;
    return { ticket, events: [{ type, at, ticket }], changed: true };
  };

  const finish =
    (state: 'served' | 'no-show' | 'cancelled'): Action =>
    ({ row, now }) => {
      const ticket = held(row);
      ledger.finish(ticket.id, state, now);
      ledger.setCounter(row.id, row.state, null);
      return event(state, ticket.id, now);
    };

  const setState =
    (state: CounterRow['state']): Action =>
    ({ row }) => {
      ledger.setCounter(row.id, state, row.ticketId);
      return { ticket: null, events: [], changed: row.state !== state };
    };

  return {
    'call-next': (input) => callNext(ledger, input),
    end: finish('served'),
    'no-show': finish('no-show'),
    cancel: finish('cancelled'),
    open: setState('open'),
    pause: setState('paused'),
    close: setState('closed'),
    recall: (input) => {
      const ticket = held(input.row);
      if ((ticket.recalls ?? 0) >= tools.config.maxRecalls) return finish('no-show')(input);

      ledger.recall(ticket.id);
      return event('recalled', ticket.id, input.now);
    },
    transfer: ({ row, command, now }) => {
      if (command.service === undefined) {
        throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'transfer needs a service', 'service');
      }

      const service = tools.serviceOf(command.service);
      const ticket = held(row);
      ledger.transfer({
        id: ticket.id,
        service: service.id,
        priority: tools.classOf(service, ticket.segment),
        ageingStepMs: tools.ageingStepMs(service),
        targetWaitMs: Math.round(service.targetWaitMinutes * minuteMs),
      });
      ledger.setCounter(row.id, row.state, null);
      return event('transferred', ticket.id, now);
    },
  };
}

/**
 * Calls the best waiting ticket among the counter's services. A ticket the counter still
 * holds is served first, but only when another one is waiting: an empty queue changes nothing.
 */
function callNext(ledger: Ledger, { row, services, now }: ActionInput): Outcome {
  if (row.state !== 'open') {
    throw new SmartBranchError('SB_ERR_COUNTER_CLOSED', `counter ${row.id} is ${row.state}`);
  }

  const next = ledger.next(services, now);
  if (!next) throw new SmartBranchError('SB_ERR_QUEUE_EMPTY', `counter ${row.id}`);

  const events: QueueEvent[] = [];
  const current = row.ticketId === null ? undefined : ledger.ticket(row.ticketId);
  if (current?.state === 'called') {
    ledger.finish(current.id, 'served', now);
    events.push({ type: 'served', at: now, ticket: ledger.ticket(current.id) as Ticket });
  }

  ledger.call(next.id, row.id, now);
  ledger.setCounter(row.id, row.state, next.id);
  const ticket = ledger.ticket(next.id) as Ticket;
  events.push({ type: 'called', at: now, ticket });
  return { ticket, events, changed: true };
}
