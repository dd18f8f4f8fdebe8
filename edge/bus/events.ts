import type { Aedes } from 'aedes';
import { Counter, type Logger, metric, type Registry } from '../../core/index.ts';
import { messagesInCounter } from './counters.ts';

/**
 * The broker's own events, logged in one place and counted: a client's errors and keep-alive
 * timeouts are a technician's concern, one line each, never per message.
 */
export function attachBrokerEvents(
  broker: Aedes,
  log: Logger,
  registry: Registry,
  counts: { messagesIn: number },
): void {
  const clientErrors = metric(
    registry,
    'sb_bus_client_errors_total',
    (registers) =>
      new Counter({
        name: 'sb_bus_client_errors_total',
        help: 'Client errors on the local bus',
        labelNames: ['kind'],
        registers,
      }),
  );
  const published = messagesInCounter(registry);

  broker.on('clientError', (client, err) => {
    clientErrors.inc({ kind: 'client' });
    log.warn({ client: client.id, reason: err.message }, 'bus client error');
  });
  broker.on('connectionError', (client, err) => {
    clientErrors.inc({ kind: 'connection' });
    log.warn({ client: client.id, reason: err.message }, 'bus connection error');
  });
  broker.on('keepaliveTimeout', (client) => {
    clientErrors.inc({ kind: 'keepalive' });
    log.warn({ client: client.id }, 'bus client keep-alive timeout');
  });
  broker.on('client', (client) => log.debug({ client: client.id }, 'bus client connecting'));
  broker.on('clientDisconnect', (client) => log.info({ client: client.id }, 'bus client left'));
  broker.on('clientReady', (client) => log.info({ client: client.id }, 'bus client ready'));
  broker.on('publish', (_packet, client) => {
    if (!client) return;

    counts.messagesIn += 1;
    published.inc();
  });
}
