import type { Kysely } from 'kysely';
import { type ModuleContext, rateLimitedWarn } from '../../core/index.ts';
import { type Alarm, decodeMessage, type LiveStatus, topicFilter } from '../../protocol/index.ts';
import { cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import type { CloudBroker, InboundMessage } from './broker.ts';

export interface GatewayStatus {
  status: LiveStatus;
  /** When the cloud last heard the gateway, by the cloud's clock. */
  lastSeenAt: number;
}

/** A gateway clock further off than this from the cloud's is logged, in ms. */
export const clockSkewWarnMs = 60_000;

export interface LiveChannel {
  stop(): Promise<void>;
}

/**
 * The live channel: status and alarms pushed by the gateways, handled apart from the puller
 * so a backlog of records never holds the latest status back.
 */
export function startLiveChannel(
  db: Kysely<Database>,
  broker: CloudBroker,
  context: ModuleContext,
): LiveChannel {
  const log = context.log.child({ module: 'live' });
  const metrics = cloudMetrics(context.registry);
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  const working = new Set<Promise<void>>();

  function refuse(message: InboundMessage, channel: string, path: string, reason: string) {
    metrics.refused.inc({ channel });
    const fields = { gateway: message.publisher.gateway, channel, path, reason };
    warn(`${channel}:${message.publisher.gateway}`, fields, 'live message refused');
  }

  const enrolled = enrolledCheck(db, context.clock.now);

  async function onStatus(message: InboundMessage) {
    if (!(await enrolled(message))) return refuse(message, 'liveStatus', 'gateway', 'not enrolled');

    const decoded = decodeMessage('liveStatus', message.payload);
    if (!decoded.ok)
      return refuse(message, 'liveStatus', decoded.error.path, decoded.error.message);
    if (decoded.message.gateway !== message.publisher.gateway) {
      return refuse(message, 'liveStatus', 'gateway', 'not the publisher');
    }

    const now = context.clock.now();
    await storeStatus(db, decoded.message, now);
    metrics.statuses.inc();
    reportSkew(decoded.message, now);
    const gateway = decoded.message.gateway;
    for (const [stream, records] of Object.entries(decoded.message.backlog)) {
      metrics.gatewayBacklog.set({ gateway, stream }, records ?? 0);
    }
  }

  // Records keep the gateway's own times and sequences; a clock off is reported, not fixed.
  function reportSkew(status: LiveStatus, now: number) {
    const skewMs = status.at - now;
    if (Math.abs(skewMs) < clockSkewWarnMs) return;

    warn(`skew:${status.gateway}`, { gateway: status.gateway, skewMs }, 'gateway clock off');
  }

  async function onAlarm(message: InboundMessage) {
    if (!(await enrolled(message))) return refuse(message, 'alarm', 'gateway', 'not enrolled');

    const decoded = decodeMessage('alarm', message.payload);
    if (!decoded.ok) return refuse(message, 'alarm', decoded.error.path, decoded.error.message);
    if (decoded.message.gateway !== message.publisher.gateway) {
      return refuse(message, 'alarm', 'gateway', 'not the publisher');
    }

    const alarm = decoded.message;
    const fresh = await storeAlarm(db, alarm, context.clock.now());
    if (!fresh) return;

    metrics.alarms.inc({ severity: alarm.severity });
    const fields = {
      gateway: alarm.gateway,
      code: alarm.code,
      severity: alarm.severity,
      device: alarm.device,
    };
    log.warn(fields, 'gateway alarm');
  }

  function track(work: Promise<void>, gateway: string) {
    const tracked = work
      .catch((err) => log.error({ err, gateway }, 'live message not stored'))
      .finally(() => working.delete(tracked));
    working.add(tracked);
  }

  const unsubscribes = [
    broker.onMessage(topicFilter('liveStatus'), (message) =>
      track(onStatus(message), message.publisher.gateway),
    ),
    broker.onMessage(topicFilter('alarm'), (message) =>
      track(onAlarm(message), message.publisher.gateway),
    ),
  ];

  return {
    async stop() {
      for (const unsubscribe of unsubscribes) unsubscribe();
      await Promise.allSettled([...working]);
    },
  };
}

/** A gateway found unknown is asked about again after this long, in ms. */
const unknownRecheckMs = 60_000;

/**
 * Whether a message's publisher is a gateway enrolled for the branch its topic names. The
 * embedded broker only admits enrolled gateways; behind an external broker the cloud may
 * hear gateways of another cloud sharing it, which must not show in this one's fleet.
 */
function enrolledCheck(db: Kysely<Database>, now: () => number) {
  const known = new Map<string, string>();
  const unknownUntil = new Map<string, number>();
  return async (message: InboundMessage): Promise<boolean> => {
    const { gateway, branch } = message.publisher;
    if (known.has(gateway)) return known.get(gateway) === branch;
    if ((unknownUntil.get(gateway) ?? 0) > now()) return false;

    const row = await db
      .selectFrom('gateways')
      .select('branch')
      .where('id', '=', gateway)
      .executeTakeFirst();
    if (!row) {
      unknownUntil.set(gateway, now() + unknownRecheckMs);
      return false;
    }

    known.set(gateway, row.branch);
    return row.branch === branch;
  };
}

/** Keeps the newest status per gateway; an older one arriving late does not replace it. */
export async function storeStatus(db: Kysely<Database>, status: LiveStatus, now: number) {
  const row = { at: status.at, received_at: now, data: JSON.stringify(status) };
  await db
    .insertInto('gateway_status')
    .values({ gateway: status.gateway, ...row })
    .onConflict((conflict) =>
      conflict.column('gateway').doUpdateSet(row).where('gateway_status.at', '<=', status.at),
    )
    .execute();
}

async function storeAlarm(db: Kysely<Database>, alarm: Alarm, now: number): Promise<boolean> {
  const result = await db
    .insertInto('alarms')
    .values({
      gateway: alarm.gateway,
      at: alarm.at,
      code: alarm.code,
      severity: alarm.severity,
      message: alarm.message,
      device: alarm.device ?? null,
      received_at: now,
    })
    .onConflict((conflict) => conflict.columns(['gateway', 'at', 'code']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function readStatuses(db: Kysely<Database>): Promise<Map<string, GatewayStatus>> {
  const rows = await db.selectFrom('gateway_status').selectAll().execute();
  return new Map(
    rows.map((row) => [
      row.gateway,
      { status: JSON.parse(row.data) as LiveStatus, lastSeenAt: row.received_at },
    ]),
  );
}
