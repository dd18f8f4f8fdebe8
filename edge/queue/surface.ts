import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { rateLimitedWarn, toErrorBody } from '../../core/index.ts';
import type { QueueCounterCommand, QueueIssue, Reply, Ticket } from '../../protocol/index.ts';
import type { Bus } from '../bus/index.ts';

interface QueueDoor {
  issue(request: QueueIssue): Ticket;
  /** The ticket, and whether this request issued it (false: a repeat got the same one). */
  issueOnce(request: QueueIssue): { ticket: Ticket; fresh: boolean };
  command(counter: string, command: QueueCounterCommand): Ticket | null;
}

/** Answers that are part of normal work, not misuse worth a technician's line. */
const routineCodes = new Set(['SB_ERR_QUEUE_EMPTY']);

/**
 * The queue on the bus: kiosks and buttons issue on the issue topic, counters command on
 * their own topic, and whoever names a `replyTo` gets the ticket or the error on its reply
 * topic, carrying its request id. Messages that fail their schema never reach here: the bus
 * refuses them with a counted, logged reason.
 */
export interface KioskButton {
  device: string;
  service: string;
  segment?: QueueIssue['segment'];
  printer?: string | undefined;
}

/** Prints a ticket on a printer device; the request id goes with the job. */
export type PrintTicket = (printer: string, ticket: Ticket, requestId: string) => void;

/**
 * A press's request id: the device and the time it reported, so a QoS 1 redelivery of the
 * same press gets the same ticket, and no device id can make it longer than a request id.
 */
function pressRequestId(device: string, at: number) {
  const digest = createHash('sha256').update(device).digest('base64url').slice(0, 20);
  return `button:${digest}:${at}`;
}

export async function attachBusSurface(
  bus: Bus,
  queue: QueueDoor,
  log: Logger,
  now: () => number,
  buttons: readonly KioskButton[] = [],
  print: PrintTicket = () => {},
): Promise<{ detach(): Promise<void> }> {
  const warn = rateLimitedWarn(log, 60_000, now);

  const answer = (replyTo: string | undefined, requestId: string, run: () => Ticket | null) => {
    let reply: Reply;
    try {
      reply = { correlationId: requestId, status: 'ok', data: run() };
    } catch (err) {
      const error = toErrorBody(err);
      if (error.code === 'SB_ERR_INTERNAL') log.error({ err, requestId }, 'queue request failed');
      else if (!routineCodes.has(error.code))
        warn(error.code, { code: error.code, path: error.path }, 'queue request refused');
      reply = { correlationId: requestId, status: 'error', error };
    }

    if (replyTo === undefined) return;

    bus
      .publish('reply', { client: replyTo }, reply)
      .catch((err) => log.error({ err, replyTo }, 'queue reply not published'));
  };

  const offIssue = await bus.subscribe('queueIssue', {}, (request) =>
    answer(request.replyTo, request.requestId, () => queue.issue(request)),
  );
  const offCommand = await bus.subscribe('queueCounterCommand', {}, (command, parsed) =>
    answer(command.replyTo, command.requestId, () =>
      queue.command(parsed.params.counter as string, command),
    ),
  );

  const offButtons = await Promise.all(
    buttons.map((button) =>
      bus.subscribe('deviceTelemetry', { device: button.device }, (telemetry) => {
        if (telemetry.kind !== 'button' || telemetry.values.pressed !== true) return;

        const request: QueueIssue = {
          requestId: pressRequestId(button.device, telemetry.at),
          service: button.service,
          source: 'button',
          ...(button.segment ? { segment: button.segment } : {}),
        };
        // A redelivered press gets its ticket again but prints nothing more.
        answer(undefined, request.requestId, () => {
          const { ticket, fresh } = queue.issueOnce(request);
          if (fresh && button.printer) print(button.printer, ticket, request.requestId);
          return ticket;
        });
      }),
    ),
  );

  return {
    detach: async () => {
      await offIssue();
      await offCommand();
      for (const off of offButtons) await off();
    },
  };
}
