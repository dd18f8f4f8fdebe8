import { Counter, type ModuleContext, metric } from '../../core/index.ts';

/** Messages the gateway's own modules publish, whichever broker carries them. */
export function messagesOutCounter(registry: ModuleContext['registry']): Counter {
  return metric(
    registry,
    'sb_bus_messages_out_total',
    (registers) =>
      new Counter({
        name: 'sb_bus_messages_out_total',
        help: "Messages the gateway's modules published",
        registers,
      }),
  );
}

/** Messages clients published onto the bus, whichever broker carries them. */
export function messagesInCounter(registry: ModuleContext['registry']): Counter {
  return metric(
    registry,
    'sb_bus_messages_in_total',
    (registers) =>
      new Counter({
        name: 'sb_bus_messages_in_total',
        help: 'Messages published by clients',
        registers,
      }),
  );
}

/** Messages refused by their schema, by channel and error code. */
export function messagesRejectedCounter(registry: ModuleContext['registry']): Counter {
  return metric(
    registry,
    'sb_bus_messages_rejected_total',
    (registers) =>
      new Counter({
        name: 'sb_bus_messages_rejected_total',
        help: 'Messages refused by a schema',
        labelNames: ['channel', 'code'],
        registers,
      }),
  );
}
