import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Response } from 'express';
import { SmartBranchError } from '../../core/index.ts';
import { describeBundle } from '../../deploy/index.ts';
import { type ReleaseManifest, ReleaseVersion } from '../../protocol/index.ts';
import type { ReleaseDb, ReleaseTable } from './tables.ts';

const chunkBytes = 1024 * 1024;

type ReleaseMigration = ReleaseManifest['migrations'][number];

export interface Release {
  id: string;
  version: string;
  sha256: string;
  size: number;
  engines: string;
  migrations: ReleaseMigration[];
  createdAt: number;
  createdBy: string;
}

export function toRelease(row: ReleaseTable): Release {
  return {
    id: row.id,
    version: row.version,
    sha256: row.sha256,
    size: row.size,
    engines: row.engines,
    migrations: JSON.parse(row.migrations) as ReleaseMigration[],
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

/** Reads what a bundle says of itself: the cloud signs what is in it, not what it was told. */
async function inspect(bundle: Buffer) {
  const folder = mkdtempSync(join(tmpdir(), 'sb-release-'));
  try {
    const file = join(folder, 'bundle.tgz');
    writeFileSync(file, bundle);
    return await describeBundle(file);
  } catch (err) {
    if (err instanceof SmartBranchError) throw err;
    throw new SmartBranchError(
      'SB_ERR_INVALID_REQUEST',
      'not a release bundle (.tgz with ' + 'package/package.json)',
      '(body)',
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Stores an uploaded bundle; the same bytes uploaded again give the same release. */
export async function storeRelease(db: ReleaseDb, bundle: Buffer, user: string, now: number) {
  const info = await inspect(bundle);
  const version = ReleaseVersion.safeParse(info.version);
  if (!version.success) {
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `version ${info.version}`, 'version');
  }

  const id = `${info.version}-${info.sha256.slice(0, 8)}`;
  const existing = await db
    .selectFrom('releases')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (existing) return { release: toRelease(existing), created: false };

  const row: ReleaseTable = {
    id,
    version: info.version,
    sha256: info.sha256,
    size: info.size,
    engines: info.engines,
    migrations: JSON.stringify(info.migrations),
    created_at: now,
    created_by: user,
  };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('releases').values(row).execute();
    for (let idx = 0; idx * chunkBytes < bundle.length; idx++) {
      const data = bundle.subarray(idx * chunkBytes, (idx + 1) * chunkBytes).toString('base64');
      await trx.insertInto('release_chunks').values({ release: id, idx, data }).execute();
    }
  });
  return { release: toRelease(row), created: true };
}

/** Streams a bundle chunk by chunk, never holding more than one in memory. */
export async function sendBundle(db: ReleaseDb, release: Release, response: Response) {
  response.type('application/gzip');
  response.setHeader('content-length', String(release.size));
  for (let idx = 0; ; idx++) {
    const chunk = await db
      .selectFrom('release_chunks')
      .select('data')
      .where('release', '=', release.id)
      .where('idx', '=', idx)
      .executeTakeFirst();
    if (!chunk) break;

    if (!response.write(Buffer.from(chunk.data, 'base64'))) {
      await new Promise((resolve) => response.once('drain', resolve));
    }
  }
  response.end();
}
