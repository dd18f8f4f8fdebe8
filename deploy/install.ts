import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CloudConfig } from '../cloud/index.ts';
import { parseConfig } from '../core/index.ts';
import { GatewayConfig } from '../edge/runtime.ts';
import { type Layout, layout, type Role, releaseFolder, serviceUser, unitName } from './layout.ts';
import { copyRelease, packageInfo, pointLink, removeLink } from './releases.ts';
import { hostSystem, plannedSystem, type System } from './system.ts';
import { unitFile } from './units.ts';

export interface InstallOptions {
  role: Role;
  /** The config file to install, JSON or YAML; checked against its schema first. */
  configFile: string;
  /** Where to write, like DESTDIR. Default `/`, the real box. */
  root?: string;
  /** The package folder to install from. Default: the one this code runs from. */
  source?: string;
  /**
   * `copy` (default) puts the source's node_modules into the shared folder; `link` points
   * the shared folder at them, for a box image built beside its packages, and for tests.
   */
  dependencies?: 'copy' | 'link';
  /** The node binary the unit runs. Default: the one running the installer. */
  node?: string;
  /** Enable and start the unit. Default true. */
  start?: boolean;
  /** Default: the host for root `/`, else the planned system (lists commands, runs none). */
  system?: System;
}

export interface InstallResult {
  layout: Layout;
  version: string;
  unit: string;
  commands: string[];
}

export const defaultSource = join(dirname(new URL(import.meta.url).pathname), '..');

const systemFor = (root: string) => (root === '/' ? hostSystem() : plannedSystem());

/**
 * Installs one role as a systemd service, in named steps: check the config, the account,
 * the folders, the release, the config, the unit, then start it. Running it again upgrades
 * the unit and keeps the data.
 */
export async function installService(options: InstallOptions): Promise<InstallResult> {
  const where = layout(options.role, options.root ?? '/');
  const system = options.system ?? systemFor(where.root);
  const config = installedConfig(options.role, options.configFile, where);
  const source = options.source ?? defaultSource;
  const { version } = packageInfo(source);

  await system
    .run(
      'useradd',
      '--system',
      '--home-dir',
      where.system.home,
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      '--user-group',
      serviceUser,
    )
    .catch(async (err) => {
      if (!(await system.userExists(serviceUser))) throw err;
    });
  await makeFolders(where, system);
  installRelease(where, source, version, options.dependencies ?? 'copy');
  await system.run('chown', '-R', `${serviceUser}:${serviceUser}`, where.local.home);
  await writeConfig(where, config, system);
  const unit = unitFile(where, { node: options.node ?? process.execPath });
  mkdirSync(dirname(where.local.unitFile), { recursive: true });
  writeFileSync(where.local.unitFile, unit, { mode: 0o644 });
  chmodSync(where.local.unitFile, 0o644);

  await system.run('systemctl', 'daemon-reload');
  if (options.start ?? true) await system.run('systemctl', 'enable', '--now', unitName(where.role));
  return { layout: where, version, unit, commands: system.commands };
}

/** Folder, mode and owner: the service owns what it writes, root keeps the config. */
async function makeFolders(where: Layout, system: System): Promise<void> {
  const local = where.local;
  const folders: Array<[string, number, string]> = [
    [local.home, 0o755, serviceUser],
    [local.releases, 0o755, serviceUser],
    [local.shared, 0o755, serviceUser],
    [local.downloads, 0o750, serviceUser],
    [dirname(local.dataDir), 0o755, 'root'],
    [local.dataDir, 0o750, serviceUser],
    [local.configDir, 0o750, 'root'],
  ];
  for (const [path, mode, owner] of folders) {
    mkdirSync(path, { recursive: true });
    chmodSync(path, mode);
    await system.run('chown', `${owner}:${serviceUser}`, path);
  }
}

/** The running package becomes the current and the good release when none is installed. */
function installRelease(
  where: Layout,
  source: string,
  version: string,
  dependencies: 'copy' | 'link',
) {
  const local = where.local;
  const sharedModules = join(local.shared, 'node_modules');
  if (!existsSync(sharedModules)) {
    if (dependencies === 'link') symlinkSync(join(source, 'node_modules'), sharedModules);
    else
      cpSync(join(source, 'node_modules'), sharedModules, {
        recursive: true,
        verbatimSymlinks: true,
      });
  }

  const folder = releaseFolder(local, version);
  if (!existsSync(folder)) copyRelease(source, folder, local.shared);

  pointLink(local.current, folder);
  pointLink(local.good, folder);
}

async function writeConfig(where: Layout, config: unknown, system: System) {
  const file = where.local.configFile;
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o640 });
  chmodSync(file, 0o640);
  await system.run('chown', `root:${serviceUser}`, file);
}

/**
 * The config as given, checked, with its data paths moved into the data folder: a relative
 * path would follow the service's working directory, which a technician does not expect.
 */
export function installedConfig(role: Role, file: string, where: Layout): unknown {
  const raw = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const data = where.system.dataDir;
  const inData = (path: string) => (isAbsolute(path) ? path : join(data, path));
  if (role === 'gateway') {
    parseConfig(file, raw, GatewayConfig);
    return { ...raw, dataDir: data };
  }

  const parsed = parseConfig(file, raw, CloudConfig);
  const url = parsed.store.url;
  const store =
    url.startsWith('sqlite:') && !isAbsolute(url.slice(7))
      ? { ...parsed.store, url: `sqlite:${join(data, 'cloud.db')}` }
      : parsed.store;
  const keyFile = parsed.signing.keyFile ?? 'signing-key.pem';
  return { ...raw, store, signing: { keyFile: inData(keyFile) } };
}

export interface UninstallOptions {
  role: Role;
  root?: string;
  /** Also delete the data folder and the config. Default false: the data stays. */
  purge?: boolean;
  system?: System;
}

/** Stops and removes the unit; the data and the config stay unless `purge`. */
export async function uninstallService(options: UninstallOptions): Promise<string[]> {
  const where = layout(options.role, options.root ?? '/');
  const system = options.system ?? systemFor(where.root);
  const other = layout(options.role === 'gateway' ? 'cloud' : 'gateway', where.root);

  await system.run('systemctl', 'disable', '--now', unitName(where.role)).catch(() => undefined);
  rmSync(where.local.unitFile, { force: true });
  rmSync(where.local.stateFile, { force: true });
  await system.run('systemctl', 'daemon-reload');
  if (!options.purge) return system.commands;

  rmSync(where.local.dataDir, { recursive: true, force: true });
  rmSync(where.local.configFile, { force: true });
  if (existsSync(other.local.unitFile)) return system.commands;

  // The last role gone: the releases and the account go too.
  for (const link of [where.local.current, where.local.good, where.local.previous]) {
    removeLink(link);
  }
  rmSync(where.local.home, { recursive: true, force: true });
  await system.run('userdel', serviceUser).catch(() => undefined);
  return system.commands;
}
