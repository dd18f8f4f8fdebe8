import { randomInt, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { describeIssues, SmartBranchError } from '../../core/index.ts';
import { Id, Timestamp } from '../../protocol/index.ts';
import type { Db } from '../store/index.ts';
import { localDay } from './day.ts';

const Instant = z.union([
  Timestamp,
  z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
]);

/** One appointment as the REST API or an import gives it. Times: epoch ms or ISO 8601. */
export const AppointmentBooking = z
  .strictObject({
    /** The bank's reference of the customer; kept on the gateway only. */
    customerRef: z.string().min(1).max(64),
    service: Id,
    slotStart: Instant,
    slotEnd: Instant,
    /** The check-in code; default: six random digits, unique for the day. */
    code: z
      .string()
      .regex(/^[A-Za-z0-9-]{4,32}$/, 'code is 4 to 32 letters, digits or dashes')
      .optional(),
  })
  .refine((booking) => booking.slotEnd > booking.slotStart, {
    message: 'slotEnd must come after slotStart',
    path: ['slotEnd'],
  });

export type AppointmentBookingInput = z.input<typeof AppointmentBooking>;

export interface Appointment {
  id: string;
  code: string;
  customerRef: string;
  service: string;
  day: string;
  slotStart: number;
  slotEnd: number;
  state: 'booked' | 'checked-in' | 'cancelled';
  ticketId: string | null;
}

/** An import refused as a whole, with every problem named by its line and column. */
export class AppointmentImportError extends SmartBranchError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super('SB_ERR_INVALID_REQUEST', problems.join('; '), problems[0]?.split(':')[0]);
    this.problems = problems;
  }
}

export type AppointmentBook = ReturnType<typeof appointmentBook>;

export function appointmentBook(db: Db, timeZone: string, knownService: (id: string) => boolean) {
  const columns = `id, code, customer_ref AS customerRef, service, day, slot_start AS slotStart,
    slot_end AS slotEnd, state, ticket_id AS ticketId`;
  const insert = db.prepare(
    `INSERT INTO queue_appointments (id, code, customer_ref, service, day, slot_start, slot_end,
       state, booked_at)
     VALUES (@id, @code, @customerRef, @service, @day, @slotStart, @slotEnd, 'booked', @at)`,
  );
  const byCode = db.prepare(`SELECT ${columns} FROM queue_appointments WHERE day = ? AND code = ?`);
  const ofDay = db.prepare(
    `SELECT ${columns} FROM queue_appointments WHERE day = ? ORDER BY slot_start`,
  );
  const checkIn = db.prepare(
    `UPDATE queue_appointments SET state = 'checked-in', ticket_id = ? WHERE id = ?`,
  );

  const codeFor = (day: string, wanted: string | undefined) => {
    if (wanted !== undefined) {
      if (byCode.get(day, wanted)) {
        throw new SmartBranchError('SB_ERR_CONFLICT', `code ${wanted} is taken`, 'code');
      }
      return wanted;
    }
    for (;;) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      if (!byCode.get(day, code)) return code;
    }
  };

  const add = (booking: z.output<typeof AppointmentBooking>, at: number): Appointment => {
    if (!knownService(booking.service)) {
      throw new SmartBranchError('SB_ERR_UNKNOWN_SERVICE', booking.service, 'service');
    }

    const day = localDay(booking.slotStart, timeZone);
    const appointment: Appointment = {
      id: randomUUID(),
      code: codeFor(day, booking.code),
      customerRef: booking.customerRef,
      service: booking.service,
      day,
      slotStart: booking.slotStart,
      slotEnd: booking.slotEnd,
      state: 'booked',
      ticketId: null,
    };
    insert.run({ ...appointment, at });
    return appointment;
  };

  return {
    book: (raw: unknown, at: number): Appointment => {
      const parsed = AppointmentBooking.safeParse(raw);
      if (!parsed.success) {
        const [problem = 'invalid'] = describeIssues(parsed.error.issues);
        throw new SmartBranchError('SB_ERR_INVALID_REQUEST', problem, problem.split(':')[0]);
      }
      return db.transaction(() => add(parsed.data, at)).immediate();
    },
    /** All lines or none: a booking system's export is fixed and sent again, not patched. */
    importCsv: (text: string, at: number): Appointment[] => {
      const { bookings, problems } = parseCsv(text);
      if (problems.length) throw new AppointmentImportError(problems);

      return db
        .transaction(() =>
          bookings.map(({ line, booking }) => {
            try {
              return add(booking, at);
            } catch (err) {
              throw new AppointmentImportError([`line ${line}: ${(err as Error).message}`]);
            }
          }),
        )
        .immediate();
    },
    byCode: (day: string, code: string) => byCode.get(day, code) as Appointment | undefined,
    ofDay: (day: string) => ofDay.all(day) as Appointment[],
    checkIn: (id: string, ticketId: string) => void checkIn.run(ticketId, id),
  };
}

const csvColumns = ['customerRef', 'service', 'slotStart', 'slotEnd', 'code'] as const;

/** A header line naming the columns (any order; `code` optional), then one booking a line. */
function parseCsv(text: string) {
  const lines = text.split(/\r?\n/).map((line, index) => ({ line: index + 1, text: line }));
  const [header, ...rows] = lines.filter((entry) => entry.text.trim() !== '');
  const names = header ? splitCsvLine(header.text).map((name) => name.trim()) : [];
  const problems = csvColumns
    .filter((column) => column !== 'code' && !names.includes(column))
    .map((column) => `line 1: missing column ${column}`);
  const bookings: { line: number; booking: z.output<typeof AppointmentBooking> }[] = [];
  if (problems.length) return { bookings, problems };

  for (const row of rows) {
    const cells = splitCsvLine(row.text);
    const raw = Object.fromEntries(
      names.map((name, index) => [name, cells[index]?.trim() ?? '']).filter(([, v]) => v !== ''),
    );
    const parsed = AppointmentBooking.safeParse(raw);
    if (parsed.success) bookings.push({ line: row.line, booking: parsed.data });
    else problems.push(...describeIssues(parsed.error.issues).map((p) => `line ${row.line}: ${p}`));
  }
  return { bookings, problems };
}

/** Cells of one CSV line (RFC 4180 quoting: `"a, b"` and `""` for a quote). */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;

  for (let index = 0; index < line.length; index++) {
    const char = line[index];
    if (quoted && char === '"' && line[index + 1] === '"') {
      cell += '"';
      index += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else {
      cell += char;
    }
  }
  cells.push(cell);
  return cells;
}
