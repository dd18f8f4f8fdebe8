import { z } from 'zod';
import { Id } from './ids.ts';
import { Timestamp } from './messages.ts';

/**
 * Gateway software releases: what HQ offers a gateway, signed like campaign manifests, and
 * what the gateway reports back. They travel over the cloud's HTTP API: the gateway's
 * supervisor asks for an offer, downloads the bundle and posts its reports.
 */
const Text = (max: number) => z.string().max(max);

/** `1.2.3` or `1.2.3-rc.1`: a folder name on the gateway, so nothing path-like. */
export const ReleaseVersion = z
  .string()
  .regex(/^\d{1,4}\.\d{1,4}\.\d{1,6}(-[0-9A-Za-z.-]{1,40})?$/, 'is not a version like 1.2.3');

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'is not a lowercase sha256');

/** A store migration the release carries, and whether the version before it runs on it. */
export const ReleaseMigration = z.strictObject({
  name: Text(160),
  reversible: z.boolean(),
});

export const ReleaseManifest = z.strictObject({
  release: Id,
  version: ReleaseVersion,
  sha256: Sha256,
  size: z.number().int().positive(),
  /** The Node.js versions the release runs on, as in its package.json `engines`. */
  engines: Text(100),
  migrations: z.array(ReleaseMigration).max(1000),
  /** HQ confirmed a release whose migrations the previous version cannot run on. */
  confirmedIrreversible: z.boolean(),
  issuedAt: Timestamp,
  keyId: Text(64),
  signature: z.string().regex(/^[A-Za-z0-9+/=]+$/),
});
export type ReleaseManifest = z.output<typeof ReleaseManifest>;

export const ReleaseOffer = z.strictObject({
  offer: z.strictObject({ rollout: Id, manifest: ReleaseManifest }).nullable(),
});
export type ReleaseOffer = z.output<typeof ReleaseOffer>;

/** Terminal states are applied, rolled-back, refused and failed. */
export const ReleaseState = z.enum([
  'offered',
  'downloading',
  'installed',
  'switching',
  'applied',
  'rolled-back',
  'refused',
  'failed',
]);
export type ReleaseState = z.output<typeof ReleaseState>;

export const terminalReleaseStates: readonly ReleaseState[] = [
  'applied',
  'rolled-back',
  'refused',
  'failed',
];

export const ReleaseReport = z.strictObject({
  rollout: Id,
  release: Id,
  version: ReleaseVersion,
  state: ReleaseState,
  /** Why it failed, was refused or rolled back, in words for the HQ page. */
  reason: Text(300).optional(),
  /** The version the gateway runs after this step. */
  running: Text(40),
  at: Timestamp,
});
export type ReleaseReport = z.output<typeof ReleaseReport>;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;

  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return Object.fromEntries(entries.map(([key, inner]) => [key, canonical(inner)]));
}

/** The bytes the cloud signs: every field but the signature, keys sorted at every level. */
export function releaseSigningPayload(manifest: Omit<ReleaseManifest, 'signature'>): Buffer {
  const { signature: _signature, ...signed } = manifest as ReleaseManifest;
  return Buffer.from(JSON.stringify(canonical(signed)));
}
