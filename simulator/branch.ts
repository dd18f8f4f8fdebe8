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

export interface Links {
  kiosk: Link;
  door: Link;
  counter: Link;
}

export interface VirtualBranch {
  stats(): SimulatorStats;
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
  const stats: SimulatorStats = { customersArrived: 0, ticketsRequested: 0, ticketsIssued: 0,
    ticketsCalled: 0, ticketsServed: 0, doorEvents: 0, errors: 0 };
  const timers = new Set<Timer>();
  const arrivals = random(config.seed, 'arrivals');
  const mix = random(config.seed, 'service mix');
  const runId = `${config.seed}-${clock.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let inside = 0;
  let requests = 0;
  let stopped = false;
  let arriving = config.customers.arrivalsPerHour > 0;
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

  const send = <C extends Channel>(link: Link, channel: C, params: Omit<TopicParams<C>, 'branch'>,
    message: MessageOf<C>, retain = false) =>
    link.publish(topic(channel, { ...params, branch: config.branch } as TopicParams<C>),
      encodeMessage(channel, message), retain);

  const ask = <C extends 'queueIssue' | 'queueCounterCommand'>(link: Link, channel: C,
    params: Omit<TopicParams<C>, 'branch'>, message: MessageOf<C>) =>
    link.request(topic(channel, { ...params, branch: config.branch } as TopicParams<C>),
      encodeMessage(channel, message), message.requestId);

  const nextRequestId = () => `sim-${runId}-${++requests}`;

  const door = (direction: 'entry' | 'exit') => {
    stats.doorEvents += 1;
    send(links.door, 'deviceTelemetry', { device: config.devices.door }, {
      device: config.devices.door, at: Math.floor(clock.now()), kind: 'door',
      values: { direction, inside },
    });
  };

  const leave = () => {
    inside = Math.max(0, inside - 1);
    door('exit');
  };

  const takeTicket = async () => {
    stats.ticketsRequested += 1;
    const reply = await ask(links.kiosk, 'queueIssue', {}, {
      requestId: nextRequestId(), replyTo: config.devices.kiosk, source: 'kiosk',
      service: mix.pick(config.customers.serviceMix),
    });
    if (!reply || stopped) return;

    const ticket = ticketOf(reply);
    if (!ticket) {
      stats.errors += 1;
      return leave();
    }

    stats.ticketsIssued += 1;
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
    if (!arriving) return;

    const gapMs = arrivals.exponential(3_600_000 / config.customers.arrivalsPerHour);
    later(gapMs, () => {
      if (!arriving) return;

      arrive();
      scheduleArrival();
    });
  };

  const staff = config.counters.map((counter) => counterStaff({
    counter, config, clock, later, ask: (message) => ask(links.counter, 'queueCounterCommand',
      { counter: counter.id }, message), nextRequestId, stats,
    served: (ticketId) => {
      if (customers.delete(ticketId)) return leave();
      servedEarly.add(ticketId);
    },
    isStopped: () => stopped,
  }));

  scheduleArrival();
  for (const member of staff) member.start();
  log.info({ seed: config.seed, counters: config.counters.length }, 'virtual branch open');

  return {
    stats: () => ({ ...stats }),
    inBranch: () => inside,
    stopArrivals: () => {
      arriving = false;
    },
    stop: () => {
      stopped = true;
      arriving = false;
      for (const timer of timers) timer.cancel();
      timers.clear();
    },
  };
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
  served: (ticketId: string) => void;
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
    options.later(serviceMs, () => void end(ticket.id));
  };

  const end = async (ticketId: string) => {
    const reply = await command('end');
    if (!reply || options.isStopped()) return;

    if (ticketOf(reply)) {
      stats.ticketsServed += 1;
      options.served(ticketId);
      return void callNext();
    }

    stats.errors += 1;
    options.later(pollMs, () => void callNext());
  };

  return { start: () => void callNext() };
}
