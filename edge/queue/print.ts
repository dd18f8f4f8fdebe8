import type { Logger } from 'pino';
import type { PrinterJob, QueueState, Ticket } from '../../protocol/index.ts';
import type { Bus } from '../bus/index.ts';
import type { QueueConfig } from './config.ts';

/** What a kiosk shows and a printed ticket carries besides the ticket itself. */
export interface TicketContext {
  serviceName: string;
  /** Tickets of the same service waiting before this one. */
  ahead: number;
}

export function ticketContext(config: QueueConfig, state: QueueState, ticket: Ticket) {
  const waiting = state.waiting.find((entry) => entry.service === ticket.service);
  const service = config.services.find((entry) => entry.id === ticket.service);
  return {
    serviceName: service?.name ?? ticket.service,
    ahead: Math.max(0, (waiting?.count ?? 1) - 1),
  } satisfies TicketContext;
}

/**
 * Sends a ticket to a printer device (see `devices/`) over the bus, as any flow would; a job
 * that cannot be sent is logged and the ticket stands.
 */
export function printTicket(
  bus: Bus,
  log: Logger,
  printer: string,
  job: TicketContext & { branchName: string; ticket: Ticket; requestId: string },
) {
  const waitSeconds = job.ticket.estimatedWaitSeconds;
  const message: PrinterJob = {
    requestId: job.requestId,
    branchName: job.branchName,
    service: job.serviceName,
    number: job.ticket.number,
    ahead: job.ahead,
    ...(waitSeconds === undefined ? {} : { waitMinutes: Math.ceil(waitSeconds / 60) }),
  };
  bus
    .publish('printerJob', { device: printer }, message)
    .catch((err) => log.error({ err, printer }, 'queue ticket not sent to the printer'));
}
