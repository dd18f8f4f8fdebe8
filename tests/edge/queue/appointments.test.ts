import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSmartBranchError } from '../../../core/index.ts';
import { AppointmentImportError } from '../../../edge/queue/index.ts';
import { manualClock, tempDir } from '../../support/context.ts';
import { type Gateway, requestId, startGateway } from './harness.ts';

// The manual clock starts at 09:00 UTC, 10:00 in Berlin, on 2026-01-05.
const at = (time: string) => Date.parse(`2026-01-05T${time}+01:00`);
let dir: ReturnType<typeof tempDir>;
let clock: ReturnType<typeof manualClock>;
let gateway: Gateway;

beforeEach(async () => {
  dir = tempDir('sb-queue-appt-');
  clock = manualClock(at('10:00:00'));
  gateway = await startGateway({ dir: dir.path, clock });
});

afterEach(async () => {
  await gateway.stop();
  dir.remove();
});

const walkIn = (service = 'cash') =>
  gateway.queue.issue({ requestId: requestId(), service, source: 'kiosk' });
const checkIn = (code: string, id = requestId()) =>
  gateway.queue.issue({ requestId: id, service: 'cash', source: 'kiosk', appointment: code });
const callNext = () => gateway.queue.command('3', { requestId: requestId(), action: 'call-next' });
const book = (slot: string, code: string, service = 'cash') =>
  gateway.queue.book({
    customerRef: `C-${code}`,
    service,
    slotStart: `2026-01-05T${slot}:00+01:00`,
    slotEnd: `2026-01-05T${slot.replace(/:00$/, ':30')}:00+01:00`,
    code,
  });

function errorOf(run: () => unknown) {
  try {
    run();
  } catch (err) {
    if (isSmartBranchError(err)) return err.toBody();
    throw err;
  }
  throw new Error('expected an error');
}

describe('appointments', () => {
  it('checks an appointment in with its code, for its own service, once', async () => {
    book('10:00', 'AB12', 'cards');

    const ticket = checkIn('AB12');
    const again = checkIn('AB12');

    expect(ticket).toMatchObject({ service: 'cards', number: 'B001', appointment: true });
    expect(again.id).toBe(ticket.id);
    expect(gateway.queue.appointments()).toMatchObject([
      { code: 'AB12', state: 'checked-in', ticketId: ticket.id },
    ]);
    expect(gateway.queue.stats().issued).toBe(1);
  });

  it('calls an appointment checked in within its slot before walk-ins of its class', async () => {
    book('10:00', 'ON01');
    walkIn();
    await clock.advance(60_000);
    walkIn();
    await clock.advance(60_000);
    const appointment = checkIn('ON01');
    const cards = walkIn('cards');

    const order = [callNext(), callNext(), callNext(), callNext()].map((ticket) => ticket?.id);

    // Cards is a higher class and goes first; the appointment precedes the older walk-ins.
    expect(order.slice(0, 2)).toEqual([cards.id, appointment.id]);
  });

  it('treats a late check-in as a walk-in', async () => {
    book('10:00', 'LATE');
    const earlier = walkIn();
    await clock.set(at('10:45:00'));

    const late = checkIn('LATE');

    expect(late.appointment).toBeUndefined();
    expect(callNext()?.id).toBe(earlier.id);
  });

  it('refuses an unknown check-in code by its path and issues nothing', () => {
    expect(errorOf(() => checkIn('NOPE'))).toMatchObject({
      code: 'SB_ERR_NOT_FOUND',
      path: 'appointment',
    });
    expect(gateway.queue.stats()).toMatchObject({ issued: 0, waiting: 0 });
  });

  it('refuses a booking whose slot ends before it starts, naming the field', () => {
    const error = errorOf(() =>
      gateway.queue.book({
        customerRef: 'C-1',
        service: 'cash',
        slotStart: '2026-01-05T11:00:00+01:00',
        slotEnd: '2026-01-05T10:30:00+01:00',
      }),
    );

    expect(error).toMatchObject({ code: 'SB_ERR_INVALID_REQUEST', path: 'slotEnd' });
  });
});

describe('appointment import', () => {
  it('imports every line of a CSV export with generated codes where none is given', () => {
    const csv = [
      'customerRef,service,slotStart,slotEnd,code',
      'C-100,cash,2026-01-05T11:00:00+01:00,2026-01-05T11:15:00+01:00,',
      '"C-101, Jr.",advice,2026-01-05T14:00:00+01:00,2026-01-05T14:30:00+01:00,K-77',
    ].join('\n');

    const imported = gateway.queue.importAppointments(csv);

    expect(imported.map((entry) => [entry.customerRef, entry.service, entry.day])).toEqual([
      ['C-100', 'cash', '2026-01-05'],
      ['C-101, Jr.', 'advice', '2026-01-05'],
    ]);
    expect(imported[0]?.code).toMatch(/^\d{6}$/);
    expect(imported[1]?.code).toBe('K-77');
  });

  it('imports nothing from a file with a bad line and names each problem by line and column', () => {
    const csv = [
      'customerRef,service,slotStart,slotEnd',
      'C-1,cash,2026-01-05T11:00:00+01:00,2026-01-05T11:15:00+01:00',
      'C-2,cash,tomorrow,2026-01-05T11:15:00+01:00',
      ',cash,2026-01-05T12:00:00+01:00,2026-01-05T12:15:00+01:00',
    ].join('\r\n');

    let problems: string[] = [];
    try {
      gateway.queue.importAppointments(csv);
    } catch (err) {
      if (err instanceof AppointmentImportError) problems = err.problems;
    }

    // Each problem reads `line N: column: reason`.
    expect(problems.map((problem) => problem.split(': ').slice(0, 2).join(' '))).toEqual([
      'line 3 slotStart',
      'line 4 customerRef',
    ]);
    expect(gateway.queue.appointments()).toEqual([]);
  });

  it('refuses an import naming an unknown service and keeps none of its lines', () => {
    const csv = [
      'customerRef,service,slotStart,slotEnd',
      'C-1,cash,2026-01-05T11:00:00+01:00,2026-01-05T11:15:00+01:00',
      'C-2,mortgages,2026-01-05T11:00:00+01:00,2026-01-05T11:15:00+01:00',
    ].join('\n');

    expect(() => gateway.queue.importAppointments(csv)).toThrow(AppointmentImportError);
    expect(gateway.queue.appointments()).toEqual([]);
  });
});
