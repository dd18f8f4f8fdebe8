import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SmartBranchError } from '../core/index.ts';
import type { ReleaseManifest } from '../protocol/index.ts';
import { appEntries, packageInfo } from './releases.ts';

const exec = promisify(execFile);
const maxListing = 64 * 1024 * 1024;

/** Where the gateway's SQL migrations sit inside a package. */
export const migrationsPath = 'edge/store/migrations';

export type ReleaseMigrations = ReleaseManifest['migrations'];

export interface BundleInfo {
  file: string;
  version: string;
  engines: string;
  sha256: string;
  size: number;
  migrations: ReleaseMigrations;
}

export async function sha256File(file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * A migration the previous version cannot run on: one that drops or renames, or that its
 * author marked `-- irreversible` (a data rewrite, say). Adding tables, columns and indexes
 * leaves the older code working, since it never reads what it does not know.
 */
export function migrationReversible(sql: string): boolean {
  if (/^\s*--\s*irreversible\b/im.test(sql)) return false;

  const code = sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  return !/\b(DROP\s+(TABLE|COLUMN|VIEW)|RENAME\s+(TO|COLUMN)|ALTER\s+TABLE\s+\S+\s+DROP)\b/i.test(
    code,
  );
}

/** Every migration of a package folder, in the order the store applies them. */
export function folderMigrations(folder: string): ReleaseMigrations {
  const dir = join(folder, migrationsPath);
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  return names.map((name) => ({
    name,
    reversible: migrationReversible(readFileSync(join(dir, name), 'utf8')),
  }));
}

/**
 * Packs a package folder as an npm tarball would (everything under `package/`): the app,
 * and its `node_modules` only when asked, for a box that should get them prebuilt.
 */
export async function buildBundle(
  source: string,
  outDir: string,
  withDependencies = false,
): Promise<BundleInfo> {
  const { version, engines } = packageInfo(source);
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `smartbranch-${version}.tgz`);
  const entries = appEntries(source).concat(withDependencies ? ['node_modules'] : []);

  await exec('tar', [
    '-czf',
    `${file}.partial`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--transform',
    's,^,package/,',
    '-C',
    source,
    ...entries,
  ]);
  renameSync(`${file}.partial`, file);
  return {
    file,
    version,
    engines,
    ...(await sha256File(file)),
    migrations: folderMigrations(source),
  };
}

/** Every member of a bundle must sit under `package/`, with no `..` and no absolute path. */
async function checkMembers(file: string): Promise<void> {
  const { stdout } = await exec('tar', ['-tzf', file], { maxBuffer: maxListing });
  const bad = stdout
    .split('\n')
    .filter(Boolean)
    .find((name) => !name.startsWith('package/') || name.split('/').includes('..'));
  if (bad !== undefined) {
    throw new SmartBranchError('SB_ERR_RELEASE_REFUSED', `bundle member ${bad.slice(0, 80)}`);
  }
}

/** Unpacks a bundle's `package/` into `target`, whole or not at all. */
export async function extractBundle(file: string, target: string): Promise<void> {
  await checkMembers(file);
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });

  await exec('tar', [
    '-xzf',
    file,
    '-C',
    staging,
    '--strip-components=1',
    '--no-same-owner',
    '--no-same-permissions',
  ]);
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
}

/** Version, engines and migrations of a bundle, read from it without unpacking it all. */
export async function describeBundle(file: string): Promise<BundleInfo> {
  await checkMembers(file);
  const read = async (member: string) =>
    (await exec('tar', ['-xzOf', file, member], { maxBuffer: maxListing })).stdout;
  const manifest = JSON.parse(await read('package/package.json')) as {
    version?: string;
    engines?: { node?: string };
  };
  const { stdout } = await exec('tar', ['-tzf', file], { maxBuffer: maxListing });
  const prefix = `package/${migrationsPath}/`;
  const names = stdout
    .split('\n')
    .filter((name) => name.startsWith(prefix) && name.endsWith('.sql'))
    .sort();

  const migrations: ReleaseMigrations = [];
  for (const name of names) {
    migrations.push({
      name: name.slice(prefix.length),
      reversible: migrationReversible(await read(name)),
    });
  }
  return {
    file,
    version: String(manifest.version),
    engines: manifest.engines?.node ?? '',
    ...(await sha256File(file)),
    migrations,
  };
}
