import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CloudConfig } from '../cloud/index.ts';
import { type Clock, loadConfigFile, systemClock } from '../core/index.ts';
import { GatewayConfig } from '../edge/runtime.ts';
import {
  accessCheck,
  cameraChecks,
  clockCheck,
  cloudCheck,
  credentialsCheck,
  diskCheck,
  type Finding,
  ffmpegCheck,
  nodeCheck,
  portCheck,
  writableCheck,
} from './checks.ts';
import { defaultSource } from './install.ts';
import type { Role } from './layout.ts';
import { packageInfo } from './releases.ts';

export type { Finding, FindingStatus } from './checks.ts';

export interface DoctorOptions {
  role: Role;
  configFile: string;
  /** Where /dev is looked for. Default `/`. */
  root?: string;
  /** Default: the Node.js running the doctor. */
  nodeVersion?: string;
  /** Less free space than this is a warning, a fifth of it a failure. Default 1 GiB. */
  minFreeBytes?: number;
  clock?: Clock;
}

/** Checks a box for one role; each finding is one line with what to do about it. */
export async function doctor(options: DoctorOptions): Promise<Finding[]> {
  const engines = packageInfo(defaultSource).engines;
  const node = nodeCheck(engines, options.nodeVersion ?? process.version);
  const rest =
    options.role === 'gateway' ? await gatewayChecks(options) : await cloudChecks(options);
  return [node, ...rest];
}

async function gatewayChecks(options: DoctorOptions): Promise<Finding[]> {
  const config = loadConfigFile(options.configFile, GatewayConfig);
  const root = options.root ?? '/';
  const cameraDevices = config.cameras.flatMap((camera) =>
    camera.source.kind === 'url' && camera.source.url.startsWith('/dev/')
      ? [camera.source.url]
      : [],
  );
  const realCameras = config.cameras.some((camera) => camera.source.kind !== 'synthetic');
  return [
    await ffmpegCheck(realCameras),
    ...(await cameraChecks(root, cameraDevices)),
    await accessCheck('gpio', root, /^gpiochip\d+$/, 'gpio'),
    await accessCheck('serial', root, /^tty(USB|ACM)\d+$/, 'dialout'),
    await diskCheck(config.dataDir, options.minFreeBytes),
    await writableCheck(config.dataDir),
    await clockCheck(),
    await portCheck('http', config.http.host, config.http.port),
    await portCheck('bus', config.bus.host, config.bus.port),
    await cloudCheck(config.uplink?.cloudUrl ?? null, options.clock ?? systemClock),
    ...(config.uplink
      ? credentialsCheck(
          join(config.dataDir, 'credentials.json'),
          Boolean(config.uplink.enrolmentToken),
        )
      : [{ check: 'credentials', status: 'ok' as const, detail: 'no uplink: none needed' }]),
  ];
}

async function cloudChecks(options: DoctorOptions): Promise<Finding[]> {
  const config = loadConfigFile(options.configFile, CloudConfig);
  const url = config.store.url;
  const sqliteFile = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : null;
  const dataFolder = sqliteFile && sqliteFile !== ':memory:' ? dirname(sqliteFile) : '.';
  const findings = [
    await diskCheck(dataFolder, options.minFreeBytes),
    await writableCheck(dataFolder),
    await clockCheck(),
    await portCheck('http', config.http.host, config.http.port),
    await portCheck('broker', config.broker.host, config.broker.port),
  ];
  const keyFile = config.signing.keyFile;
  if (!keyFile) {
    findings.push({ check: 'certificates', status: 'ok', detail: 'signing key kept in the store' });
  } else if (!existsSync(keyFile)) {
    findings.push({
      check: 'certificates',
      status: 'warn',
      detail: `${keyFile} missing`,
      fix: 'it is created at first start; restore it from backup if gateways already use it',
    });
  } else {
    const loose = (statSync(keyFile).mode & 0o077) !== 0;
    findings.push(
      loose
        ? {
            check: 'certificates',
            status: 'fail',
            detail: `${keyFile} readable by others`,
            fix: `chmod 600 ${keyFile}`,
          }
        : { check: 'certificates', status: 'ok', detail: `${keyFile} present, owner-only` },
    );
  }
  return findings;
}

const marks = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' } as const;

/** `ok   node          v20.20.2 ...` or `FAIL cloud  ... -> what to do`. */
export function formatFinding(finding: Finding): string {
  const fix = finding.fix ? `  -> ${finding.fix}` : '';
  return `${marks[finding.status]} ${finding.check.padEnd(12)} ${finding.detail}${fix}`;
}
