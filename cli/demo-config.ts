import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newKeyringConfig, newSealKeys } from '../cloud/leads/index.ts';
import { hashPassword, randomSecret } from '../core/index.ts';
import { shippedFlowsFolder } from '../edge/automation/index.ts';

/** The clips beside the checkout, read where they are and never copied in. */
export const sharedFootage = fileURLToPath(new URL('../../shared/data/video/', import.meta.url));

export const demoBranch = {
  id: 'sz-futian',
  name: '深圳福田支行 · Shenzhen Futian',
  timeZone: 'Asia/Shanghai',
  region: 'south',
};

export const demoQueue = {
  timeZone: demoBranch.timeZone,
  services: [
    { id: 'cash', name: '现金 Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 },
    { id: 'cards', name: '银行卡 Cards', prefix: 'B', priority: 1, targetWaitMinutes: 15 },
    { id: 'accounts', name: '开户 Accounts', prefix: 'C', priority: 2, targetWaitMinutes: 20 },
    { id: 'wealth', name: '理财 Wealth', prefix: 'V', priority: 3, targetWaitMinutes: 15 },
  ],
  counters: [
    { id: '1', name: '1号窗口', services: ['cash', 'cards'] },
    { id: '2', name: '2号窗口', services: ['cash', 'accounts'] },
    { id: '3', name: '3号理财室', services: ['wealth', 'accounts'] },
  ],
};

export const demoScreens = [
  {
    id: 'lobby',
    name: '等候区电视 Waiting-area TV',
    zone: 'waiting',
    resolution: '1920x1080',
    orientation: 'landscape',
    role: 'signage',
  },
  {
    id: 'counter-tv',
    name: '窗口区电视 Counter-area TV',
    zone: 'counters',
    resolution: '1920x1080',
    orientation: 'landscape',
    role: 'signage',
  },
  {
    id: 'board',
    name: '叫号屏 Queue board',
    zone: 'waiting',
    resolution: '1920x1080',
    orientation: 'landscape',
    role: 'queue-board',
  },
  {
    id: 'kiosk',
    name: '取号机 Ticket kiosk',
    zone: 'entrance',
    resolution: '1080x1920',
    orientation: 'portrait',
    role: 'kiosk',
  },
] as const;

/** Where each kind of paired page lives on the gateway. */
export const pagePaths: Record<(typeof demoScreens)[number]['role'], string> = {
  signage: '/screens/player/',
  'queue-board': '/queue/board/',
  kiosk: '/queue/kiosk/',
};

/**
 * The shipped flows for the demo's gateway, written once into its data folder, with the
 * greeting on entry sent to the lobby screen only: the demo's customers come in every few
 * seconds, and a greeting on every screen would keep the counter TV's campaign, which the
 * simulated people watch and scan, off the air.
 */
export function demoFlowsFolder(dataDir: string): string {
  const folder = join(dataDir, 'demo-flows');
  mkdirSync(folder, { recursive: true });
  for (const name of readdirSync(shippedFlowsFolder).filter((file) => file.endsWith('.json'))) {
    const nodes = JSON.parse(readFileSync(join(shippedFlowsFolder, name), 'utf8')) as {
      type: string;
      kind?: string;
      screens?: string;
    }[];
    for (const node of nodes) {
      if (node.type === 'sb-screen-out' && node.kind === 'override' && !node.screens) {
        node.screens = 'lobby';
      }
    }
    writeFileSync(join(folder, name), `${JSON.stringify(nodes, null, 2)}\n`);
  }
  return folder;
}

/**
 * The demo camera's zones, written once into the data folder (the technician page saves its
 * edits there): the far part of the picture is the pavement people pass on, the near part the
 * waiting area in front of the lobby screen, and a line down the middle is the door: crossing
 * it right to left is coming in. So HQ's funnel shows passers-by and entries from the clips.
 */
export function demoZonesFile(dataDir: string): string {
  const file = join(dataDir, 'gateway', 'zones.json');
  if (existsSync(file)) return file;

  const band = (top: number, bottom: number) => [
    [0, top],
    [1, top],
    [1, bottom],
    [0, bottom],
  ];
  const zones = {
    zones: [
      { name: 'pavement', kind: 'passing', polygon: band(0, 0.55) },
      { name: 'waiting', kind: 'waiting', polygon: band(0.55, 1), screen: 'lobby' },
    ],
    lines: [{ name: 'door', from: [0.5, 0], to: [0.5, 1] }],
  };
  mkdirSync(join(dataDir, 'gateway'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(zones, null, 2)}\n`);
  return file;
}

export type CameraChoice =
  | { kind: 'folder'; path: string }
  | { kind: 'file'; path: string; loop: boolean }
  | { kind: 'url'; url: string }
  | { kind: 'synthetic'; seed: number; why: string };

/**
 * What feeds the demo's camera: `--footage` (a folder, a file or a camera URL), else the
 * shared clips; the synthetic camera, with the reason, when footage or ffmpeg is missing.
 */
export function chooseCamera(footage: string | undefined, seed: number): CameraChoice {
  const target = footage ?? sharedFootage;
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) || target.startsWith('/dev/video');

  if (spawnSync('ffmpeg', ['-version']).status !== 0) {
    return { kind: 'synthetic', seed, why: 'ffmpeg is not installed (apt-get install -y ffmpeg)' };
  }
  if (url) return { kind: 'url', url: target };
  if (!existsSync(target)) return { kind: 'synthetic', seed, why: `no footage at ${target}` };

  return statSync(target).isDirectory()
    ? { kind: 'folder', path: resolve(target) }
    : { kind: 'file', path: resolve(target), loop: true };
}

export interface DemoSecrets {
  adminPassword: string;
  technicianPassword: string;
  busPasswords: Record<string, string>;
  hashes: { admin: string; technician: string };
}

/**
 * The demo's logins, made once and kept in the data folder (readable by its owner only) so a
 * second run finds the same users in the same databases.
 */
export async function demoSecrets(dataDir: string): Promise<DemoSecrets> {
  const file = join(dataDir, 'logins.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets;

  const adminPassword = randomSecret(9);
  const technicianPassword = randomSecret(9);
  const secrets: DemoSecrets = {
    adminPassword,
    technicianPassword,
    busPasswords: { kiosk: randomSecret(), door: randomSecret(), counter: randomSecret() },
    hashes: {
      admin: await hashPassword(adminPassword),
      technician: await hashPassword(technicianPassword),
    },
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export interface DemoLeadKeys {
  /** The environment the cloud's leads module reads its keys from. */
  environment: Record<string, string>;
  /** The public half the kiosk page seals leads to, base64. */
  sealPublicKey: string;
}

/**
 * The demo's leads keys, made once beside its logins: an AES keyring for names and phones,
 * the QR token secret, and the X25519 pair kiosk leads are sealed to.
 */
export function demoLeadKeys(dataDir: string): DemoLeadKeys {
  const file = join(dataDir, 'leads-keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as DemoLeadKeys;

  const seal = newSealKeys();
  const keys: DemoLeadKeys = {
    environment: {
      SB_LEADS_KEYRING: JSON.stringify(newKeyringConfig()),
      SB_LEADS_TOKEN_SECRET: randomBytes(32).toString('base64'),
      SB_LEADS_SEAL_KEY: Buffer.from(seal.secretKey).toString('base64'),
    },
    sealPublicKey: Buffer.from(seal.publicKey).toString('base64'),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

export const demoKioskLeads = {
  consent: {
    version: 'demo-2026-12',
    text: {
      zh: '我同意银行就所选产品与我联系。',
      en: 'I agree that the bank may contact me about this product.',
    },
  },
  products: {
    wealth: { zh: '理财', en: 'Wealth management' },
    cards: { zh: '信用卡', en: 'Credit card' },
    mortgage: { zh: '房贷', en: 'Mortgage' },
  },
};
