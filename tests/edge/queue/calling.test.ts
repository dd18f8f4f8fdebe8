import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSmartBranchError } from '../../../core/index.ts';
import type { QueueCounterCommand } from '../../../protocol/index.ts';
import { manualClock, tempDir } from '../../support/context.ts';
import { type Gateway, requestId, startGateway } from './harness.ts';

let dir: ReturnType<typeof tempDir>;
let clock: ReturnType<typeof manualClock>;
let gateway: Gateway;

beforeEach(async () => {
  dir = tempDir('sb-queue-');
  clock = manualClock();
  gateway = await startGateway({ dir: dir.path, clock });
});

afterEach(async () => {
  await gateway.stop();
  dir.remove();
});

const issue = (service: string, segment?: 'vip' | 'elderly' | 'disabled') =>
  gateway.queue.issue({
    requestId: requestId(),
    service,
    source: 'kiosk',
    ...(segment ? { segment } : {}),
  });

const command = (counter: string, action: QueueCounterCommand['action'], extra = {}) =>
  gateway.queue.command(counter, { requestId: requestId(), action, ...extra });

/** The code of the SmartBranchError `run` throws. */
function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (isSmartBranchError(err)) return err.code;
    throw err;
  }
  throw new Error('expected an error');
}

describe('issuing tickets', () => {
  it('numbers tickets per service from 001 with the service prefix', () => {
    const numbers = [issue('cash'), issue('cash'), issue('cards'), issue('cash')].map(
      (ticket) => ticket.number,
    );

    expect(numbers).toEqual(['A001', 'A002', 'B001', 'A003']);
  });

  it('gives a repeated request id the same ticket and issues nothing more', () => {
    const request = { requestId: 'kiosk-1-77', service: 'cash', source: 'kiosk' as const };

    const first = gateway.queue.issue(request);
    const again = gateway.queue.issue(request);

    expect(again).toEqual(first);
    expect(gateway.queue.stats()).toMatchObject({ issued: 1, waiting: 1 });
  });

  it('refuses an unknown service by its path and changes nothing', () => {
    issue('cash');
    const before = gateway.queue.state();

    let error: unknown;
    try {
      issue('mortgages');
    } catch (err) {
      error = err;
    }

    expect(isSmartBranchError(error) && error.toBody()).toMatchObject({
      code: 'SB_ERR_UNKNOWN_SERVICE',
      path: 'service',
    });
    expect(gateway.queue.state()).toEqual(before);
    expect(issue('cash').number).toBe('A002');
  });
});

describe('calling', () => {
  it('calls the higher class first, then the longest waiting', async () => {
    issue('cash');
    await clock.advance(1000);
    issue('cash');
    issue('cards');

    const calls = [command('3', 'call-next'), command('4', 'call-next')];

    expect(calls.map((ticket) => ticket?.number)).toEqual(['B001', 'A001']);
  });

  it('lets a customer segment raise a ticket above its service class', async () => {
    issue('cards');
    await clock.advance(1000);
    issue('cash', 'elderly');
    await clock.advance(1000);
    issue('cash', 'vip');

    const first = command('3', 'call-next');

    // cards is class 1; an elderly cash ticket is class 0 + 1 and has waited longer.
    expect(first?.number).toBe('B001');
    expect(command('4', 'call-next')?.number).toBe('A001');
  });

  it("calls only tickets of the counter's own services", () => {
    issue('advice');

    expect(codeOf(() => command('3', 'call-next'))).toBe('SB_ERR_QUEUE_EMPTY');
    command('desk', 'open');
    expect(command('desk', 'call-next')?.number).toBe('C001');
  });

  it('refuses a call at a closed counter and leaves the ticket waiting', () => {
    issue('advice');

    expect(codeOf(() => command('desk', 'call-next'))).toBe('SB_ERR_COUNTER_CLOSED');
    expect(gateway.queue.stats()).toMatchObject({ waiting: 1, called: 0 });
  });

  it('gives a repeated call-next that found the queue empty the same refusal later', () => {
    const empty = { requestId: 'c3-empty', action: 'call-next' as const };
    expect(codeOf(() => gateway.queue.command('3', empty))).toBe('SB_ERR_QUEUE_EMPTY');
    issue('cash');

    // A QoS 1 redelivery of the first call must not call a ticket nobody will hear about.
    expect(codeOf(() => gateway.queue.command('3', empty))).toBe('SB_ERR_QUEUE_EMPTY');
    expect(gateway.queue.stats()).toMatchObject({ waiting: 1, called: 0 });
  });

  it('refuses an unknown counter', () => {
    expect(codeOf(() => command('99', 'call-next'))).toBe('SB_ERR_UNKNOWN_COUNTER');
  });

  it('raises a long-waiting ticket above a stream of higher-class ones (bounded ageing)', async () => {
    const cash = issue('cash');
    const called: string[] = [];

    // A new cards ticket every minute; one counter serves one a minute. Cash is one class
    // below and the ageing step is its 10-minute target, so after 10 minutes it ties the
    // newest cards ticket and wins as the longer waiting one.
    for (let minute = 0; minute < 30 && !called.includes(cash.number); minute++) {
      issue('cards');
      called.push(command('3', 'call-next')?.number ?? '');
      await clock.advance(60_000);
    }

    expect(called).toContain('A001');
    expect(called.indexOf('A001')).toBeLessThanOrEqual(11);
  });

  it('serves the held ticket when the counter calls the next one', () => {
    issue('cash');
    issue('cash');
    const first = command('3', 'call-next');
    command('3', 'call-next');

    expect(first?.number).toBe('A001');
    expect(gateway.queue.stats()).toMatchObject({ served: 1, called: 1, waiting: 0 });
  });

  it('keeps the held ticket when the queue is empty, so an empty call changes nothing', () => {
    issue('cash');
    command('3', 'call-next');

    expect(codeOf(() => command('3', 'call-next'))).toBe('SB_ERR_QUEUE_EMPTY');
    expect(gateway.queue.state().nowServing).toEqual([
      { counter: '3', number: 'A001', service: 'cash' },
    ]);
  });
});

