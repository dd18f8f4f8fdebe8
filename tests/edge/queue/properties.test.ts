import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSmartBranchError } from '../../../core/index.ts';
import { type Bus, startBus } from '../../../edge/bus/index.ts';
import { QueueConfig, type QueueConfigInput, startQueue } from '../../../edge/queue/index.ts';
import { openStore } from '../../../edge/store/index.ts';
import type { Ticket } from '../../../protocol/index.ts';
import { manualClock, tempDir, testContext } from '../../support/context.ts';
import { branch } from './harness.ts';

const stepMinutes = 5;
const stepMs = stepMinutes * 60_000;
const config = QueueConfig.parse({
  timeZone: 'Europe/Berlin',
  services: [
    { id: 'cash', name: 'Cash', prefix: 'A', priority: 0, targetWaitMinutes: 10 },
    { id: 'cards', name: 'Cards', prefix: 'B', priority: 2, targetWaitMinutes: 5 },
    { id: 'advice', name: 'Advice', prefix: 'C', priority: 1, targetWaitMinutes: 20 },
  ],
  counters: [
    { id: '3', name: 'Window 3', services: ['cash', 'cards'] },
    { id: '4', name: 'Window 4', services: ['cash', 'advice'] },
    { id: '5', name: 'Desk 5', services: ['advice', 'cards'] },
  ],
  ageingStepMinutes: stepMinutes,
} satisfies QueueConfigInput);

const counterServices = new Map(config.counters.map((counter) => [counter.id, counter.services]));
const serviceClass = new Map(config.services.map((service) => [service.id, service.priority]));
const classOf = (ticket: Ticket) =>
  (serviceClass.get(ticket.service) ?? 0) +
  (ticket.segment ? config.segmentBoost[ticket.segment] : 0);
const effective = (ticket: Ticket, now: number) =>
  classOf(ticket) + Math.trunc((now - ticket.issuedAt) / stepMs);

type Step =
  | { kind: 'issue'; service: string; segment: Ticket['segment'] | null }
  | { kind: 'wait'; ms: number }
  | { kind: 'call' | 'end'; counter: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('issue' as const),
    service: fc.constantFrom('cash', 'cards', 'advice'),
    segment: fc.constantFrom(null, 'vip' as const, 'elderly' as const, 'disabled' as const),
  }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 4 * stepMs }) }),
  fc.record({
    kind: fc.constantFrom('call' as const, 'end' as const),
    counter: fc.constantFrom('3', '4', '5'),
  }),
);

const dir = tempDir('sb-queue-prop-');
let bus: Bus;
let runs = 0;

beforeAll(async () => {
  bus = await startBus({ branch, port: 0, clients: [] }, testContext());
});

afterAll(async () => {
  await bus.close();
  dir.remove();
});

interface Trace {
  issued: Ticket[];
  served: Map<string, number>;
  violations: string[];
}

/** Plays the steps on a fresh queue, checking every call against every waiting ticket. */
async function play(steps: Step[]): Promise<Trace> {
  // 00:30 in Berlin: the longest run (60 waits of 20 minutes) stays within one queue day.
  const clock = manualClock(Date.parse('2026-01-04T23:30:00Z'));
  const context = testContext(clock);
  const store = openStore(join(dir.path, `run-${++runs}.sqlite`), context);
  const queue = await startQueue(
    { branch, config, db: store.db, bus, recordMinute: () => {} },
    context,
  );
  const waiting = new Map<string, Ticket>();
  const held = new Map<string, string>();
  const trace: Trace = { issued: [], served: new Map(), violations: [] };
  let requests = 0;
  const nextId = () => `q${++requests}`;

  const served = (id: string | undefined) => {
    if (id !== undefined) trace.served.set(id, (trace.served.get(id) ?? 0) + 1);
  };
  const command = (counter: string, action: 'call-next' | 'end') =>
    attempt(() => queue.command(counter, { requestId: nextId(), action }));

  const call = (counter: string) => {
    const eligible = [...waiting.values()].filter((ticket) =>
      counterServices.get(counter)?.includes(ticket.service),
    );
    const ticket = command(counter, 'call-next');
    if (!ticket) return void (eligible.length && trace.violations.push(`${counter} found none`));

    // A call at a counter still holding a ticket serves that ticket first.
    served(held.get(counter));
    held.set(counter, ticket.id);
    waiting.delete(ticket.id);
    checkChoice(ticket, eligible, clock.now(), trace.violations);
  };

  const end = (counter: string) => {
    const ticket = command(counter, 'end');
    if (!ticket) return;

    served(ticket.id);
    held.delete(counter);
  };

  for (const entry of steps) {
    if (entry.kind === 'wait') await clock.advance(entry.ms);
    if (entry.kind === 'issue') {
      const ticket = queue.issue({
        requestId: nextId(),
        service: entry.service,
        source: 'bus',
        ...(entry.segment ? { segment: entry.segment } : {}),
      });
      waiting.set(ticket.id, ticket);
      trace.issued.push(ticket);
    }
    if (entry.kind === 'call') call(entry.counter);
    if (entry.kind === 'end') end(entry.counter);
  }

  for (const counter of ['3', '4', '5']) {
    end(counter);
    while (
      waiting.size &&
      [...waiting.values()].some((ticket) => counterServices.get(counter)?.includes(ticket.service))
    ) {
      call(counter);
      end(counter);
    }
  }
  await queue.stop();
  store.close();
  return trace;
}
/** The called ticket must outrank every eligible waiting one, and so never overtake by much. */
function checkChoice(called: Ticket, eligible: Ticket[], now: number, violations: string[]) {
  for (const other of eligible) {
    if (other.id === called.id) continue;

    const [mine, theirs] = [effective(called, now), effective(other, now)];
    if (theirs > mine || (theirs === mine && other.issuedAt < called.issuedAt)) {
      violations.push(`${called.number} called before ${other.number}`);
    }
    // Bounded ageing: a ticket is never overtaken by one issued a full class gap later.
    const gap = (classOf(called) - classOf(other) + 1) * stepMs;
    if (called.issuedAt - other.issuedAt >= gap) {
      violations.push(
        `${called.number} overtook ${other.number} by ${called.issuedAt - other.issuedAt} ms`,
      );
    }
  }
}

/** The answer of a command, or null for a refusal the rules allow (empty queue, nothing held). */
function attempt(run: () => Ticket | null): Ticket | null {
  try {
    return run();
  } catch (err) {
    if (isSmartBranchError(err) && ['SB_ERR_QUEUE_EMPTY', 'SB_ERR_CONFLICT'].includes(err.code)) {
      return null;
    }
    throw err;
  }
}

describe('calling rules (property-based)', () => {
  it('loses no ticket, serves none twice, honours class and ageing, and bounds every wait', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60 }), async (steps) => {
        const trace = await play(steps);

        expect(trace.violations).toEqual([]);
        expect(new Set(trace.issued.map((ticket) => ticket.number + ticket.day)).size).toBe(
          trace.issued.length,
        );
        for (const ticket of trace.issued) expect(trace.served.get(ticket.id)).toBe(1);
        expect(trace.served.size).toBe(trace.issued.length);
      }),
      { numRuns: 60 },
    );
  });
});
