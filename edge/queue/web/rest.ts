import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import { SmartBranchError } from '../../../core/index.ts';
import { Id, QueueCounterCommand, Segment } from '../../../protocol/index.ts';
import { AppointmentBooking, type Queue } from '../index.ts';
import { parse } from './http.ts';

const CounterPath = z.strictObject({
  counter: Id,
  action: QueueCounterCommand.shape.action,
});

/** A counter command over REST; the request id defaults to a fresh one (no repeat guard). */
const CounterBody = z
  .strictObject({
    requestId: z.string().min(1).max(64).optional(),
    service: Id.optional(),
  })
  .default({});

const TicketBody = z.strictObject({
  requestId: z.string().min(1).max(64).optional(),
  service: Id,
  segment: Segment.optional(),
  appointment: z
    .string()
    .regex(/^[A-Za-z0-9-]{4,32}$/, 'code is 4 to 32 letters, digits or dashes')
    .optional(),
});

const DayQuery = z.strictObject({
  day: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'day is YYYY-MM-DD')
    .optional(),
});

/**
 * The technician's REST API of the queue under `/queue/api`, behind `guard`: counters,
 * tickets and appointments, through the same queue calls as the bus, so the same rules and
 * the same events follow.
 */
export function technicianRoutes(queue: Queue, guard: RequestHandler): express.Router {
  const api = express.Router();
  const json = express.json({ limit: '32kb' });
  api.use(guard);
  api.get('/state', (_req, res) => void res.json(queue.state()));
  api.post('/counters/:counter/:action', json, (req, res) => {
    const { counter, action } = parse(CounterPath, req.params);
    const body = parse(CounterBody, req.body);
    if (action === 'transfer' && body.service === undefined) {
      throw new SmartBranchError(
        'SB_ERR_INVALID_REQUEST',
        'service: a transfer names the service it sends the ticket to',
        'service',
      );
    }

    const ticket = queue.command(counter, {
      requestId: body.requestId ?? randomUUID(),
      action,
      ...(body.service === undefined ? {} : { service: body.service }),
    });
    res.json({ ticket });
  });
  api.post('/tickets', json, (req, res) => {
    const body = parse(TicketBody, req.body);
    const ticket = queue.issue({
      ...body,
      requestId: body.requestId ?? randomUUID(),
      source: 'technician',
    });
    res.status(201).json({ ticket });
  });
  appointmentRoutes(api, queue, json);
  return api;
}

function appointmentRoutes(api: express.Router, queue: Queue, json: RequestHandler) {
  api.get('/appointments', (req, res) => {
    const { day } = parse(DayQuery, req.query);
    res.json({ appointments: queue.appointments(day) });
  });
  api.post('/appointments', json, (req, res) => {
    const booking = parse(AppointmentBooking, req.body);
    res.status(201).json({ appointment: queue.book(booking) });
  });
  api.post(
    '/appointments/import',
    express.text({ type: ['text/csv', 'text/plain'], limit: '2mb' }),
    (req, res) => {
      const csv = parse(z.string().min(1, 'the CSV text is missing'), req.body, 'body');
      res.status(201).json({ appointments: queue.importAppointments(csv) });
    },
  );
}
