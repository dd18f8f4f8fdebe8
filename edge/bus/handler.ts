import type { ModuleContext } from '../../core/index.ts';
import type { Channel, MessageOf, ParsedTopic } from '../../protocol/index.ts';
import type { Handler } from './index.ts';

/**
 * Runs a module's handler for one message, synchronously, so the message is acknowledged to
 * its sender only after the handler's synchronous work; a throw or a rejection is logged and
 * reaches neither the broker nor the sender.
 */
export function runHandler<C extends Channel>(
  handler: Handler<C>,
  message: MessageOf<C>,
  parsed: ParsedTopic,
  log: ModuleContext['log'],
) {
  try {
    const result = handler(message, parsed);
    if (result instanceof Promise) result.catch((err) => log.error({ err }, 'bus handler failed'));
  } catch (err) {
    log.error({ err }, 'bus handler failed');
  }
}
