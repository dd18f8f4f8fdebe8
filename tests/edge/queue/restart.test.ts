import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, tempDir } from '../../support/context.ts';
import { type Gateway, requestId, startGateway } from './harness.ts';

let dir: ReturnType<typeof tempDir>;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.stop();
  dir.remove();
});

describe('queue restart', () => {
  it('keeps every ticket, counter and number after reopening the same SQLite file', async () => {
    dir = tempDir('sb-queue-restart-');
    const clock = manualClock();
    gateway = await startGateway({ dir: dir.path, clock });
    const issue = (id = requestId()) =>
      (gateway as Gateway).queue.issue({ requestId: id, service: 'cash', source: 'kiosk' });
    const first = issue('kiosk-7');
    issue();
    issue();
    gateway.queue.command('3', { requestId: 'c3-a', action: 'call-next' });
    gateway.queue.command('4', { requestId: requestId(), action: 'pause' });
    const before = gateway.queue.state();
    await gateway.stop();

    gateway = await startGateway({ dir: dir.path, clock });

    expect(gateway.queue.state()).toEqual(before);
    expect(issue().number).toBe('A004');
    expect(issue('kiosk-7')).toEqual({
      ...first,
      state: 'called',
      calledAt: clock.now(),
      counter: '3',
    });
    expect(gateway.queue.command('3', { requestId: 'c3-a', action: 'call-next' })?.id).toBe(
      first.id,
    );
    expect(gateway.queue.stats()).toMatchObject({ issued: 1, waiting: 3, called: 1 });
  });
});
