import type { Kysely } from 'kysely';
import type { LiveStatus } from '../protocol/index.ts';
import type { CloudBroker } from './fleet/index.ts';
import { listGateways, readStatuses } from './fleet/index.ts';
import { type PullerFigures, type StreamFigures, streamFigures } from './insights/index.ts';
import type { Database } from './store/index.ts';

export interface GatewayFigures {
  gateway: string;
  branch: string;
  /** Heard from within `fleet.offlineAfterMs`. */
  online: boolean;
  /** Holds a connection to this cloud's broker now. */
  connected: boolean;
  lastSeenAt: number | null;
  /**
   * The gateway's clock minus the cloud's, from its last status (the push takes well under a
   * second); null before any status.
   */
  clockSkewMs: number | null;
  status: LiveStatus | null;
}

export interface CloudStats {
  gateways: { enrolled: number; online: number; connected: number };
  /** Records stored and the cursor, per gateway and stream. */
  streams: StreamFigures[];
  perGateway: GatewayFigures[];
  pulls: PullerFigures;
}

export async function cloudStats(
  db: Kysely<Database>,
  broker: CloudBroker,
  pulls: PullerFigures,
  offlineAfterMs: number,
  now: number,
): Promise<CloudStats> {
  const [gateways, statuses, streams] = await Promise.all([
    listGateways(db),
    readStatuses(db),
    streamFigures(db),
  ]);
  // An external broker does not say who is connected: a recent status stands in for it.
  const heard = (gateway: string) => {
    const seen = statuses.get(gateway);
    return seen !== undefined && now - seen.lastSeenAt <= offlineAfterMs;
  };
  const connected = new Set(
    broker.connectedGateways() ?? gateways.map((row) => row.gateway).filter(heard),
  );
  const perGateway = gateways.map(({ gateway, branch }) => {
    const seen = statuses.get(gateway);
    return {
      gateway,
      branch,
      online: seen !== undefined && now - seen.lastSeenAt <= offlineAfterMs,
      connected: connected.has(gateway),
      lastSeenAt: seen?.lastSeenAt ?? null,
      clockSkewMs: seen ? seen.status.at - seen.lastSeenAt : null,
      status: seen?.status ?? null,
    };
  });
  const online = perGateway.filter((gateway) => gateway.online).length;
  return {
    gateways: { enrolled: gateways.length, online, connected: connected.size },
    streams,
    perGateway,
    pulls,
  };
}
