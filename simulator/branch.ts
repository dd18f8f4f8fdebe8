import type { Clock, Logger, Timer } from '../core/index.ts';
import {
  type Channel,
  encodeMessage,
  type MessageOf,
  type Reply,
  Ticket,
  type TopicParams,
  topic,
} from '../protocol/index.ts';
import { arrivalProcess } from './arrivals.ts';
import type { SimulatorConfig } from './config.ts';
import type { Link } from './link.ts';
import { random } from './random.ts';

export interface SimulatorStats {
  customersArrived: number;
  ticketsRequested: number;
  ticketsIssued: number;
  ticketsCalled: number;
  ticketsServed: number;
  doorEvents: number;
  errors: number;
}

/** What this simulator saw of one service, from the answers it got. */
export interface ServiceTally {
  issued: number;
  served: number;
  /** Seconds from issue to call of the tickets it served, by the queue's own timestamps. */
  waitSecondsTotal: number;
}

/** What this simulator saw of one counter: the tickets it served, with their times. */
export interface CounterTally {
  served: number;
  waitSecondsTotal: number;
  /** Seconds from call to end, by the queue's own timestamps. */
  serviceSecondsTotal: number;
  /** Each served ticket's wait, in the order served, for percentiles. */
  waitsSeconds: number[];
}

export interface Links {
  kiosk: Link;
  door: Link;
  counter: Link;
}

/** Faults a test or a demo can switch on: a dead or flapping door sensor, a kiosk down. */
export type SimulatorFault = 'door-offline' | 'door-flapping' | 'kiosk-offline';

export interface VirtualBranch {
  setFault(fault: SimulatorFault, on: boolean): void;
  stats(): SimulatorStats;
  byService(): Record<string, ServiceTally>;
  byCounter(): Record<string, CounterTally>;
  inBranch(): number;
  stopArrivals(): void;
  stop(): void;
}

const minuteMs = 60_000;

/**
 * Customers and staff of one branch. Every figure counts what the gateway really answered;
 * all timing runs on the injected clock, `speed` times faster.
 */