describe('ticket actions', () => {
  it('ends a service and refuses a second end of the finished ticket', () => {
    issue('cash');
    command('3', 'call-next');

    expect(command('3', 'end')?.state).toBe('served');
    expect(codeOf(() => command('3', 'end'))).toBe('SB_ERR_CONFLICT');
    expect(gateway.queue.stats()).toMatchObject({ served: 1, called: 0 });
  });

  it('turns a ticket into a no-show after the configured number of recalls', () => {
    issue('cash');
    command('3', 'call-next');

    const recalls = [1, 2, 3].map(() => command('3', 'recall')?.recalls);
    const last = command('3', 'recall');

    expect(recalls).toEqual([1, 2, 3]);
    expect(last?.state).toBe('no-show');
    expect(gateway.queue.state().nowServing).toEqual([]);
  });

  it('transfers a ticket to another service keeping its number and issue time', async () => {
    const ticket = issue('cash');
    await clock.advance(120_000);
    command('3', 'call-next');
    command('desk', 'open');

    const moved = command('3', 'transfer', { service: 'advice' });

    expect(moved).toMatchObject({
      number: 'A001',
      service: 'advice',
      transferredFrom: 'cash',
      state: 'waiting',
      issuedAt: ticket.issuedAt,
    });
    expect(command('desk', 'call-next')?.id).toBe(ticket.id);
  });

  it('refuses a transfer to an unknown service and keeps the ticket at its counter', () => {
    issue('cash');
    command('3', 'call-next');

    expect(codeOf(() => command('3', 'transfer', { service: 'nowhere' }))).toBe(
      'SB_ERR_UNKNOWN_SERVICE',
    );
    expect(gateway.queue.state().nowServing).toHaveLength(1);
  });

  it('pauses a counter so it calls nothing until opened again', () => {
    issue('cash');
    command('3', 'pause');

    expect(codeOf(() => command('3', 'call-next'))).toBe('SB_ERR_COUNTER_CLOSED');
    command('3', 'open');
    expect(command('3', 'call-next')?.number).toBe('A001');
  });
});

describe('state and estimates', () => {
  it('tells each new ticket the wait expected for it', () => {
    const first = issue('cash');
    const second = issue('cash');
    const third = issue('cash');

    // At the fallback 300 s a service, over two open idle counters: 0, 150 and 300 s.
    expect([first, second, third].map((ticket) => ticket.estimatedWaitSeconds)).toEqual([
      0, 150, 300,
    ]);
    expect(issue('advice').estimatedWaitSeconds).toBeUndefined();
  });

  it('reports waiting counts, counters and an estimate for each service an open counter serves', () => {
    issue('cash');
    issue('cash');
    issue('cards');
    command('3', 'call-next');

    const state = gateway.queue.state();

    expect(state.waiting).toEqual([
      { service: 'cash', count: 2 },
      { service: 'cards', count: 0 },
      { service: 'advice', count: 0 },
    ]);
    expect(state.counters).toEqual([
      { counter: '3', state: 'open' },
      { counter: '4', state: 'open' },
      { counter: 'desk', state: 'closed' },
    ]);
    // Two cash tickets ahead over two open counters at the fallback 300 s per service.
    expect(state.estimates).toEqual([
      { service: 'cash', waitSeconds: 300 },
      { service: 'cards', waitSeconds: 0 },
    ]);
    expect(state).toMatchObject({ day: '2026-01-05', issuedToday: 3, servedToday: 0 });
  });
});
