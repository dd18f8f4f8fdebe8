import type { Cloud } from '../cloud/index.ts';
import type { Gateway } from '../edge/runtime.ts';
import type { Prospects, ProspectsTotals, SimulatorStats } from '../simulator/index.ts';

/** One line a person can read at a glance, every few seconds. */
export function statusLine(
  running: { gateway: Gateway; cloud: Cloud; prospects?: Prospects | null },
  startedAt: number,
): string {
  const stats = running.gateway.stats();
  const camera = stats.cameras[0];
  const seconds = Math.round((Date.now() - startedAt) / 1000);
  const backlog = Object.values(stats.backlog).reduce((sum, count) => sum + count, 0);
  const cameraText = camera
    ? `people ${stats.people} (source: "${camera.source}", ${camera.backend}, ` +
      `${camera.fps.toFixed(1)} fps, ${camera.framesProcessed} frames)`
    : 'no camera';

  const queueText = stats.queue
    ? `tickets waiting ${stats.queue.waiting}, served ${stats.queue.served}`
    : 'queue off';
  const prospects = running.prospects ? ` · ${prospectsText(running.prospects.totals())}` : '';
  return (
    `[${seconds}s] ${cameraText} · ${queueText}${prospects} · uplink ${stats.uplink.state}, ` +
    `backlog ${backlog}`
  );
}

/** What the people in front of the screens did, in the words of the status lines. */
export function prospectsText(totals: ProspectsTotals): string {
  return (
    `screens watched ${totals.watched} (${totals.plays} plays), QR scans ${totals.scans}, ` +
    `leads ${totals.leads}, coupons taken ${totals.couponsTaken}, redeemed ` +
    `${totals.couponsRedeemed}`
  );
}

/** The one-branch simulator's line: what its customers and devices have done so far. */
export function simulatorLine(stats: SimulatorStats, startedAt: number): string {
  const seconds = Math.round((Date.now() - startedAt) / 1000);
  return (
    `[${seconds}s] customers ${stats.customersArrived} · tickets issued ${stats.ticketsIssued}, ` +
    `called ${stats.ticketsCalled}, served ${stats.ticketsServed} · door events ` +
    `${stats.doorEvents} · errors ${stats.errors}`
  );
}
