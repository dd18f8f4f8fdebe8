import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../support/context.ts';
import { type Gateway, session, startGateway } from './harness.ts';

let dir: ReturnType<typeof tempDir>;
let gateway: Gateway;

beforeEach(async () => {
  dir = tempDir('sb-queue-web-');
  gateway = await startGateway(dir.path);
});

afterEach(async () => {
  await gateway.stop();
  dir.remove();
});

const api = (path: string, init: RequestInit & { raw?: boolean } = {}) =>
  fetch(`${gateway.url}/queue/api${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...session, ...init.headers },
  });

const post = (path: string, body: unknown) =>
  api(path, { method: 'POST', body: JSON.stringify(body) });

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: { code: string; path?: string } }).error;

describe('queue REST for technicians', () => {
  it('refuses every route without a session and changes nothing', async () => {
    const routes: [string, string][] = [
      ['GET', '/state'],
      ['POST', '/counters/3/open'],
      ['POST', '/counters/3/pause'],
      ['POST', '/counters/3/close'],
      ['POST', '/counters/3/call-next'],
      ['POST', '/counters/3/end'],
      ['POST', '/counters/3/recall'],
      ['POST', '/counters/3/no-show'],
      ['POST', '/counters/3/transfer'],
      ['POST', '/tickets'],
      ['GET', '/appointments'],
      ['POST', '/appointments'],
      ['POST', '/appointments/import'],
    ];
    gateway.queue.issue({ requestId: 'seed-1', service: 'cash', source: 'bus' });

    for (const [method, path] of routes) {
      const response = await fetch(`${gateway.url}/queue/api${path}`, {
        method,
        headers: { 'content-type': 'application/json', cookie: 'sb_gateway_session=forged' },
        ...(method === 'POST' ? { body: JSON.stringify({ service: 'cash' }) } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect((await errorOf(response)).code).toBe('SB_ERR_UNAUTHENTICATED');
    }
    const state = gateway.queue.state();
    expect(state.issuedToday).toBe(1);
    expect(state.nowServing).toEqual([]);
  });

  it('runs a counter through call, recall, transfer, no-show and end by REST', async () => {
    for (const requestId of ['t1', 't2', 't3']) {
      expect((await post('/tickets', { requestId, service: 'cash' })).status).toBe(201);
    }

    const called = await post('/counters/3/call-next', { requestId: 'call-1' });
    expect((await called.json()).ticket).toMatchObject({ number: 'A001', state: 'called' });
    const repeat = await post('/counters/3/call-next', { requestId: 'call-1' });
    expect((await repeat.json()).ticket.number).toBe('A001');
    const recalled = await post('/counters/3/recall', {});
    expect((await recalled.json()).ticket.recalls).toBe(1);
    const moved = await post('/counters/3/transfer', { service: 'exchange' });
    expect((await moved.json()).ticket).toMatchObject({ service: 'exchange', state: 'waiting' });
    await post('/counters/4/call-next', {});
    const noShow = await post('/counters/4/no-show', {});
    expect((await noShow.json()).ticket.state).toBe('no-show');
    await post('/counters/4/call-next', {});
    const ended = await post('/counters/4/end', {});
    expect((await ended.json()).ticket.state).toBe('served');
    const state = await (await api('/state')).json();
    expect(state.servedToday).toBe(1);
  });

  it('refuses a call at a closed or paused counter with its code and no change', async () => {
    await post('/tickets', { requestId: 't1', service: 'advice' });
    const closed = await post('/counters/desk/call-next', {});
    expect(closed.status).toBe(409);
    expect((await errorOf(closed)).code).toBe('SB_ERR_COUNTER_CLOSED');

    await post('/counters/desk/open', {});
    await post('/counters/desk/pause', {});
    const paused = await post('/counters/desk/call-next', {});
    expect((await errorOf(paused)).code).toBe('SB_ERR_COUNTER_CLOSED');
    expect(gateway.queue.state().waiting).toContainEqual({ service: 'advice', count: 1 });
  });

  it('names the field of every refused body, query and path', async () => {
    const cases: [Promise<Response>, string][] = [
      [post('/tickets', { requestId: 'x', service: 42 }), 'service'],
      [post('/tickets', { requestId: 'x', service: 'cash', colour: 'red' }), 'colour'],
      [post('/tickets', { requestId: 'x', service: 'cash', segment: 'king' }), 'segment'],
      [post('/counters/3/transfer', {}), 'service'],
      [post('/counters/3/dance', {}), 'action'],
      [post('/counters/3/open', { requestId: '' }), 'requestId'],
      [post('/appointments', { customerRef: 'c-1', service: 'cash', slotStart: 0 }), 'slotEnd'],
      [api('/appointments?day=tomorrow'), 'day'],
      [api('/tickets', { method: 'POST', body: '{"service": ' }), 'body'],
    ];

    for (const [request, path] of cases) {
      const response = await request;
      expect(response.status, path).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: 'SB_ERR_INVALID_REQUEST', path });
    }
    expect(gateway.queue.state().issuedToday).toBe(0);
  });

  it('refuses a transfer to an unknown service and leaves the ticket held', async () => {
    await post('/tickets', { requestId: 't1', service: 'cash' });
    await post('/counters/3/call-next', {});
    const refused = await post('/counters/3/transfer', { service: 'mortgages' });
    expect((await errorOf(refused)).code).toBe('SB_ERR_UNKNOWN_SERVICE');
    expect(gateway.queue.state().nowServing).toEqual([
      { counter: '3', number: 'A001', service: 'cash' },
    ]);
  });

  it('books, imports and lists appointments, refusing a bad import whole', async () => {
    const now = Date.now();
    const booked = await post('/appointments', {
      customerRef: 'cust-1',
      service: 'advice',
      slotStart: now,
      slotEnd: now + 1_800_000,
      code: 'BOOK-1',
    });
    expect(booked.status).toBe(201);
    const csv = [
      'customerRef,service,slotStart,slotEnd,code',
      `cust-2,cash,${new Date(now + 3_600_000).toISOString()},${new Date(now + 5_400_000).toISOString()},CSV-2`,
    ].join('\n');
    const imported = await api('/appointments/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(imported.status).toBe(201);
    const bad = await api('/appointments/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'customerRef,service,slotStart,slotEnd\ncust-3,nowhere,x,y',
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).code).toBe('SB_ERR_INVALID_REQUEST');

    const listed = await (await api('/appointments')).json();
    expect(listed.appointments.map((entry: { code: string }) => entry.code).sort()).toEqual(
      ['BOOK-1', 'CSV-2'].filter((code) => code !== 'CSV-2' || sameDay(now, now + 3_600_000)),
    );
  });
});

/** Whether two instants fall on the same day in Shanghai, where the test queue runs. */
function sameDay(a: number, b: number): boolean {
  const day = (at: number) => new Date(at + 8 * 3_600_000).toISOString().slice(0, 10);
  return day(a) === day(b);
}
