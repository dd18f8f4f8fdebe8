import type { Kysely } from 'kysely';
import type { LiveStatus, ModulesRunning } from '../../protocol/index.ts';
import type { Database } from '../store/index.ts';
import { listGateways } from './gateways.ts';
import { readStatuses } from './live.ts';

/** One gateway's health as HQ sees it; silent longer than `offlineAfterMs` is offline. */
export interface GatewayHealth {
  gateway: string;
  branch: string;
  online: boolean;
  lastSeenAt: number | null;
  /** The gateway's clock minus the cloud's at its last status, in ms; null before one. */
  clockSkewMs: number | null;
  version: string | null;
  backlog: number | null;
  devicesOnline: number | null;
  devicesTotal: number | null;
  cameraSource: string | null;
  screensOnline: number | null;
  /** Each camera's state as the gateway last said; null before it said. */
  cameras: NonNullable<LiveStatus['cameras']> | null;
  /** The modules the gateway runs and the HQ settings version it follows. */
  modules: ModulesRunning | null;
}

export async function gatewayHealth(
  db: Kysely<Database>,
  offlineAfterMs: number,
  now: number,
): Promise<GatewayHealth[]> {
  const [gateways, statuses] = await Promise.all([listGateways(db), readStatuses(db)]);
  return gateways.map(({ gateway, branch }) => {
    const latest = statuses.get(gateway);
    const status = latest?.status;
    return {
      gateway,
      branch,
      online: latest !== undefined && now - latest.lastSeenAt <= offlineAfterMs,
      lastSeenAt: latest?.lastSeenAt ?? null,
      clockSkewMs: latest ? latest.status.at - latest.lastSeenAt : null,
      version: status?.version ?? null,
      backlog: status
        ? Object.values(status.backlog).reduce((sum, count) => sum + (count ?? 0), 0)
        : null,
      devicesOnline: status?.devicesOnline ?? null,
      devicesTotal: status?.devicesTotal ?? null,
      cameraSource: status?.cameraSource ?? null,
      screensOnline: status?.screensOnline ?? null,
      cameras: status?.cameras ?? null,
      modules: status?.modules ?? null,
    };
  });
}
