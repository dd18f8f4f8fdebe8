import type { Kysely } from 'kysely';
import { type ModuleContext, rateLimitedWarn } from '../../core/index.ts';
import { decodeMessage, topicFilter } from '../../protocol/index.ts';
import { controlDb } from '../campaigns/schema.ts';
import { cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import type { CloudBroker } from './broker.ts';
import { expireCommands, recordAck } from './commands.ts';

export interface FleetOperations {
  stop(): Promise<void>;
}

/** How often unanswered commands are checked for their timeout, in ms. */
const sweepMs = 1000;

/** Takes the gateways' command acknowledgements and times out the unanswered commands. */
export function startFleetOperations(
  db: Kysely<Database>,
  broker: CloudBroker,
  context: ModuleContext,
): FleetOperations {
  const log = context.log.child({ module: 'fleet' });
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  const refused = cloudMetrics(context.registry).refused;
  const store = controlDb(db);
  const working = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const tracked = work
      .catch((err) => log.error({ err }, 'fleet message not stored'))
      .finally(() => working.delete(tracked));
    working.add(tracked);
  };

  const unsubscribe = broker.onMessage(topicFilter('commandAck'), (message) => {
    const decoded = decodeMessage('commandAck', message.payload);
    const gateway = message.publisher.gateway;
    if (!decoded.ok || decoded.message.gateway !== gateway) {
      const path = decoded.ok ? 'gateway' : decoded.error.path;
      refused.inc({ channel: 'commandAck' });
      return warn(`ack:${gateway}`, { gateway, path }, 'command ack refused');
    }

    const ack = decoded.message;
    track(
      recordAck(store, ack, context.clock.now()).then((fresh) => {
        if (fresh)
          log.info({ gateway, command: ack.commandId, status: ack.status }, 'command answered');
      }),
    );
  });
  const sweep = context.clock.every(sweepMs, () => {
    track(
      expireCommands(store, context.clock.now()).then((expired) => {
        if (expired > 0) log.warn({ expired }, 'commands timed out');
      }),
    );
  });

  return {
    async stop() {
      unsubscribe();
      sweep.cancel();
      await Promise.allSettled([...working]);
    },
  };
}
