import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appEntries } from '../../deploy/releases.ts';

export const repoRoot = join(import.meta.dirname, '../..');
export const engines = '>=20.19 <21 || >=24 <25';

export type Behaviour = 'healthy' | 'crash' | 'hang';

/**
 * A runtime of a few lines standing in for SmartBranch: it reads `--config`, then answers
 * /healthz on `http.port` (healthy), exits at once with code 3 (crash) or never listens (hang).
 */
function runtimeScript(version: string, behaviour: Behaviour): string {
  return `import { readFileSync } from 'node:fs';
import http from 'node:http';
const args = process.argv.slice(2);
const config = JSON.parse(readFileSync(args[args.indexOf('--config') + 1], 'utf8'));
const behaviour = ${JSON.stringify(behaviour)};
if (behaviour === 'crash') process.exit(3);
process.on('SIGTERM', () => process.exit(0));
if (behaviour === 'hang') setInterval(() => {}, 1000);
else http.createServer((_q, s) => s.end(JSON.stringify({ version: ${JSON.stringify(version)} })))
  .listen(config.http.port, '127.0.0.1');
`;
}

/** A package folder with a package.json, a stand-in runtime and the given SQL migrations. */
export function tinyPackage(
  folder: string,
  version: string,
  behaviour: Behaviour,
  migrations: Record<string, string> = {},
): string {
  mkdirSync(join(folder, 'bin'), { recursive: true });
  mkdirSync(join(folder, 'edge/store/migrations'), { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({ name: 'smartbranch', version, type: 'module', engines: { node: engines } }),
  );
  writeFileSync(join(folder, 'bin/smartbranch.js'), runtimeScript(version, behaviour));
  for (const [name, sql] of Object.entries(migrations)) {
    writeFileSync(join(folder, 'edge/store/migrations', name), sql);
  }
  return folder;
}

/**
 * The real product at another version: this checkout's files with the version changed, and
 * no node_modules, so it runs on the installed ones and the test fetches nothing.
 */
export function repoPackage(
  folder: string,
  version: string,
  options: { migrations?: Record<string, string>; behaviour?: Behaviour } = {},
): string {
  mkdirSync(folder, { recursive: true });
  for (const entry of appEntries(repoRoot)) {
    cpSync(join(repoRoot, entry), join(folder, entry), { recursive: true });
  }
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ ...manifest, version }, null, 2));
  for (const [name, sql] of Object.entries(options.migrations ?? {})) {
    writeFileSync(join(folder, 'edge/store/migrations', name), sql);
  }
  // The installer links the shared dependencies to the source's: these are this checkout's.
  if (!existsSync(join(folder, 'node_modules'))) {
    symlinkSync(join(repoRoot, 'node_modules'), join(folder, 'node_modules'));
  }
  if (options.behaviour && options.behaviour !== 'healthy') {
    writeFileSync(join(folder, 'bin/smartbranch.js'), runtimeScript(version, options.behaviour));
  }
  return folder;
}
