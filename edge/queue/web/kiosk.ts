import express, { type Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { SmartBranchError } from '../../../core/index.ts';
import { Id, Segment, type Ticket } from '../../../protocol/index.ts';
import type { Bus } from '../../bus/index.ts';
import type { Queue, QueueConfig } from '../index.ts';
import { printTicket, ticketContext } from '../print.ts';
import { type PairedScreens, pairedOnly, parse } from './http.ts';

/** What a kiosk screen does besides the page; absent for a screen: no printer. */
export const KioskSetting = z.strictObject({
  screen: Id,
  /** The printer device (see `devices/`) a ticket from this kiosk is printed on. */
  printer: Id.optional(),
});
export type KioskSetting = z.output<typeof KioskSetting>;

/** The kiosk makes one request id per tap, so a retried or doubled tap gets the same ticket. */
const RequestId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'requestId is 8 to 64 letters');

const TicketBody = z.strictObject({
  requestId: RequestId,
  service: Id,
  segment: Segment.optional(),
});

const CheckInBody = z.strictObject({
  requestId: RequestId,
  code: z.string().regex(/^[A-Za-z0-9-]{4,32}$/, 'code is 4 to 32 letters, digits or dashes'),
});

/**
 * The leads module's desk as the kiosk needs it: the settings its page seals a lead with
 * (the cloud's key, the consent, the sealing scripts), and the hand-off of the sealed box.
 */
export interface LeadCounter {
  settings: { scripts: readonly string[] } & Record<string, unknown>;
  handOver(body: unknown, origin: 'kiosk'): { seq: number } | { error: string };
}

export interface KioskParts {
  queue: Queue;
  config: QueueConfig;
  bus: Bus;
  screens: PairedScreens;
  branchName: string;
  kiosks: readonly KioskSetting[];
  /** The lead desk now, or null: the leads module is off or not configured. */
  leads: () => LeadCounter | null;
  log: Logger;
}

/** The paired kiosk's API under `/queue/device`: issue a ticket, check in an appointment. */
export function kioskRoutes(parts: KioskParts): express.Router {
  const api = express.Router();
  // 16 kB: a sealed lead carries its consent text; a ticket's body is far smaller.
  api.use(pairedOnly(parts.screens, ['kiosk']), express.json({ limit: '16kb' }));
  api.post('/tickets', (req, res) => {
    const body = parse(TicketBody, req.body);
    const ticket = parts.queue.issue({ ...body, source: 'web' });
    answer(parts, res, ticket, body.requestId);
  });
  api.post('/check-in', (req, res) => {
    const body = parse(CheckInBody, req.body);
    // The appointment's own service decides the ticket's; the first one only fills the field.
    const placeholder = parts.config.services[0]?.id ?? 'none';
    const ticket = parts.queue.issue({
      requestId: body.requestId,
      service: placeholder,
      appointment: body.code,
      source: 'web',
    });
    answer(parts, res, ticket, body.requestId);
  });
  api.post('/leads', (req, res) => {
    const leads = parts.leads();
    if (!leads) throw new SmartBranchError('SB_ERR_NOT_FOUND', 'no lead desk on this gateway');

    const result = leads.handOver(req.body, 'kiosk');
    if ('error' in result)
      throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `sealed: ${result.error}`, 'sealed');
    res.status(202).json({ queued: true });
  });
  return api;
}

function answer(parts: KioskParts, res: Response, ticket: Ticket, requestId: string) {
  const shown = ticketContext(parts.config, parts.queue.state(), ticket);
  const screen = (res.locals.screen as { id: string }).id;
  const printer = parts.kiosks.find((kiosk) => kiosk.screen === screen)?.printer;
  if (printer !== undefined) {
    printTicket(parts.bus, parts.log, printer, {
      ...shown,
      branchName: parts.branchName,
      ticket,
      requestId,
    });
  }

  res.status(201).json({ ticket, ...shown });
}