export function virtualBranch(
  config: SimulatorConfig,
  links: Links,
  clock: Clock,
  log: Logger,
): VirtualBranch {
  const stats: SimulatorStats = {
    customersArrived: 0,
    ticketsRequested: 0,
    ticketsIssued: 0,
    ticketsCalled: 0,
    ticketsServed: 0,
    doorEvents: 0,
    errors: 0,
  };
  const timers = new Set<Timer>();
  const nextArrival = arrivalProcess(config);
  const mix = random(config.seed, 'service mix');
  const segments = random(config.seed, 'segments');
  const startedAt = clock.now();
  const simulatedNow = () => startedAt + (clock.now() - startedAt) * config.speed;
  const tallies = new Map<string, ServiceTally>();
  const tally = (service: string) => {
    let found = tallies.get(service);
    if (!found) {
      found = { issued: 0, served: 0, waitSecondsTotal: 0 };
      tallies.set(service, found);
    }
    return found;
  };
  const counterTallies = new Map<string, CounterTally>();
  const tallyServed = (ticket: Ticket) => {
    const figures = tally(ticket.service);
    const waitSeconds = Math.max(0, (ticket.calledAt ?? ticket.issuedAt) - ticket.issuedAt) / 1000;
    figures.served += 1;
    figures.waitSecondsTotal += waitSeconds;

    const counter = ticket.counter ?? '';
    const atCounter = counterTallies.get(counter) ?? {
      served: 0,
      waitSecondsTotal: 0,
      serviceSecondsTotal: 0,
      waitsSeconds: [],
    };
    counterTallies.set(counter, atCounter);
    atCounter.served += 1;
    atCounter.waitSecondsTotal += waitSeconds;
    atCounter.waitsSeconds.push(waitSeconds);
    const serviceMs = (ticket.endedAt ?? 0) - (ticket.calledAt ?? ticket.endedAt ?? 0);
    atCounter.serviceSecondsTotal += Math.max(0, serviceMs) / 1000;
  };
  const runId = `${config.seed}-${clock.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let inside = 0;
  let requests = 0;
  let stopped = false;
  let arriving = true;
  // Tickets of this simulator's customers; served ones whose issue reply is still on its way.
  const customers = new Set<string>();
  const servedEarly = new Set<string>();

  const later = (simulatedMs: number, task: () => void) => {
    if (stopped) return;

    // Whole milliseconds: a fractional clock reading would not pass the messages' schemas.
    const timer = clock.after(Math.round(simulatedMs / config.speed), () => {
      timers.delete(timer);
      if (!stopped) task();
    });
    timers.add(timer);
  };

  const send = <C extends Channel>(
    link: Link,
    channel: C,
    params: Omit<TopicParams<C>, 'branch'>,
    message: MessageOf<C>,
    retain = false,
  ) =>
    link.publish(
      topic(channel, { ...params, branch: config.branch } as TopicParams<C>),
      encodeMessage(channel, message),
      retain,
    );

  const ask = <C extends 'queueIssue' | 'queueCounterCommand'>(
    link: Link,
    channel: C,
    params: Omit<TopicParams<C>, 'branch'>,
    message: MessageOf<C>,
  ) =>
    link.request(
      topic(channel, { ...params, branch: config.branch } as TopicParams<C>),
      encodeMessage(channel, message),
      message.requestId,
    );

  const nextRequestId = () => `sim-${runId}-${++requests}`;

  const faults = new Set<SimulatorFault>();

  const doorEvent = (direction: 'entry' | 'exit') => {
    stats.doorEvents += 1;
    send(
      links.door,
      'deviceTelemetry',
      { device: config.devices.door },
      {
        device: config.devices.door,
        at: Math.floor(clock.now()),
        kind: 'door',
        values: { direction, inside },
      },
    );
  };

  // A dead sensor reports nothing; a flapping one bounces an entry and an exit after each
  // real event, as a loose contact does.
  const door = (direction: 'entry' | 'exit') => {
    if (faults.has('door-offline')) return;

    doorEvent(direction);
    if (!faults.has('door-flapping')) return;

    doorEvent('entry');
    doorEvent('exit');
  };

  const leave = () => {
    inside = Math.max(0, inside - 1);
    door('exit');
  };

  const takeTicket = async () => {
    // With the kiosk down a customer gives up and leaves without a ticket.
    if (faults.has('kiosk-offline')) return leave();

    stats.ticketsRequested += 1;
    const segment = segmentOf(segments.next(), config.customers.segments);
    const reply = await ask(
      links.kiosk,
      'queueIssue',
      {},
      {
        requestId: nextRequestId(),
        replyTo: config.devices.kiosk,
        source: 'kiosk',
        service: mix.pick(config.customers.serviceMix),
        ...(segment ? { segment } : {}),
      },
    );
    if (!reply || stopped) return;

    const ticket = ticketOf(reply);
    if (!ticket) {
      stats.errors += 1;
      return leave();
    }

    stats.ticketsIssued += 1;
    tally(ticket.service).issued += 1;
    if (servedEarly.delete(ticket.id)) return leave();
    customers.add(ticket.id);
  };

  const arrive = () => {
    stats.customersArrived += 1;
    inside += 1;
    door('entry');
    later(config.customers.walkToKioskSeconds * 1000, () => void takeTicket());
  };

  const scheduleArrival = () => {
    const gapMs = arriving ? nextArrival(simulatedNow()) : null;
    if (gapMs === null) return;

    later(gapMs, () => {
      if (!arriving) return;

      arrive();
      scheduleArrival();
    });
  };

  const staff = config.counters.map((counter) =>
    counterStaff({
      counter,
      config,
      clock,
      later,
      ask: (message) => ask(links.counter, 'queueCounterCommand', { counter: counter.id }, message),
      nextRequestId,
      stats,
      served: (ticket) => {
        tallyServed(ticket);
        if (customers.delete(ticket.id)) return leave();
        servedEarly.add(ticket.id);
      },
      isStopped: () => stopped,
    }),
  );

  scheduleArrival();
  for (const member of staff) member.start();
  log.info({ seed: config.seed, counters: config.counters.length }, 'virtual branch open');

  return {
    stats: () => ({ ...stats }),
    byService: () =>
      Object.fromEntries([...tallies].map(([service, figures]) => [service, { ...figures }])),
    byCounter: () =>
      Object.fromEntries(
        [...counterTallies].map(([counter, figures]) => [
          counter,
          { ...figures, waitsSeconds: [...figures.waitsSeconds] },
        ]),
      ),
    inBranch: () => inside,
    stopArrivals: () => {
      arriving = false;
    },
    setFault: (fault, on) => {
      if (on) faults.add(fault);
      else faults.delete(fault);
    },
    stop: () => {
      stopped = true;
      arriving = false;
      for (const timer of timers) timer.cancel();
      timers.clear();
    },
  };
}

function segmentOf(draw: number, shares: SimulatorConfig['customers']['segments']) {
  if (draw < shares.vip) return 'vip' as const;
  if (draw < shares.vip + shares.elderly) return 'elderly' as const;
  if (draw < shares.vip + shares.elderly + shares.disabled) return 'disabled' as const;
  return undefined;
}

/** The ticket in an ok answer, or null for an error answer. */
function ticketOf(reply: Reply): Ticket | null {
  if (reply.status !== 'ok') return null;

  const parsed = Ticket.safeParse(reply.data);
  return parsed.success ? parsed.data : null;
}

interface StaffOptions {
  counter: SimulatorConfig['counters'][number];
  config: SimulatorConfig;
  clock: Clock;
  later: (simulatedMs: number, task: () => void) => void;
  ask: (message: MessageOf<'queueCounterCommand'>) => Promise<Reply | null>;
  nextRequestId: () => string;
  stats: SimulatorStats;
  served: (ticket: Ticket) => void;
  isStopped: () => boolean;
}

/**
 * One counter's clerk: calls the next ticket when idle, serves for an exponential time,
 * ends the service, and asks again; on an empty queue or a refusal waits a poll interval.
 */
function counterStaff(options: StaffOptions) {
  const { config, counter, stats } = options;
  const serviceTimes = random(config.seed, `counter ${counter.id}`);
  const pollMs = config.idlePollSeconds * 1000;

  const command = (action: 'call-next' | 'end') =>
    options.ask({ requestId: options.nextRequestId(), replyTo: config.devices.counters, action });

  const callNext = async () => {
    const reply = await command('call-next');
    if (!reply || options.isStopped()) return;

    const ticket = ticketOf(reply);
    if (!ticket) {
      if (reply.error?.code !== 'SB_ERR_QUEUE_EMPTY') stats.errors += 1;
      return options.later(pollMs, () => void callNext());
    }

    stats.ticketsCalled += 1;
    const serviceMs = serviceTimes.exponential(counter.serviceMinutesMean * minuteMs);
    options.later(serviceMs, () => void end());
  };

  const end = async () => {
    const reply = await command('end');
    if (!reply || options.isStopped()) return;

    const ended = ticketOf(reply);
    if (ended) {
      stats.ticketsServed += 1;
      options.served(ended);
      return void callNext();
    }

    stats.errors += 1;
    options.later(pollMs, () => void callNext());
  };

  return { start: () => void callNext() };
}
