import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { isSmartBranchError, type ModuleContext, type Timer } from '../core/index.ts';
import type { ReleaseManifest, ReleaseReport } from '../protocol/index.ts';
import { extractBundle } from './bundle.ts';
import {
  manifestSigned,
  type ReleaseLink,
  readGatewayCredentials,
  releaseLink,
} from './cloud-link.ts';
import { satisfiesEngines } from './engines.ts';
import { type Layout, releaseFolder } from './layout.ts';
import { linkDependencies, linkedVersion } from './releases.ts';
import type { StateStore } from './state.ts';
import type { Supervisor } from './supervisor.ts';

export interface UpdaterOptions {
  cloudUrl: string;
  /** The gateway's credentials.json: its identity and the cloud's manifest key. */
  credentialsFile: string;
  /** The gateway's SQLite file, to see which migrations it has applied. */
  database: string;
  layout: Layout;
  state: StateStore;
  supervisor: Pick<Supervisor, 'upgrade'>;
  /** How often HQ is asked for a release, in ms. Default 300000 (5 minutes). */
  pollIntervalMs?: number;
  /** Default: the Node.js running the supervisor, which also runs the new release. */
  nodeVersion?: string;
}

export type UpdateOutcome =
  | 'not-enrolled'
  | 'no-offer'
  | 'up-to-date'
  | 'already-failed'
  | 'refused'
  | 'applied'
  | 'rolled-back'
  | 'unreachable';

export interface Updater {
  /** One round: deliver reports, ask for an offer, and carry it out to its verdict. */
  checkNow(): Promise<UpdateOutcome>;
  stop(): void;
}

/**
 * The gateway's side of a release, in order: ask, verify the signature, download with the
 * hash checked, check engines and migrations, unpack beside the running version, then hand
 * the switch to the supervisor, whose trial decides. Every step is reported to HQ.
 */
export function startUpdater(options: UpdaterOptions, context: ModuleContext): Updater {
  const log = context.log.child({ module: 'updater' });
  let busy: Promise<UpdateOutcome> | null = null;

  const round = async (): Promise<UpdateOutcome> => {
    const credentials = readGatewayCredentials(options.credentialsFile);
    if (!credentials) return 'not-enrolled';

    const link = releaseLink(options.cloudUrl, credentials);
    try {
      await deliverReports(link, options.state);
      const offer = await link.offer();
      const outcome = offer
        ? await carryOut(offer.rollout, offer.manifest, credentials.manifestPublicKey, link)
        : 'no-offer';
      await deliverReports(link, options.state);
      return outcome;
    } catch (err) {
      if (isSmartBranchError(err) && err.code !== 'SB_ERR_UNAVAILABLE') throw err;

      log.warn({ reason: (err as Error).message }, 'cloud not reachable for releases');
      return 'unreachable';
    }
  };

  const carryOut = async (
    rollout: string,
    manifest: ReleaseManifest,
    publicKey: string,
    link: ReleaseLink,
  ): Promise<UpdateOutcome> => {
    const report = reporter(options, rollout, manifest, context);
    const running = linkedVersion(options.layout.local.current);
    if (manifest.version === running) {
      report('applied');
      return 'up-to-date';
    }
    if (options.state.read().failed.includes(manifest.release)) return 'already-failed';

    const refusal = refusalOf(manifest, publicKey, options);
    if (refusal) return refuse(options, report, manifest, refusal, log);

    const folder = releaseFolder(options.layout.local, manifest.version);
    if (!existsSync(folder)) {
      report('downloading');
      const file = join(options.layout.local.downloads, `${manifest.release}.tgz`);
      try {
        await link.download(manifest, file);
        await extractBundle(file, folder);
      } catch (err) {
        if (!isSmartBranchError(err) || err.code !== 'SB_ERR_RELEASE_REFUSED') throw err;

        return refuse(options, report, manifest, err.message, log);
      }
      linkDependencies(folder, options.layout.local.shared);
    }
    report('installed');

    log.info({ version: manifest.version, from: running }, 'release installed; switching');
    return options.supervisor.upgrade({
      version: manifest.version,
      rollout,
      release: manifest.release,
      irreversible: irreversibleAhead(manifest, options.database),
    });
  };

  const timer: Timer = context.clock.every(options.pollIntervalMs ?? 300_000, () => {
    if (busy) return;

    busy = round().catch((err) => {
      log.error({ err }, 'release round failed');
      return 'unreachable' as const;
    });
    void busy.finally(() => {
      busy = null;
    });
  });

  return {
    checkNow: () => {
      busy ??= round().finally(() => {
        busy = null;
      });
      return busy;
    },
    stop: () => timer.cancel(),
  };
}

function reporter(
  options: UpdaterOptions,
  rollout: string,
  manifest: ReleaseManifest,
  context: ModuleContext,
) {
  return (state: ReleaseReport['state'], reason?: string) => {
    const running = linkedVersion(options.layout.local.current) ?? 'unknown';
    const report: ReleaseReport = {
      rollout,
      release: manifest.release,
      version: manifest.version,
      state,
      running,
      at: context.clock.now(),
      ...(reason ? { reason: reason.slice(0, 300) } : {}),
    };
    options.state.update((stored) => {
      stored.reports.push(report);
    });
  };
}

function refuse(
  options: UpdaterOptions,
  report: ReturnType<typeof reporter>,
  manifest: ReleaseManifest,
  reason: string,
  log: ModuleContext['log'],
): UpdateOutcome {
  options.state.update((state) => {
    state.failed.push(manifest.release);
  });
  report('refused', reason);
  log.warn({ release: manifest.release, version: manifest.version, reason }, 'release refused');
  return 'refused';
}

/** Why this box must not take the release, or null when it may. */
function refusalOf(
  manifest: ReleaseManifest,
  publicKey: string,
  options: UpdaterOptions,
): string | null {
  if (!manifestSigned(manifest, publicKey)) return 'signature does not verify with the cloud key';

  const node = options.nodeVersion ?? process.version;
  if (!satisfiesEngines(manifest.engines, node)) {
    return `needs Node.js ${manifest.engines}; this box runs ${node}`;
  }
  if (irreversibleAhead(manifest, options.database) && !manifest.confirmedIrreversible) {
    return 'carries migrations the previous version cannot run on, without HQ confirmation';
  }

  return null;
}

/** Whether a migration this database has not applied yet is one there is no way back from. */
function irreversibleAhead(manifest: ReleaseManifest, database: string): boolean {
  const applied = appliedMigrations(database);
  return manifest.migrations.some(
    (migration) => !migration.reversible && !applied.has(migration.name),
  );
}

function appliedMigrations(database: string): Set<string> {
  if (!existsSync(database)) return new Set();

  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    return new Set(db.prepare('SELECT name FROM migrations').pluck().all() as string[]);
  } catch {
    return new Set();
  } finally {
    db.close();
  }
}

async function deliverReports(link: ReleaseLink, state: StateStore): Promise<void> {
  // The cloud takes at most 100 a call; the rest go in the next round.
  const pending = state.read().reports.slice(0, 100);
  if (pending.length === 0) return;

  await link.deliver(pending);
  state.update((stored) => {
    stored.reports.splice(0, pending.length);
  });
}
