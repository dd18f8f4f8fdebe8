import { execFile } from 'node:child_process';
import { constants, existsSync, readdirSync, statSync } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Clock } from '../core/index.ts';
import { probeHealth } from './child.ts';
import { readGatewayCredentials } from './cloud-link.ts';
import { satisfiesEngines } from './engines.ts';

const exec = promisify(execFile);

export type FindingStatus = 'ok' | 'warn' | 'fail';

/** One line of `smartbranch doctor`: what was checked, what was found, what to do. */
export interface Finding {
  check: string;
  status: FindingStatus;
  detail: string;
  /** What the technician does about it; absent when all is well. */
  fix?: string;
}

const ok = (check: string, detail: string): Finding => ({ check, status: 'ok', detail });
const bad = (check: string, status: 'warn' | 'fail', detail: string, fix: string): Finding => ({
  check,
  status,
  detail,
  fix,
});

export function nodeCheck(engines: string, version: string): Finding {
  if (satisfiesEngines(engines, version)) return ok('node', `${version} (supported: ${engines})`);

  return bad(
    'node',
    'fail',
    `${version} is not in ${engines}`,
    'install Node.js 20 (20.19 or later) or 24 and reinstall the service',
  );
}

/** The first line a command prints, or null when it is missing or fails. */
export async function firstLine(command: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await exec(command, args, { timeout: 10_000 });
    return stdout.split('\n')[0]?.trim() ?? '';
  } catch {
    return null;
  }
}

export async function ffmpegCheck(needed: boolean): Promise<Finding> {
  const line = await firstLine('ffmpeg', ['-version']);
  if (line) return ok('ffmpeg', line.slice(0, 80));

  return bad(
    'ffmpeg',
    needed ? 'fail' : 'warn',
    'ffmpeg not found on the PATH',
    `apt-get install ffmpeg${needed ? '' : ' (needed once a real camera is configured)'}`,
  );
}

async function usable(path: string): Promise<boolean> {
  return access(path, constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
}

function devices(root: string, pattern: RegExp): string[] {
  const dev = join(root, 'dev');
  if (!existsSync(dev)) return [];

  return readdirSync(dev)
    .filter((name) => pattern.test(name))
    .map((name) => `/dev/${name}`);
}

/** Each configured V4L2 camera must exist and be readable; others just get counted. */
export async function cameraChecks(root: string, configured: string[]): Promise<Finding[]> {
  const present = devices(root, /^video\d+$/);
  if (configured.length === 0) {
    return [ok('cameras', `${present.length} video device(s): ${present.join(' ') || 'none'}`)];
  }

  const findings: Finding[] = [];
  for (const device of configured) {
    const path = join(root, device);
    if (!existsSync(path)) {
      findings.push(
        bad(
          'camera',
          'fail',
          `${device} is missing`,
          'plug the camera in, or fix its url in the config',
        ),
      );
    } else if (!(await usable(path))) {
      findings.push(
        bad(
          'camera',
          'fail',
          `${device} is not readable by this user`,
          'add the smartbranch user to the video group: usermod -aG video smartbranch',
        ),
      );
    } else {
      findings.push(ok('camera', `${device} present`));
    }
  }
  return findings;
}

export async function accessCheck(
  check: string,
  root: string,
  pattern: RegExp,
  group: string,
): Promise<Finding> {
  const found = devices(root, pattern);
  if (found.length === 0) return ok(check, 'no device present (needed only if one is wired)');

  const denied: string[] = [];
  for (const device of found) if (!(await usable(join(root, device)))) denied.push(device);
  if (denied.length === 0) return ok(check, `${found.join(' ')} usable`);

  return bad(
    check,
    'warn',
    `${denied.join(' ')} not usable by this user`,
    `add the smartbranch user to the ${group} group: usermod -aG ${group} smartbranch`,
  );
}

const gib = 1024 ** 3;

export async function diskCheck(folder: string, minFreeBytes = gib): Promise<Finding> {
  let existing = folder;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const stats = await statfs(existing);
  const free = stats.bavail * stats.bsize;
  const detail = `${(free / gib).toFixed(1)} GiB free at ${existing}`;
  if (free >= minFreeBytes) return ok('disk', detail);

  const status = free < minFreeBytes / 5 ? 'fail' : 'warn';
  return bad('disk', status, detail, 'free space: records wait on disk while the cloud is away');
}

export async function clockCheck(): Promise<Finding> {
  const synced = await firstLine('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']);
  if (synced === 'yes') return ok('clock', 'synchronised (NTP)');
  if (synced === null) {
    return bad(
      'clock',
      'warn',
      'cannot ask timedatectl',
      "check the time source by hand; records carry the gateway's clock",
    );
  }

  return bad(
    'clock',
    'warn',
    'not synchronised',
    'enable a time source: timedatectl set-ntp true (systemd-timesyncd or chrony)',
  );
}

/** Whether something already listens: expected when the service itself runs. */
export async function portCheck(name: string, host: string, port: number): Promise<Finding> {
  if (port === 0) return ok(`port ${name}`, 'picked at start (0)');

  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
  if (free) return ok(`port ${name}`, `${host}:${port} free`);

  return bad(
    `port ${name}`,
    'warn',
    `${host}:${port} in use`,
    'fine if the smartbranch service runs; else stop what holds it or change the port',
  );
}

export async function cloudCheck(cloudUrl: string | null, clock: Clock): Promise<Finding> {
  if (!cloudUrl) return ok('cloud', 'no uplink configured: the branch runs alone');

  const url = new URL('/healthz', cloudUrl).href;
  if (await probeHealth(url, 5000, clock)) return ok('cloud', `${cloudUrl} answers`);

  return bad(
    'cloud',
    'fail',
    `${cloudUrl} does not answer`,
    'check the network, the proxy and uplink.cloudUrl in the config',
  );
}

export function credentialsCheck(file: string, hasToken: boolean): Finding[] {
  if (!existsSync(file)) {
    if (hasToken) return [ok('credentials', 'not enrolled yet; the token enrols it at start')];

    return [
      bad(
        'credentials',
        'fail',
        `${file} missing and no enrolment token`,
        'ask HQ for an enrolment token and put it in uplink.enrolmentToken',
      ),
    ];
  }

  const mode = statSync(file).mode & 0o777;
  const credentials = readGatewayCredentials(file);
  const findings: Finding[] = [
    credentials
      ? ok('credentials', `enrolled as ${credentials.gateway}`)
      : bad(
          'credentials',
          'fail',
          `${file} is not valid`,
          'delete it and enrol again with a new token',
        ),
  ];
  if (mode & 0o077) {
    findings.push(
      bad('credentials', 'warn', `${file} has mode ${mode.toString(8)}`, `chmod 600 ${file}`),
    );
  }
  return findings.concat(credentials ? [keyCheck(credentials.manifestPublicKey)] : []);
}

function keyCheck(pem: string): Finding {
  return /BEGIN PUBLIC KEY/.test(pem)
    ? ok('certificates', 'cloud signing key held (manifests and releases are verified)')
    : bad(
        'certificates',
        'fail',
        'no cloud signing key in the credentials',
        'enrol again: the key comes with the credentials',
      );
}

export async function writableCheck(folder: string): Promise<Finding> {
  if (!existsSync(folder)) {
    return bad(
      'data',
      'warn',
      `${folder} does not exist yet`,
      'run smartbranch install-gateway, or create it for the service user',
    );
  }
  if (await usable(folder)) return ok('data', `${folder} writable`);

  return bad(
    'data',
    'fail',
    `${folder} not writable by this user`,
    `chown -R smartbranch:smartbranch ${folder}`,
  );
}
