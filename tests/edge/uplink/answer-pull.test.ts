import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, outbox } from '../../../edge/store/index.ts';
import { answerPull } from '../../../edge/uplink/index.ts';
import { maxPayloadBytes, PullResponse } from '../../../protocol/index.ts';
import { tempDir, testContext } from '../../support/context.ts';

function filledOutbox(count: number, padding = 0) {
  const dir = tempDir();
  const store = openStore(join(dir.path, 'g.db'), testContext());
  const box = outbox(store.db);
  for (let i = 0; i < count; i++) {
    box.append({
      kind: 'queue.minute',
      at: i,
      data: {
        minute: i * 60_000,
        service: `S${'x'.repeat(padding)}`.slice(0, 60),
        issued: i,
        served: i,
        waitSecondsTotal: 1,
        waitSecondsMax: 1,
      },
    });
  }
  return {
    box,
    done: () => {
      store.close();
      dir.remove();
    },
  };
}

describe('answering a pull', () => {
  it('sends the records after the cursor and confirms everything up to it', () => {
    const { box, done } = filledOutbox(5);

    const answer = answerPull(
      { outbox: box, gateway: 'g1' },
      { pullId: 'p1', stream: 'queue', after: 2, limit: 10, at: 0 },
      1000,
    );

    expect(answer.records.map((record) => record.seq)).toEqual([3, 4, 5]);
    expect(answer.lastSeq).toBe(5);
    expect(box.position('queue').confirmedSeq).toBe(2);
    done();
  });

  it('halves an answer until it fits the payload limit, leaving the rest for the next pull', () => {
    const { box, done } = filledOutbox(5000, 60);

    const answer = answerPull(
      { outbox: box, gateway: 'g1' },
      { pullId: 'p1', stream: 'queue', after: 0, limit: 5000, at: 0 },
      1000,
    );

    const size = Buffer.byteLength(JSON.stringify(answer));
    expect(size).toBeLessThanOrEqual(maxPayloadBytes);
    expect(answer.records.length).toBeGreaterThan(100);
    expect(answer.records.length).toBeLessThan(5000);
    expect(answer.records[0]?.seq).toBe(1);
    expect(PullResponse.safeParse(answer).success).toBe(true);
    done();
  });
});
