import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type Cloud, startCloud } from '../../cloud/index.ts';
import type { ManualClock } from '../../core/index.ts';
import { type EnrolResponse, Stream, type UplinkRecord } from '../../protocol/index.ts';
import { audienceRecord, enrol, GatewayPeer, queueRecord } from './peer.ts';
import {
  postgresTarget,
  type StoreTarget,
  sqliteTarget,
  storeDialects,
  tempFolder,
  testConfig,
  testContext,
} from './support.ts';

const dialects = await storeDialects();
const folder = tempFolder();
const schemas: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const drop of schemas) await drop();
  folder.remove();
});

function target(dialect: 'sqlite' | 'postgres', name: string): StoreTarget {
  if (dialect === 'sqlite') return sqliteTarget(folder.path, `${name}.db`);

  const postgres = postgresTarget();
  schemas.push(postgres.drop);
  return postgres;
}

interface Harness {
  cloud: Cloud;
  clock: ManualClock;
  peer: GatewayPeer;
  enrolment: EnrolResponse;
}

const running: Harness[] = [];

afterEach(async () => {
  for (const harness of running.splice(0)) {
    await harness.peer.stop();
    await harness.cloud.stop();
  }
});

async function harness(
  storeTarget: StoreTarget,
  overrides: Record<string, unknown> = {},
): Promise<Harness> {
  const context = testContext();
  const cloud = await startCloud(testConfig(storeTarget, overrides), context);
  const enrolment = await enrol(
    cloud.httpUrl,
    await cloud.createEnrolmentToken('north#1'),
    'gw-north',
  );
  const peer = await GatewayPeer.start(enrolment, context.clock.now);
  const started = { cloud, clock: context.clock, peer, enrolment };
  running.push(started);
  return started;
}

/** One pull interval of the cloud's clock, then wait (in real time) for what it set off. */
async function pullRound(h: Harness, settled: () => Promise<boolean>) {
  const asked = h.peer.pulls.length;
  await h.clock.advance(1000);
  await vi.waitFor(() => expect(h.peer.pulls.length).toBeGreaterThan(asked), { timeout: 5000 });
  await vi.waitFor(async () => expect(await settled()).toBe(true), { timeout: 5000 });
}

const seqs = (records: UplinkRecord[]) => records.map((record) => record.seq);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function cursorOf(cloud: Cloud, stream: 'audience' | 'queue') {
  const stats = await cloud.stats();
  return stats.streams.find((entry) => entry.gateway === 'gw-north' && entry.stream === stream)
    ?.cursor;
}

describe.each(dialects)('the puller on %s', (dialect) => {
  it('stores every record exactly once and moves the cursor to the last', async () => {
    const h = await harness(target(dialect, 'exactly-once'));
    h.peer.held.audience.push(...range(1, 5).map((seq) => audienceRecord(seq)));
    h.peer.held.queue.push(...range(1, 3).map((seq) => queueRecord(seq)));

    await pullRound(
      h,
      async () =>
        (await cursorOf(h.cloud, 'audience')) === 5 && (await cursorOf(h.cloud, 'queue')) === 3,
    );
    h.peer.held.audience.push(audienceRecord(6));
    await pullRound(h, async () => (await cursorOf(h.cloud, 'audience')) === 6);

    expect(await h.cloud.records('gw-north', 'audience')).toEqual(
      range(1, 6).map((seq) => audienceRecord(seq)),
    );
    expect(seqs(await h.cloud.records('gw-north', 'queue'))).toEqual([1, 2, 3]);
    const stats = await h.cloud.stats();
    expect(stats.streams.filter((entry) => entry.records > 0)).toEqual([
      { gateway: 'gw-north', stream: 'audience', records: 6, cursor: 6 },
      { gateway: 'gw-north', stream: 'queue', records: 3, cursor: 3 },
    ]);
    expect(stats.streams.map((entry) => entry.stream).sort()).toEqual([...Stream.options].sort());
  });

  it('drains a backlog larger than one pull within one interval', async () => {
    const h = await harness(target(dialect, 'drain'), {
      pull: { intervalMs: 1000, limit: 40, timeoutMs: 5000 },
    });
    h.peer.held.audience.push(...range(1, 130).map((seq) => audienceRecord(seq)));

    await pullRound(h, async () => (await cursorOf(h.cloud, 'audience')) === 130);

    expect(seqs(await h.cloud.records('gw-north', 'audience'))).toEqual(range(1, 130));
    const afters = h.peer.pulls
      .filter((pull) => pull.stream === 'audience')
      .map((pull) => pull.after);
    expect(afters).toEqual([0, 40, 80, 120]);
  });

  it('changes nothing for a duplicate answer of the same pull', async () => {
    const h = await harness(target(dialect, 'duplicate'));
    h.peer.held.audience.push(...range(1, 3).map((seq) => audienceRecord(seq)));
    h.peer.script = (_request, honest) => [honest, honest, honest];

    // Each stream's first answer is stored, its two copies are stale.
    await pullRound(h, async () => {
      const stats = await h.cloud.stats();
      return (
        stats.pulls.stale === 2 * Stream.options.length &&
        (await cursorOf(h.cloud, 'audience')) === 3
      );
    });

    expect(seqs(await h.cloud.records('gw-north', 'audience'))).toEqual([1, 2, 3]);
    expect(await cursorOf(h.cloud, 'audience')).toBe(3);
  });
});

