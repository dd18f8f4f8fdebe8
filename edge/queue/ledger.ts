import type { Ticket } from '../../protocol/index.ts';
import type { Db } from '../store/index.ts';
import type { CounterStateName } from './config.ts';

/** A ticket row as SQLite holds it. */
interface TicketRow {
  id: string;
  service: string;
  day: string;
  seq: number;
  number: string;
  segment: string | null;
  source: string;
  priority: number;
  ageing_step_ms: number;
  state: string;
  issued_at: number;
  called_at: number | null;
  ended_at: number | null;
  counter: string | null;
  recalls: number;
  transferred_from: string | null;
  target_wait_ms: number;
  estimated_wait_ms: number | null;
  appointment: number;
}

export interface NewTicket {
  id: string;
  service: string;
  day: string;
  seq: number;
  number: string;
  segment: string | null;
  source: string;
  priority: number;
  ageingStepMs: number;
  issuedAt: number;
  targetWaitMs: number;
  estimatedWaitMs: number | null;
  /** 1 for an appointment checked in within its slot. */
  appointment: 0 | 1;
}

export interface CounterRow {
  id: string;
  state: CounterStateName;
  ticketId: string | null;
}

/** The wire shape of a row: optional fields are absent, never undefined or null. */
function toTicket(row: TicketRow): Ticket {
  const ticket: Ticket = {
    id: row.id,
    number: row.number,
    service: row.service,
    day: row.day,
    state: row.state as Ticket['state'],
    issuedAt: row.issued_at,
  };
  if (row.segment !== null) ticket.segment = row.segment as NonNullable<Ticket['segment']>;
  if (row.called_at !== null) ticket.calledAt = row.called_at;
  if (row.ended_at !== null) ticket.endedAt = row.ended_at;
  if (row.counter !== null) ticket.counter = row.counter;
  if (row.recalls > 0) ticket.recalls = row.recalls;
  if (row.transferred_from !== null) ticket.transferredFrom = row.transferred_from;
  if (row.estimated_wait_ms !== null) ticket.estimatedWaitSeconds = row.estimated_wait_ms / 1000;
  if (row.appointment === 1) ticket.appointment = true;
  return ticket;
}

export type Ledger = ReturnType<typeof ledger>;

