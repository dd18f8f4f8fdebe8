import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, randomSecret, verifyPassword } from '../../core/index.ts';

/** A gateway technician as Node-RED's admin auth sees them: every permission, no password. */
interface EditorUser {
  username: string;
  permissions: '*';
}

export interface EditorAccess {
  /** The technicians allowed into the editor, with their scrypt hashes. */
  technicians: readonly { username: string; password: string }[];
  /** The technician of a gateway session named in a Cookie header, or null. */
  sessionUser(cookieHeader: string | undefined): string | null;
}

export interface SettingsOptions {
  userDir: string;
  credentialSecret: string;
  access: EditorAccess;
  log: Logger;
  /** The SmartBranch nodes' door into the gateway, read by nodes/smartbranch.js. */
  smartbranch: unknown;
}

export const editorRoot = '/flows';
export const nodesFolder = fileURLToPath(new URL('./nodes/', import.meta.url));

/**
 * Node-RED's settings, owned by the gateway: the editor under /flows with admin auth wired to
 * the gateway's technicians (a gateway session cookie is the editor's token, so one login
 * opens both), no anonymous access, no HTTP endpoints for flows, nothing fetched from the
 * internet (no palette installs, no telemetry), flows and credentials in the data folder.
 */
export function nodeRedSettings(options: SettingsOptions) {
  const { access } = options;
  const user = (username: string): EditorUser | null =>
    access.technicians.some((entry) => entry.username === username)
      ? { username, permissions: '*' }
      : null;

  return {
    userDir: options.userDir,
    flowFile: 'flows.json',
    credentialSecret: options.credentialSecret,
    httpAdminRoot: editorRoot,
    // Flows get no HTTP endpoints of their own: every page of the gateway sits behind a login.
    httpNodeRoot: false,
    disableEditor: false,
    nodesDir: [nodesFolder],
    adminAuth: {
      type: 'credentials',
      users: async (username: string) => user(username),
      authenticate: async (username: string, password: string) => {
        const technician = access.technicians.find((entry) => entry.username === username);
        const ok = technician && (await verifyPassword(password ?? '', technician.password));
        return ok ? user(username) : null;
      },
      // The editor's requests and its websocket carry the gateway's session cookie.
      tokens: async (cookieHeader: string) => {
        const username = access.sessionUser(cookieHeader);
        return username ? user(username) : null;
      },
      tokenHeader: 'cookie',
    },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: false, ui: false },
    externalModules: {
      autoInstall: false,
      palette: { allowInstall: false },
      modules: { allowInstall: false },
    },
    editorTheme: {
      projects: { enabled: false },
      tours: false,
      palette: { catalogues: [] },
      page: { title: 'SmartBranch flows' },
      header: { title: 'SmartBranch flows' },
    },
    logging: {
      smartbranch: {
        level: 'info',
        metrics: false,
        audit: false,
        handler: () => nodeRedLogLine(options.log),
      },
    },
    smartbranch: options.smartbranch,
  };
}

// Node-RED's info lines (its banner, paths, "Started flows") are detail for the gateway's log.
const levelNames: Record<number, 'error' | 'warn' | 'debug'> = {
  10: 'error',
  20: 'error',
  30: 'warn',
  40: 'debug',
  50: 'debug',
  60: 'debug',
};

interface NodeRedLogMessage {
  level: number;
  msg: unknown;
  type?: string;
  id?: string;
}

/** Node-RED's own log lines on the gateway's pino logger, fields first. */
function nodeRedLogLine(log: Logger) {
  return (message: NodeRedLogMessage) => {
    const level = levelNames[message.level] ?? 'debug';
    const text = message.msg instanceof Error ? message.msg.message : String(message.msg);
    log[level](
      { nodeType: message.type, node: message.id, detail: text.slice(0, 500) },
      'node-red',
    );
  };
}

/**
 * The secret Node-RED encrypts flow credentials with: the configured one, else one made on
 * first start and kept in the data folder, readable by the gateway's user only.
 */
export function credentialSecret(dataDir: string, configured: string | undefined): string {
  if (configured) return configured;

  const file = join(dataDir, 'automation-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();

  mkdirSync(dataDir, { recursive: true });
  const secret = randomSecret(32);
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
