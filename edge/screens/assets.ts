import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock, Timer } from '../../core/index.ts';
import type { Db } from '../store/index.ts';
import { download } from './download.ts';

export interface AssetCacheOptions {
  dir: string;
  /** Size limit of the cache, in bytes; assets of the current schedule are never evicted. */
  maxBytes: number;
  db: Db;
  /** Where missing assets come from: `{sourceUrl}/{sha256}`. Absent: nothing is fetched. */
  sourceUrl?: string;
  /** Wait before fetching a failed asset again, in milliseconds. */
  retryMs: number;
  clock: Clock;
  log: Logger;
  /** Told when an asset becomes playable, so the scheduler can offer it. */
  onReady(sha256: string): void;
}

export interface WantedAsset {
  sha256: string;
  size: number;
}

export interface AssetCache {
  ready(sha256: string): boolean;
  /** The file of a ready asset, marking it used now for the LRU order. */
  file(sha256: string): string | null;
  want(assets: readonly WantedAsset[]): void;
  /** Assets of the current schedule: eviction passes them by. */
  pin(sha256s: ReadonlySet<string>): void;
  put(bytes: Buffer, mime: string): string;
  stats(): { files: number; bytes: number; downloading: number; failed: number };
  stop(): Promise<void>;
}

interface Entry {
  size: number;
  mime: string | null;
  lastUsedAt: number;
}

/**
 * The gateway's campaign assets on disk, named by sha256. A file is written under a
 * temporary name, its hash checked, flushed and renamed into place, and only then entered in
 * the index: a power cut or a kill mid-download leaves at most a temporary file, which the
 * next start deletes, never a half file in use.
 */
export function assetCache(options: AssetCacheOptions): AssetCache {
  const temporary = join(options.dir, '.partial');
  mkdirSync(temporary, { recursive: true });
  const index = loadIndex(options, temporary);
  const fetching = new Map<string, AbortController>();
  const failed = new Map<string, Timer>();
  let pinned: ReadonlySet<string> = new Set();
  let stopped = false;

  const insert = options.db.prepare(`INSERT OR REPLACE INTO screen_assets
    (sha256, size, mime, added_at, last_used_at) VALUES (?, ?, ?, ?, ?)`);
  const touch = options.db.prepare('UPDATE screen_assets SET last_used_at = ? WHERE sha256 = ?');
  const remove = options.db.prepare('DELETE FROM screen_assets WHERE sha256 = ?');

  const admit = (sha256: string, size: number, mime: string | null) => {
    const now = options.clock.now();
    insert.run(sha256, size, mime, now, now);
    index.set(sha256, { size, mime, lastUsedAt: now });
    evict();
    options.onReady(sha256);
  };

  const evict = () => {
    let bytes = [...index.values()].reduce((sum, entry) => sum + entry.size, 0);
    const candidates = [...index.entries()]
      .filter(([sha256]) => !pinned.has(sha256))
      .sort((a, b) => a[1].lastUsedAt - b[1].lastUsedAt);
    for (const [sha256, entry] of candidates) {
      if (bytes <= options.maxBytes) break;

      rmSync(join(options.dir, sha256), { force: true });
      remove.run(sha256);
      index.delete(sha256);
      bytes -= entry.size;
      options.log.info({ sha256, size: entry.size }, 'asset evicted from cache');
    }
    if (bytes > options.maxBytes) {
      options.log.warn(
        { bytes, maxBytes: options.maxBytes },
        'scheduled assets exceed the cache limit',
      );
    }
  };

  const fetchOne = (wanted: WantedAsset) => {
    if (
      stopped ||
      !options.sourceUrl ||
      index.has(wanted.sha256) ||
      fetching.has(wanted.sha256) ||
      failed.has(wanted.sha256)
    )
      return;

    const abort = new AbortController();
    fetching.set(wanted.sha256, abort);
    const target = join(temporary, `${wanted.sha256}.${randomBytes(4).toString('hex')}`);
    download(`${options.sourceUrl}/${wanted.sha256}`, target, wanted, abort.signal)
      .then((mime) => {
        renameInto(target, join(options.dir, wanted.sha256), options.dir);
        admit(wanted.sha256, wanted.size, mime);
        options.log.info(
          { sha256: wanted.sha256, size: wanted.size },
          'asset fetched and verified',
        );
      })
      .catch((err: Error) => {
        rmSync(target, { force: true });
        if (stopped) return;

        options.log.warn({ sha256: wanted.sha256, reason: err.message }, 'asset fetch failed');
        failed.set(
          wanted.sha256,
          options.clock.after(options.retryMs, () => {
            failed.delete(wanted.sha256);
            fetchOne(wanted);
          }),
        );
      })
      .finally(() => fetching.delete(wanted.sha256));
  };

  return {
    ready: (sha256) => index.has(sha256),
    file(sha256) {
      const entry = index.get(sha256);
      if (!entry) return null;

      entry.lastUsedAt = options.clock.now();
      touch.run(entry.lastUsedAt, sha256);
      return join(options.dir, sha256);
    },
    want: (assets) => {
      for (const asset of assets) fetchOne(asset);
    },
    pin(sha256s) {
      pinned = sha256s;
      evict();
    },
    put(bytes, mime) {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (index.has(sha256)) return sha256;

      const target = join(temporary, `${sha256}.${randomBytes(4).toString('hex')}`);
      writeFileSync(target, bytes);
      syncFile(target);
      renameInto(target, join(options.dir, sha256), options.dir);
      admit(sha256, bytes.length, mime);
      return sha256;
    },
    stats: () => ({
      files: index.size,
      bytes: [...index.values()].reduce((sum, entry) => sum + entry.size, 0),
      downloading: fetching.size,
      failed: failed.size,
    }),
    async stop() {
      stopped = true;
      for (const timer of failed.values()) timer.cancel();
      for (const abort of fetching.values()) abort.abort();
    },
  };
}

/** The index as stored, minus rows whose file is gone or the wrong size; partial files removed. */
function loadIndex(options: AssetCacheOptions, temporary: string): Map<string, Entry> {
  for (const name of readdirSync(temporary)) rmSync(join(temporary, name), { force: true });

  const rows = options.db
    .prepare('SELECT sha256, size, mime, last_used_at AS lastUsedAt FROM screen_assets')
    .all() as ({ sha256: string } & Entry)[];
  const index = new Map<string, Entry>();
  const remove = options.db.prepare('DELETE FROM screen_assets WHERE sha256 = ?');
  for (const row of rows) {
    const size = fileSize(join(options.dir, row.sha256));
    if (size === row.size)
      index.set(row.sha256, { size: row.size, mime: row.mime, lastUsedAt: row.lastUsedAt });
    else remove.run(row.sha256);
  }
  return index;
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

function syncFile(path: string) {
  const handle = openSync(path, 'r+');
  try {
    fsyncSync(handle);
  } finally {
    closeSync(handle);
  }
}

/** Rename, then flush the folder so the new name itself survives a power cut. */
function renameInto(from: string, to: string, folder: string) {
  renameSync(from, to);
  try {
    const handle = openSync(folder, 'r');
    fsyncSync(handle);
    closeSync(handle);
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic there.
  }
}
