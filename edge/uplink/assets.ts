import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebStream } from 'node:stream/web';
import type { Clock } from '../../core/index.ts';

export interface WantedAsset {
  sha256: string;
  size: number;
}

/**
 * Campaign assets the uplink fetched from the cloud before applying a manifest, by sha256.
 * A file is written under a temporary name, checked against the manifest's size and hash,
 * and only then renamed into place, so a half download is never taken for an asset.
 */
export interface AssetStage {
  has(sha256: string): boolean;
  /** Fetches one asset; resolves when it is in place, rejects with the reason otherwise. */
  fetch(asset: WantedAsset): Promise<void>;
  /** Lets go of every staged asset not in `keep`. */
  prune(keep: ReadonlySet<string>): void;
}

export function assetStage(
  dir: string,
  baseUrl: string,
  clock: Clock,
  timeoutMs: number,
): AssetStage {
  const partial = join(dir, '.partial');
  mkdirSync(partial, { recursive: true });
  for (const name of readdirSync(partial)) rmSync(join(partial, name), { force: true });

  return {
    has: (sha256) => existsSync(join(dir, sha256)),
    async fetch(asset) {
      const target = join(partial, `${asset.sha256}.${randomBytes(4).toString('hex')}`);
      const abort = new AbortController();
      const timer = clock.after(timeoutMs, () => abort.abort());
      try {
        await download(`${baseUrl}/${asset.sha256}`, target, asset, abort.signal);
        renameSync(target, join(dir, asset.sha256));
      } finally {
        timer.cancel();
        rmSync(target, { force: true });
      }
    },
    prune(keep) {
      for (const name of readdirSync(dir)) {
        if (/^[0-9a-f]{64}$/.test(name) && !keep.has(name)) rmSync(join(dir, name));
      }
    },
  };
}

async function download(url: string, target: string, asset: WantedAsset, signal: AbortSignal) {
  const response = await fetch(url, { signal });
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);

  const hash = createHash('sha256');
  let received = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > asset.size) return done(new Error(`over ${asset.size} bytes`));

      hash.update(chunk);
      done(null, chunk);
    },
  });
  const body = Readable.fromWeb(response.body as WebStream<Uint8Array>);
  await pipeline(body, check, createWriteStream(target));
  if (received !== asset.size) throw new Error(`${received} bytes, not ${asset.size}`);

  const sha256 = hash.digest('hex');
  if (sha256 !== asset.sha256) throw new Error(`sha256 ${sha256.slice(0, 12)}… does not match`);
}
