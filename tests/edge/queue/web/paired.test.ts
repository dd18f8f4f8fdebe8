import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveNamespace, liveSocketPath, pageStrings } from '../../../../edge/queue/web/index.ts';
import type { PrinterJob, QueueState } from '../../../../protocol/index.ts';
import { eventually, tempDir } from '../../../support/context.ts';
import { type Gateway, startGateway } from './harness.ts';

let dir: ReturnType<typeof tempDir>;
let gateway: Gateway;
const sockets: Socket[] = [];

beforeEach(async () => {
  dir = tempDir('sb-queue-web-');
  gateway = await startGateway(dir.path);
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await gateway.stop();
  dir.remove();
});

const kiosk = (path: string, body: unknown, token?: string) =>
  fetch(`${gateway.url}/queue/device${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });

const live = (token: string | undefined) => {
  const socket = connectSocket(`${gateway.url}${liveNamespace}`, {
    path: liveSocketPath,
    auth: token ? { token } : {},
    transports: ['websocket'],
    reconnection: false,
  });
  sockets.push(socket);
  return socket;
};

const connectOutcome = (socket: Socket) =>
  new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err) => resolve(err.message));
  });

describe('pages paired through the screens module', () => {
  it('refuses an unpaired, forged or revoked kiosk and issues nothing', async () => {
    const body = { requestId: 'tap-00000001', service: 'cash' };
    const unpaired = await kiosk('/tickets', body);
    const forged = await kiosk('/tickets', body, 'x'.repeat(43));
    expect(unpaired.status).toBe(401);
    expect(forged.status).toBe(401);
    expect((await forged.json()).error).toMatchObject({ code: 'SB_ERR_UNAUTHENTICATED' });

    const token = await gateway.pair('kiosk-1');
    const player = gateway.screens.control.players().find((entry) => entry.screen === 'kiosk-1');
    gateway.screens.control.revoke(player?.id ?? '');
    expect((await kiosk('/tickets', body, token)).status).toBe(401);
    expect(gateway.queue.state().issuedToday).toBe(0);
  });

  it('lets only a kiosk screen issue: a board or signage token is forbidden', async () => {
    const board = await gateway.pair('board-1');
    const signage = await gateway.pair('tv-1');
    for (const token of [board, signage]) {
      const response = await kiosk(
        '/tickets',
        { requestId: 'tap-00000002', service: 'cash' },
        token,
      );
      expect(response.status).toBe(403);
      expect((await response.json()).error.code).toBe('SB_ERR_FORBIDDEN');
    }
    expect(gateway.queue.state().issuedToday).toBe(0);
  });

  it('issues once per tap, answers a repeat with the same ticket and prints it', async () => {
    const jobs: PrinterJob[] = [];
    await gateway.bus.subscribe('printerJob', { device: 'printer-1' }, (job) => {
      jobs.push(job);
    });
    const token = await gateway.pair('kiosk-1');
    const tap = { requestId: 'tap-00000003', service: 'exchange' };

    const first = await (await kiosk('/tickets', tap, token)).json();
    const repeat = await (await kiosk('/tickets', tap, token)).json();
    expect(first.ticket).toMatchObject({ number: 'F001', service: 'exchange', state: 'waiting' });
    expect(repeat.ticket.id).toBe(first.ticket.id);
    expect(first).toMatchObject({ serviceName: '𠮷野家 🍜 外汇', ahead: 0 });
    await eventually(() => jobs.length >= 1, 'printer job');
    expect(jobs[0]).toMatchObject({
      number: 'F001',
      service: '𠮷野家 🍜 外汇',
      branchName: '测试支行 Test branch',
      ahead: 0,
    });
  });

  it('names the field of a malformed kiosk request', async () => {
    const token = await gateway.pair('kiosk-1');
    const cases: [unknown, string][] = [
      [{ requestId: 'short', service: 'cash' }, 'requestId'],
      [{ requestId: 'tap-00000004' }, 'service'],
      [{ requestId: 'tap-00000004', service: 'cash', source: 'bus' }, 'source'],
    ];
    for (const [body, path] of cases) {
      const response = await kiosk('/tickets', body, token);
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatchObject({ code: 'SB_ERR_INVALID_REQUEST', path });
    }
    const checkIn = await kiosk('/check-in', { requestId: 'tap-00000005', code: '!' }, token);
    expect((await checkIn.json()).error.path).toBe('code');
  });

  it('checks an appointment in by its code into a ticket of its own service', async () => {
    const now = Date.now();
    gateway.queue.book({
      customerRef: 'cust-9',
      service: 'advice',
      slotStart: now,
      slotEnd: now + 1_800_000,
      code: 'MEET-77',
    });
    const token = await gateway.pair('kiosk-1');

    const unknown = await kiosk('/check-in', { requestId: 'tap-00000006', code: 'NONE-1' }, token);
    expect((await unknown.json()).error).toMatchObject({ code: 'SB_ERR_NOT_FOUND' });
    const checked = await kiosk('/check-in', { requestId: 'tap-00000007', code: 'MEET-77' }, token);
    expect(checked.status).toBe(201);
    expect((await checked.json()).ticket).toMatchObject({ number: 'C001', service: 'advice' });
  });

  it('refuses an unpaired or signage socket and greets a paired board with the state', async () => {
    expect(await connectOutcome(live(undefined))).toBe('SB_ERR_UNAUTHENTICATED');
    expect(await connectOutcome(live(await gateway.pair('tv-1')))).toBe('SB_ERR_UNAUTHENTICATED');

    gateway.queue.issue({ requestId: 'seed-2', service: 'cash', source: 'bus' });
    const board = live(await gateway.pair('board-1'));
    const state = await new Promise<QueueState>((resolve) => board.once('state', resolve));
    expect(state.waiting).toContainEqual({ service: 'cash', count: 1 });
  });

  it('drops a connected board within seconds once its token is revoked', async () => {
    const board = live(await gateway.pair('board-1'));
    expect(await connectOutcome(board)).toBe('connected');
    const dropped = new Promise<string>((resolve) => board.once('disconnect', resolve));

    const player = gateway.screens.control.players().find((entry) => entry.screen === 'board-1');
    expect(gateway.screens.control.revoke(player?.id ?? '')).toBe(true);

    expect(await dropped).toBe('io server disconnect');
    board.connect();
    expect(await connectOutcome(board)).toBe('SB_ERR_UNAUTHENTICATED');
  });

  it('keeps the same keys in both languages of the page catalogue, none empty', () => {
    expect(Object.keys(pageStrings.en).sort()).toEqual(Object.keys(pageStrings.zh).sort());
    for (const text of [...Object.values(pageStrings.zh), ...Object.values(pageStrings.en)]) {
      expect(text.trim().length).toBeGreaterThan(0);
    }
    expect(pageStrings.zh['board.title']).not.toBe(pageStrings.en['board.title']);
  });
});
