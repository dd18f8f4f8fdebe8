import { verify } from 'node:crypto';
import type { Logger } from '../../core/index.ts';
import {
  type CampaignManifest,
  decodeMessage,
  manifestSigningBytes,
  type RolloutReport,
} from '../../protocol/index.ts';
import type { AssetStage, WantedAsset } from './assets.ts';
import type { UplinkState } from './state.ts';

/** What applies a verified manifest: the screens module's control, or a stand-in. */
export interface ManifestTarget {
  /** Replaces the campaign content in one step; refuses a version not newer than its own. */
  applyManifest(manifest: CampaignManifest): { applied: boolean; reason?: string };
  /** Whether an asset is already on the gateway with this sha256, so it is not fetched. */
  hasAsset(sha256: string): boolean;
}

export interface ManifestFlowOptions {
  branch: string;
  publicKeyPem: string;
  target: ManifestTarget;
  stage: AssetStage;
  state: UplinkState;
  log: Logger;
  report(report: Omit<RolloutReport, 'gateway' | 'at'>): void;
}

const appliedKey = 'manifestVersion';

/**
 * A manifest's way in, as short steps run in order: decode, check the branch, the version
 * and the signature, fetch the missing assets with their hash checked, apply in one step,
 * report. A manifest refused at any step leaves what plays as it was. Manifests are taken
 * one at a time; one arriving meanwhile waits, and only the newest waiting is taken.
 */
export function manifestFlow(options: ManifestFlowOptions) {
  let running: Promise<void> | null = null;
  let waiting: Buffer | null = null;

  const take = async (payload: Buffer) => {
    const manifest = check(options, payload);
    if (!manifest) return;

    const missing = assetsOf(manifest).filter(
      (asset) => !options.target.hasAsset(asset.sha256) && !options.stage.has(asset.sha256),
    );
    if (missing.length > 0) options.report({ version: manifest.version, state: 'downloading' });

    for (const asset of missing) {
      const problem = await options.stage.fetch(asset).then(
        () => null,
        (err: Error) => err.message,
      );
      if (problem)
        return refuse(options, manifest, `asset ${asset.sha256} not fetched: ${problem}`);
    }

    apply(options, manifest);
  };

  const drain = async () => {
    while (waiting) {
      const next = waiting;
      waiting = null;
      await take(next).catch((err: Error) => options.log.error({ err }, 'manifest not taken'));
    }
    running = null;
  };

  return {
    /** Queues a manifest payload; resolves when every queued one has been taken. */
    offer(payload: Buffer): Promise<void> {
      waiting = payload;
      running ??= drain();
      return running;
    },
    appliedVersion: () => options.state.number(appliedKey),
  };
}

function check(options: ManifestFlowOptions, payload: Buffer): CampaignManifest | null {
  const decoded = decodeMessage('campaignManifest', payload);
  if (!decoded.ok) {
    options.log.warn(
      { path: decoded.error.path, reason: decoded.error.message },
      'manifest refused',
    );
    return null;
  }

  const manifest = decoded.message;
  const applied = options.state.number(appliedKey);
  if (manifest.branch !== options.branch) return refuse(options, manifest, 'another branch');
  if (!signatureHolds(options.publicKeyPem, manifest))
    return refuse(options, manifest, 'bad signature');
  if (manifest.version === applied) {
    // A retained manifest comes again at every connect: say again that it is applied.
    options.report({ version: manifest.version, state: 'applied' });
    return null;
  }
  if (manifest.version < applied) return null;

  return manifest;
}

function signatureHolds(publicKeyPem: string, manifest: CampaignManifest): boolean {
  try {
    const signature = Buffer.from(manifest.signature, 'base64');
    return verify(null, manifestSigningBytes(manifest), publicKeyPem, signature);
  } catch {
    return false;
  }
}

function refuse(options: ManifestFlowOptions, manifest: CampaignManifest, reason: string): null {
  options.log.warn({ version: manifest.version, reason }, 'manifest refused');
  options.report({ version: manifest.version, state: 'failed', reason });
  return null;
}

function apply(options: ManifestFlowOptions, manifest: CampaignManifest) {
  const result = options.target.applyManifest(manifest);
  if (!result.applied) {
    refuse(options, manifest, result.reason ?? 'refused by the screens');
    return;
  }

  options.state.set(appliedKey, String(manifest.version));
  options.stage.prune(new Set(assetsOf(manifest).map((asset) => asset.sha256)));
  options.log.info(
    { version: manifest.version, campaigns: manifest.campaigns.length },
    'manifest applied',
  );
  options.report({ version: manifest.version, state: 'applied' });
}

/** The files a manifest needs: images and videos; web pages and templates carry none. */
function assetsOf(manifest: CampaignManifest): WantedAsset[] {
  const seen = new Map<string, WantedAsset>();
  for (const campaign of manifest.campaigns) {
    for (const item of campaign.items) {
      if (item.type === 'image' || item.type === 'video')
        seen.set(item.sha256, { sha256: item.sha256, size: item.size });
    }
  }
  return [...seen.values()];
}
