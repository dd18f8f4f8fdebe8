import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { z } from 'zod';
import { SmartBranchError } from '../core/index.ts';
import { ReleaseVersion } from '../protocol/index.ts';

/** What a release folder holds is the package minus these: state, tests and local tooling. */
const notShipped = new Set([
  'node_modules',
  '.git',
  'data',
  'tests',
  'bench',
  'coverage',
  '.ci',
  '.probe',
  'summary.json',
]);

/** The top-level entries of a package folder that make up a release. */
export function appEntries(source: string): string[] {
  return readdirSync(source)
    .filter((entry) => !notShipped.has(entry))
    .sort();
}

const Manifest = z.object({ version: ReleaseVersion, engines: z.object({ node: z.string() }) });

/** The version and Node.js range a package folder declares in its package.json. */
export function packageInfo(folder: string): { version: string; engines: string } {
  const parsed = Manifest.safeParse(JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')));
  if (!parsed.success) {
    throw new SmartBranchError(
      'SB_ERR_RELEASE_REFUSED',
      `${folder}/package.json: needs a version like 1.2.3 and engines.node`,
    );
  }

  return { version: parsed.data.version, engines: parsed.data.engines.node };
}

/**
 * Copies a package into a release folder, written beside it first and renamed into place, so
 * a folder under `releases/` is always whole. Its dependencies are its own when it carries
 * `node_modules`, else the shared ones, linked by a relative path.
 */
export function copyRelease(source: string, target: string, shared: string): void {
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const entry of appEntries(source)) {
    cpSync(join(source, entry), join(staging, entry), { recursive: true, verbatimSymlinks: true });
  }

  linkDependencies(staging, shared);
  renameSync(staging, target);
}

/** Links `node_modules` of a release to the shared folder when the release has none. */
export function linkDependencies(release: string, shared: string): void {
  const own = join(release, 'node_modules');
  if (existsSync(own) || isLink(own)) return;

  // Relative to the release's final place: `releases/<v>` and `shared/` are siblings' children.
  const finalPlace = join(dirname(release), basename(release).replace(/\.partial$/, ''));
  symlinkSync(relative(finalPlace, join(shared, 'node_modules')), own);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Points `link` at `target` in one rename, so a reader sees the old or the new, never none. */
export function pointLink(link: string, target: string): void {
  const staging = `${link}.next`;
  rmSync(staging, { force: true });
  symlinkSync(relative(dirname(link), target), staging);
  renameSync(staging, link);
}

/** The version a link points at (the release folder's name), or null when there is none. */
export function linkedVersion(link: string): string | null {
  if (!isLink(link)) return null;

  return basename(readlinkSync(link));
}

export function removeLink(link: string): void {
  if (isLink(link)) rmSync(link);
}
