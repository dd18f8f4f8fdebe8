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
