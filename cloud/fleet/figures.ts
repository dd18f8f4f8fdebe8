import type { Kysely } from 'kysely';
import type { CameraSourceName, ModuleName } from '../../protocol/index.ts';
import { streamFigures } from '../insights/ingest.ts';
import type { Database } from '../store/index.ts';
import { type Branch, listBranches } from './branches.ts';
import { listGateways } from './gateways.ts';
import { type GatewayStatus, readStatuses } from './live.ts';
import { everyBranchModules } from './modules.ts';

/** One branch as HQ sees it: its latest figures from the gateway heard most recently. */
export interface BranchFigures extends Branch {
  gateways: string[];
  online: boolean;
  lastSeenAt: number | null;
  people: number | null;
  ticketsWaiting: number | null;
  servedToday: number | null;
  /** Records the gateway holds that the cloud has not pulled yet, over all streams. */
  backlog: number | null;
  recordsStored: number;
  cameraSource: CameraSourceName | null;
  screensOnline: number | null;
  /** The modules HQ switched on for the branch: pages show only their figures. */
  modules: Record<ModuleName, boolean>;
}

export async function branchFigures(
  db: Kysely<Database>,
  offlineAfterMs: number,
  now: number,
): Promise<BranchFigures[]> {
  const [branches, gateways, statuses, streams, modulesOf] = await Promise.all([
    listBranches(db),
    listGateways(db),
    readStatuses(db),
    streamFigures(db),
    everyBranchModules(db),
  ]);

  return branches.map((branch) => {
    const own = gateways
      .filter((gateway) => gateway.branch === branch.id)
      .map((gateway) => gateway.gateway);
    const latest = own
      .map((gateway) => statuses.get(gateway))
      .filter((status): status is GatewayStatus => status !== undefined)
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt)[0];
    const recordsStored = streams
      .filter((stream) => own.includes(stream.gateway))
      .reduce((sum, stream) => sum + stream.records, 0);
    return {
      ...branch,
      gateways: own,
      recordsStored,
      modules: modulesOf(branch.id),
      ...statusFigures(latest, offlineAfterMs, now),
    };
  });
}

function statusFigures(latest: GatewayStatus | undefined, offlineAfterMs: number, now: number) {
  if (!latest) {
    return {
      online: false,
      lastSeenAt: null,
      people: null,
      ticketsWaiting: null,
      servedToday: null,
      backlog: null,
      cameraSource: null,
      screensOnline: null,
    };
  }

  const { status } = latest;
  return {
    online: now - latest.lastSeenAt <= offlineAfterMs,
    lastSeenAt: latest.lastSeenAt,
    people: status.people,
    ticketsWaiting: status.ticketsWaiting,
    servedToday: status.ticketsServedToday,
    backlog: Object.values(status.backlog).reduce((sum, count) => sum + (count ?? 0), 0),
    cameraSource: status.cameraSource,
    screensOnline: status.screensOnline ?? null,
  };
}
