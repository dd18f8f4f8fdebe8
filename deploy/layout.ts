import { join } from 'node:path';

export type Role = 'gateway' | 'cloud';

/** The service account both processes run as; it owns the data and the release folders. */
export const serviceUser = 'smartbranch';

/**
 * Where an installed SmartBranch lives. `root` works like DESTDIR: files are written under
 * it, while every path inside a unit or a config file is the one the box will see.
 */
export interface Layout {
  root: string;
  role: Role;
  /** Paths as the running box sees them. */
  system: SystemPaths;
  /** The same paths under `root`, where the installer writes. */
  local: SystemPaths;
}

export interface SystemPaths {
  /** `/opt/smartbranch`: releases, the shared dependencies and the version links. */
  home: string;
  releases: string;
  /** `node_modules` shared by releases whose bundle carries none. */
  shared: string;
  downloads: string;
  /** Link to the release that runs. */
  current: string;
  /** Link to the release the supervisor runs from: the last one that proved healthy. */
  good: string;
  /** Link to the release before `good`, where a failed upgrade goes back to. */
  previous: string;
  /** The upgrade state: the trial under way, failed releases, reports not yet delivered. */
  stateFile: string;
  configDir: string;
  configFile: string;
  /** `/var/lib/smartbranch/<role>`: SQLite, credentials, caches. */
  dataDir: string;
  unitFile: string;
}

export const unitName = (role: Role) => `smartbranch-${role}.service`;

function paths(base: string, role: Role): SystemPaths {
  const home = join(base, 'opt/smartbranch');
  return {
    home,
    releases: join(home, 'releases'),
    shared: join(home, 'shared'),
    downloads: join(home, 'downloads'),
    current: join(home, 'current'),
    good: join(home, 'good'),
    previous: join(home, 'previous'),
    stateFile: join(home, `state-${role}.json`),
    configDir: join(base, 'etc/smartbranch'),
    configFile: join(base, 'etc/smartbranch', `${role}.json`),
    dataDir: join(base, 'var/lib/smartbranch', role),
    unitFile: join(base, 'etc/systemd/system', unitName(role)),
  };
}

/** The layout of one role's install under `root` (default `/`, the real box). */
export function layout(role: Role, root = '/'): Layout {
  return { root, role, system: paths('/', role), local: paths(root, role) };
}

/** A release's folder, by version, under the given paths. */
export const releaseFolder = (where: SystemPaths, version: string) => join(where.releases, version);