/** The queue's SQL, prepared once. Callers wrap the steps of one decision in a transaction. */
export function ledger(db: Db) {
  const statements = {
    ticket: db.prepare('SELECT * FROM queue_tickets WHERE id = ?'),
    bumpNumber: db.prepare(
      `INSERT INTO queue_numbering (service, day, last_seq) VALUES (?, ?, 1)
       ON CONFLICT (service, day) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`,
    ),
    insertTicket: db.prepare(
      `INSERT INTO queue_tickets (id, service, day, seq, number, segment, source, priority,
         ageing_step_ms, state, issued_at, target_wait_ms, estimated_wait_ms, appointment)
       VALUES (@id, @service, @day, @seq, @number, @segment, @source, @priority,
         @ageingStepMs, 'waiting', @issuedAt, @targetWaitMs, @estimatedWaitMs, @appointment)`,
    ),
    request: db.prepare(
      `SELECT ticket_id AS ticketId, error FROM queue_requests
       WHERE scope = ? AND request_id = ?`,
    ),
    refuse: db.prepare(
      `INSERT OR IGNORE INTO queue_requests (scope, request_id, error, at) VALUES (?, ?, ?, ?)`,
    ),
    remember: db.prepare(
      'INSERT INTO queue_requests (scope, request_id, ticket_id, at) VALUES (?, ?, ?, ?)',
    ),
    forgetBefore: db.prepare('DELETE FROM queue_requests WHERE at < ?'),
    counter: db.prepare('SELECT id, state, ticket_id AS ticketId FROM queue_counters WHERE id = ?'),
    counters: db.prepare('SELECT id, state, ticket_id AS ticketId FROM queue_counters'),
    ensureCounter: db.prepare('INSERT OR IGNORE INTO queue_counters (id, state) VALUES (?, ?)'),
    setCounter: db.prepare('UPDATE queue_counters SET state = ?, ticket_id = ? WHERE id = ?'),
    call: db.prepare(
      `UPDATE queue_tickets SET state = 'called', called_at = ?, counter = ? WHERE id = ?`,
    ),
    finish: db.prepare('UPDATE queue_tickets SET state = ?, ended_at = ? WHERE id = ?'),
    recall: db.prepare('UPDATE queue_tickets SET recalls = recalls + 1 WHERE id = ?'),
    transfer: db.prepare(
      `UPDATE queue_tickets SET service = @service, priority = @priority,
         ageing_step_ms = @ageingStepMs, target_wait_ms = @targetWaitMs, state = 'waiting',
         called_at = NULL, counter = NULL,
         transferred_from = COALESCE(transferred_from, service)
       WHERE id = @id`,
    ),
    // The calling rule: highest class first, where waiting one ageing step raises the class by
    // one; among equals an appointment in its slot, then the longest waiting. CAST keeps the
    // ageing an integer step count.
    next: db.prepare(
      `SELECT * FROM queue_tickets
       WHERE state = 'waiting' AND service IN (SELECT value FROM json_each(?))
       ORDER BY priority + CAST((? - issued_at) / ageing_step_ms AS INTEGER) DESC,
         appointment DESC, issued_at, seq
       LIMIT 1`,
    ),
    announce: db.prepare(
      'INSERT INTO queue_announcements (ticket_id, at, lang, text) VALUES (?, ?, ?, ?)',
    ),
    announcements: db.prepare(
      'SELECT lang, text FROM queue_announcements WHERE ticket_id = ? ORDER BY at, rowid',
    ),
    waitingBefore: db.prepare(
      `SELECT * FROM queue_tickets WHERE state = 'waiting' AND day < ? ORDER BY issued_at`,
    ),
  };

  return {
    ticket: (id: string) => {
      const row = statements.ticket.get(id) as TicketRow | undefined;
      return row ? toTicket(row) : undefined;
    },
    nextNumber: (service: string, day: string) =>
      (statements.bumpNumber.get(service, day) as { last_seq: number }).last_seq,
    insert: (ticket: NewTicket) => void statements.insertTicket.run(ticket),
    answered: (scope: string, requestId: string) =>
      statements.request.get(scope, requestId) as
        | { ticketId: string | null; error: string | null }
        | undefined,
    refuse: (scope: string, requestId: string, error: string, at: number) =>
      void statements.refuse.run(scope, requestId, error, at),
    remember: (scope: string, requestId: string, ticketId: string | null, at: number) =>
      void statements.remember.run(scope, requestId, ticketId, at),
    forgetRequestsBefore: (at: number) => statements.forgetBefore.run(at).changes,
    counter: (id: string, initial: CounterStateName): CounterRow => {
      statements.ensureCounter.run(id, initial);
      return statements.counter.get(id) as CounterRow;
    },
    counters: () => statements.counters.all() as CounterRow[],
    setCounter: (id: string, state: CounterStateName, ticketId: string | null) =>
      void statements.setCounter.run(state, ticketId, id),
    call: (id: string, counter: string, at: number) => void statements.call.run(at, counter, id),
    finish: (id: string, state: 'served' | 'no-show' | 'cancelled', at: number) =>
      void statements.finish.run(state, at, id),
    recall: (id: string) => void statements.recall.run(id),
    transfer: (change: {
      id: string;
      service: string;
      priority: number;
      ageingStepMs: number;
      targetWaitMs: number;
    }) => void statements.transfer.run(change),
    next: (services: readonly string[], now: number) => {
      const row = statements.next.get(JSON.stringify(services), now) as TicketRow | undefined;
      return row ? toTicket(row) : undefined;
    },
    announce: (ticketId: string, at: number, texts: readonly { lang: string; text: string }[]) => {
      for (const { lang, text } of texts) statements.announce.run(ticketId, at, lang, text);
    },
    announcements: (ticketId: string) =>
      statements.announcements.all(ticketId) as { lang: string; text: string }[],
    waitingBefore: (day: string) =>
      (statements.waitingBefore.all(day) as TicketRow[]).map(toTicket),
  };
}