describe('the puller facing answers that do not match its pull', () => {
  it('ignores an answer for another pull id, and one from an older cursor', async () => {
    const h = await harness(target('sqlite', 'stale'), {
      pull: { intervalMs: 1000, limit: 500, timeoutMs: 2500 },
    });
    h.peer.held.audience.push(...range(1, 4).map((seq) => audienceRecord(seq)));
    h.peer.script = (request, honest) =>
      request.stream === 'audience'
        ? [
            { ...honest, pullId: 'someone-else' },
            { ...honest, after: request.after + 2, records: honest.records.slice(2) },
          ]
        : [honest];

    await pullRound(h, async () => (await h.cloud.stats()).pulls.stale >= 2);

    expect(await h.cloud.records('gw-north', 'audience')).toEqual([]);
    expect(await cursorOf(h.cloud, 'audience')).toBe(0);

    // The pull stays in flight until its timeout; the next one is answered honestly.
    h.peer.script = (_request, honest) => [honest];
    await h.clock.advance(3000);
    await vi.waitFor(async () => expect(await cursorOf(h.cloud, 'audience')).toBe(4), {
      timeout: 15_000,
    });
    expect(seqs(await h.cloud.records('gw-north', 'audience'))).toEqual([1, 2, 3, 4]);
  });

  it('stores records out of order once each, and none at or below the cursor', async () => {
    const h = await harness(target('sqlite', 'out-of-order'));
    h.peer.held.audience.push(...range(1, 3).map((seq) => audienceRecord(seq)));
    await pullRound(h, async () => (await cursorOf(h.cloud, 'audience')) === 3);
    h.peer.script = (request, honest) =>
      request.stream === 'audience'
        ? [
            {
              ...honest,
              records: [
                audienceRecord(6),
                audienceRecord(2, 1),
                audienceRecord(4),
                audienceRecord(5),
              ],
              lastSeq: 6,
            },
          ]
        : [honest];

    await pullRound(h, async () => (await cursorOf(h.cloud, 'audience')) === 6);

    const stored = await h.cloud.records('gw-north', 'audience');
    expect(seqs(stored)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stored[1]).toEqual(audienceRecord(2));
  });

  it('drops a pull unanswered within the timeout and asks again from the same cursor', async () => {
    const h = await harness(target('sqlite', 'timeout'), {
      pull: { intervalMs: 1000, limit: 500, timeoutMs: 2500 },
    });
    h.peer.held.audience.push(audienceRecord(1));
    h.peer.script = () => [];
    await pullRound(h, async () => true);

    h.peer.script = (_request, honest) => [honest];
    await h.clock.advance(3000);
    await vi.waitFor(async () => expect(await cursorOf(h.cloud, 'audience')).toBe(1), {
      timeout: 15_000,
    });

    const audiencePulls = h.peer.pulls.filter((pull) => pull.stream === 'audience');
    expect(audiencePulls.map((pull) => pull.after)).toEqual([0, 0]);
    expect(new Set(audiencePulls.map((pull) => pull.pullId)).size).toBe(2);
    // Every stream's first pull went unanswered.
    expect((await h.cloud.stats()).pulls.timeouts).toBe(Stream.options.length);
    expect(seqs(await h.cloud.records('gw-north', 'audience'))).toEqual([1]);
  });
});

describe('the puller facing malformed answers', () => {
  const malformed: Array<[string, (honest: object) => string]> = [
    ['bad JSON', () => '{"pullId": '],
    ['a wrong schema', (honest) => JSON.stringify({ ...honest, lastSeq: 'many' })],
    [
      'a record kind not in the schemas',
      (honest) =>
        JSON.stringify({ ...honest, records: [{ ...audienceRecord(1), kind: 'face.crop' }] }),
    ],
    [
      'a record of the other stream',
      (honest) => JSON.stringify({ ...honest, records: [queueRecord(1)] }),
    ],
    [
      'a gateway that is not the publisher',
      (honest) => JSON.stringify({ ...honest, gateway: 'gw-south' }),
    ],
  ];

  it.each(malformed)('refuses %s and stores nothing', async (_name, corrupt) => {
    const h = await harness(target('sqlite', `malformed-${_name.replaceAll(' ', '-')}`));
    h.peer.held.audience.push(audienceRecord(1));
    h.peer.script = (request, honest) =>
      request.stream === 'audience' ? [corrupt(honest)] : [honest];

    await pullRound(h, async () => (await h.cloud.stats()).pulls.refused >= 1);

    expect(await h.cloud.records('gw-north', 'audience')).toEqual([]);
    expect(await cursorOf(h.cloud, 'audience')).toBe(0);
    const health = await fetch(`${h.cloud.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});

describe('the cursor across a cloud restart', () => {
  it('carries on from the stored cursor with the same SQLite file', async () => {
    const storeTarget = target('sqlite', 'restart');
    const first = await harness(storeTarget);
    first.peer.held.audience.push(...range(1, 4).map((seq) => audienceRecord(seq)));
    await pullRound(first, async () => (await cursorOf(first.cloud, 'audience')) === 4);
    await first.peer.stop();
    await first.cloud.stop();
    running.splice(running.indexOf(first), 1);

    const context = testContext();
    const cloud = await startCloud(testConfig(storeTarget), context);
    const peer = await GatewayPeer.start(
      await enrol(cloud.httpUrl, await cloud.createEnrolmentToken('north#1'), 'gw-north'),
      context.clock.now,
    );
    const second = { cloud, clock: context.clock, peer, enrolment: first.enrolment };
    running.push(second);
    peer.held.audience.push(...range(1, 7).map((seq) => audienceRecord(seq)));
    await pullRound(second, async () => (await cursorOf(cloud, 'audience')) === 7);

    expect(peer.pulls.find((pull) => pull.stream === 'audience')?.after).toBe(4);
    expect(seqs(await cloud.records('gw-north', 'audience'))).toEqual(range(1, 7));
  });
});
