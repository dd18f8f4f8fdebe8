/**
 * Queue benchmarks (issue 5): the call-next decision with 1,000 waiting tickets across 10
 * services and 20 counters, and ticket issued → board updated over the bus.
 * Run: `node --import tsx bench/queue.ts`. Prints one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { createRegistry, silentLogger, systemClock } from '../core/index.ts';
import { startBus } from '../edge/bus/index.ts';
import { type Queue, QueueConfig, startQueue } from '../edge/queue/index.ts';
import { ledger } from '../edge/queue/ledger.ts';
import { type Db, openStore } from '../edge/store/index.ts';
import { decodeMessage, topic, topicFilter } from '../protocol/index.ts';

const branch = 'bench';
const services = Array.from({ length: 10 }, (_, index) => ({
  id: `service-${index}`,
  name: `Service ${index}`,
  prefix: String.fromCharCode(65 + index),
  priority: index % 3,
  targetWaitMinutes: 10 + index,
}));
// Each counter serves three neighbouring services, so skills overlap as in a real branch.
const counters = Array.from({ length: 20 }, (_, index) => ({
  id: `counter-${index}`,
  name: `Counter ${index}`,
  services: [0, 1, 2].map((offset) => `service-${(index + offset) % 10}`),
}));

function percentile(values: number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? 0;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

const summary = (timings: number[]) => ({
  p50Ms: round(percentile(timings, 0.5)),
  p99Ms: round(percentile(timings, 0.99)),
});

/**
 * Three figures per call: the choice alone (the calling rule's query), the whole decision
 * (one SQLite transaction with its writes), and the queue's call-next as a caller sees it,
 * which also reads and publishes the new state.
 */
async function callNext(queue: Queue, db: Db) {
  const book = ledger(db);
  let requests = 0;
  const issue = (index: number) =>
    queue.issue({
      requestId: `i${++requests}`,
      service: `service-${index % 10}`,
      source: 'bus',
      ...(index % 7 === 0 ? { segment: 'vip' } : {}),
    });
  for (let index = 0; index < 1000; index++) issue(index);

  const choice: number[] = [];
  const whole: number[] = [];
  for (let call = 0; call < 2000; call++) {
    const counter = counters[call % 20] as (typeof counters)[number];
    let started = performance.now();
    book.next(counter.services, Date.now());
    choice.push(performance.now() - started);

    started = performance.now();
    queue.command(counter.id, { requestId: `c${++requests}`, action: 'call-next' });
    whole.push(performance.now() - started);
    // Keep 1,000 waiting: every call takes one, a new one arrives.
    issue(call);
    // Let the bus deliver what the call published, as it would between two real calls.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    calls: whole.length,
    waiting: queue.stats().waiting,
    choice: summary(choice),
    callNextWithStatePublish: summary(whole),
  };
}

async function issuedToBoard(url: string) {
  const kiosk = await mqtt.connectAsync(url, { username: 'kiosk', password: 'bench' });
  const board = await mqtt.connectAsync(url, { username: 'board', password: 'bench' });
  let waitingFor: { issued: number; resolve: () => void } | null = null;
  board.on('message', (_topic, payload) => {
    const decoded = decodeMessage('queueState', payload);
    if (decoded.ok && waitingFor && decoded.message.issuedToday >= waitingFor.issued) {
      waitingFor.resolve();
      waitingFor = null;
    }
  });
  await board.subscribeAsync(topicFilter('queueState', { branch }), { qos: 1 });

  const timings: number[] = [];
  for (let index = 0; index < 200; index++) {
    const issued = 1000 + 2000 + index + 1;
    const started = performance.now();
    const seen = new Promise<void>((resolve) => {
      waitingFor = { issued, resolve };
    });
    kiosk.publish(
      topic('queueIssue', { branch }),
      JSON.stringify({ requestId: `k${index}`, service: 'service-0', source: 'kiosk' }),
      { qos: 1 },
    );
    await seen;
    timings.push(performance.now() - started);
  }
  await kiosk.endAsync();
  await board.endAsync();
  return {
    tickets: timings.length,
    p50Ms: round(percentile(timings, 0.5)),
    p95Ms: round(percentile(timings, 0.95)),
  };
}

export async function runQueueBench() {
  const folder = mkdtempSync(join(tmpdir(), 'sb-bench-queue-'));
  const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
  const store = openStore(join(folder, 'gateway.sqlite'), context);
  const bus = await startBus(
    {
      branch,
      port: 0,
      clients: [
        {
          username: 'kiosk',
          password: 'bench',
          publish: [topicFilter('queueIssue', { branch })],
          subscribe: [],
        },
        {
          username: 'board',
          password: 'bench',
          publish: [],
          subscribe: [topicFilter('queueState', { branch })],
        },
      ],
    },
    context,
  );
  const config = QueueConfig.parse({
    timeZone: 'Europe/Berlin',
    services,
    counters,
    stateRefreshMs: 3_600_000,
  });
  const queue = await startQueue(
    { branch, config, db: store.db, bus, recordMinute: () => {} },
    context,
  );

  try {
    return {
      callNext: await callNext(queue, store.db),
      issuedToBoard: await issuedToBoard(bus.url),
    };
  } finally {
    await queue.stop();
    await bus.close();
    store.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runQueueBench(), null, 2));
}
