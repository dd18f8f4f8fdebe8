import type { Kysely } from 'kysely';
import { isSmartBranchError, type ModuleContext, rateLimitedWarn } from '../../core/index.ts';
import { decodeMessage, encodeMessage, topic, topicFilter } from '../../protocol/index.ts';
import type { CloudBroker, InboundMessage } from '../fleet/index.ts';
import { cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import { publishAllotment, redeem, type SyncFigures, syncRedemptions } from './benefits/index.ts';
import { publishBranches, publishedStatuses } from './manifests.ts';
import type { BranchSelector, Campaign, CampaignStatus } from './model.ts';
import { branchesHolding, recordReport } from './rollout.ts';
import { type ControlDb, controlDb } from './schema.ts';
import type { SigningKey } from './signing.ts';
import { getCampaign, listCampaigns, servedAssets, setStatus } from './store.ts';
import { type CatchmentSource, selectBranches, targetBranches } from './targeting.ts';

export interface ControlPlaneOptions {
  db: Kysely<Database>;
  broker: CloudBroker;
  signingKey: SigningKey;
  /** A gateway silent this long is offline, in ms. */
  offlineAfterMs: number;
  /** Catchment attributes per branch, from the insights module. Absent: none known. */
  catchment?: CatchmentSource;
  /** How often redemption records pulled from gateways are applied, in ms. Default 2000. */
  syncIntervalMs?: number;
}

/** Campaigns, benefits and fleet operations as the API routes use them. */
export interface ControlPlane {
  readonly db: ControlDb;
  /** The same store under the shared tables' type, for the fleet's own queries. */
  readonly store: Kysely<Database>;
  readonly broker: CloudBroker;
  /** Signs manifests and remote commands alike. */
  readonly signingKey: SigningKey;
  readonly offlineAfterMs: number;
  selectBranches(selector: BranchSelector): Promise<string[]>;
  /** An uploaded asset's bytes, from memory when served lately. */
  asset: ReturnType<typeof servedAssets>;
  /** Publishes a campaign (live, or scheduled before its start date) to its branches. */
  publish(id: string): Promise<{ status: CampaignStatus; branches: string[] }>;
  /** Pauses or ends a campaign and takes it out of its branches' manifests. */
  withdraw(id: string, status: 'paused' | 'ended'): Promise<{ branches: string[] }>;
  /** Builds and publishes the manifest of each branch anew. */
  republish(branches: readonly string[]): Promise<Map<string, number>>;
  publishAllotments(branches: readonly string[]): Promise<void>;
  syncRedemptions(): Promise<SyncFigures>;
  stop(): Promise<void>;
}

export function startControlPlane(
  options: ControlPlaneOptions,
  context: ModuleContext,
): ControlPlane {
  const log = context.log.child({ module: 'campaigns' });
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  const refused = cloudMetrics(context.registry).refused;
  const db = controlDb(options.db);
  const now = () => context.clock.now();
  const working = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>, what: string) => {
    const tracked = work
      .catch((err) => log.error({ err, what }, 'campaign work failed'))
      .finally(() => working.delete(tracked));
    working.add(tracked);
  };
  const publishDeps = { db, broker: options.broker, signingKey: options.signingKey, now };

  const branchesOf = async (campaigns: readonly Campaign[]) => {
    const branches = await targetBranches(options.db);
    const picked = new Map<string, string[]>();
    for (const campaign of campaigns) {
      picked.set(campaign.id, await selectBranches(campaign.branches, branches, options.catchment));
    }
    return picked;
  };

  const republish = async (targets: readonly string[]) => {
    const published = await listCampaigns(db, [...publishedStatuses]);
    const picked = await branchesOf(published);
    const plans = [...new Set(targets)].map((branch) => ({
      branch,
      campaigns: published.filter((campaign) => picked.get(campaign.id)?.includes(branch)),
    }));
    const versions = await publishBranches(publishDeps, plans);
    log.info({ branches: versions.size }, 'manifests published');
    return versions;
  };

  const onReport = (message: InboundMessage) => {
    const decoded = decodeMessage('rolloutReport', message.payload);
    const { gateway, branch } = message.publisher;
    if (!decoded.ok || decoded.message.gateway !== gateway) {
      const path = decoded.ok ? 'gateway' : decoded.error.path;
      refused.inc({ channel: 'rolloutReport' });
      return warn(`rollout:${gateway}`, { gateway, path }, 'rollout report refused');
    }

    const report = decoded.message;
    if (report.state === 'failed') {
      log.warn({ gateway, version: report.version, reason: report.reason }, 'rollout failed');
    }
    track(recordReport(db, branch, report, now()), 'rollout report');
  };

  const onRedeem = (message: InboundMessage) => {
    const decoded = decodeMessage('redeemRequest', message.payload);
    const { gateway, branch } = message.publisher;
    if (!decoded.ok || decoded.message.gateway !== gateway) {
      const path = decoded.ok ? 'gateway' : decoded.error.path;
      refused.inc({ channel: 'redeemRequest' });
      return warn(`redeem:${gateway}`, { gateway, path }, 'redeem request refused');
    }

    track(answerRedeem(decoded.message, branch), 'redeem');
  };

  const answerRedeem = async (
    request: { redemptionId: string; code: string; at: number },
    branch: string,
  ) => {
    const reply = await redeem(
      db,
      {
        redemptionId: request.redemptionId,
        codes: [request.code],
        channel: 'branch',
        branch,
        at: request.at,
      },
      now(),
    ).then(
      (done) => ({ outcome: 'accepted' as const, benefit: done.benefits[0] }),
      (err: unknown) => {
        if (!isSmartBranchError(err)) throw err;
        return { outcome: 'refused' as const, reason: err.code };
      },
    );
    await options.broker.publish(
      topic('redeemReply', { branch }),
      encodeMessage('redeemReply', { redemptionId: request.redemptionId, at: now(), ...reply }),
      { qos: 1 },
    );
  };

  const unsubscribes = [
    options.broker.onMessage(topicFilter('rolloutReport'), onReport),
    options.broker.onMessage(topicFilter('redeemRequest'), onRedeem),
  ];
  const sync = context.clock.every(options.syncIntervalMs ?? 2000, () =>
    track(runSync(), 'redemption sync'),
  );
  let syncing: Promise<SyncFigures> | null = null;
  const runSync = () => {
    syncing ??= syncRedemptions(db, now())
      .then((figures) => {
        if (figures.flagged > 0) log.warn({ flagged: figures.flagged }, 'redemption conflicts');
        return figures;
      })
      .finally(() => {
        syncing = null;
      });
    return syncing;
  };

  return {
    db,
    store: options.db,
    broker: options.broker,
    signingKey: options.signingKey,
    offlineAfterMs: options.offlineAfterMs,
    asset: servedAssets(db),
    selectBranches: async (selector) =>
      selectBranches(selector, await targetBranches(options.db), options.catchment),
    async publish(id) {
      const campaign = await getCampaign(db, id);
      const status: CampaignStatus = startsLater(campaign, now()) ? 'scheduled' : 'live';
      await setStatus(db, id, status, now());
      const picked = (await branchesOf([campaign])).get(id) ?? [];
      const holding = await branchesHolding(db, id);
      await republish([...picked, ...holding]);
      log.info({ campaign: id, status, branches: picked.length }, 'campaign published');
      return { status, branches: picked };
    },
    async withdraw(id, status) {
      await getCampaign(db, id);
      await setStatus(db, id, status, now());
      const holding = await branchesHolding(db, id);
      await republish(holding);
      log.info({ campaign: id, status, branches: holding.length }, 'campaign withdrawn');
      return { branches: holding };
    },
    republish,
    async publishAllotments(branches) {
      for (const branch of new Set(branches)) {
        await publishAllotment(db, options.broker, branch, now());
      }
    },
    syncRedemptions: runSync,
    async stop() {
      for (const unsubscribe of unsubscribes) unsubscribe();
      sync.cancel();
      await Promise.allSettled([...working]);
    },
  };
}

function startsLater(campaign: Campaign, now: number): boolean {
  const start = campaign.schedule?.startDate;
  return start !== undefined && start > new Date(now).toISOString().slice(0, 10);
}
