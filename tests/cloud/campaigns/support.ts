import { type Cloud, startCloud } from '../../../cloud/index.ts';
import { openStore, type Store } from '../../../cloud/store/index.ts';
import { createUser, type Role } from '../../../cloud/users/index.ts';
import { hashPassword, type ModuleContext } from '../../../core/index.ts';
import {
  adminPassword,
  postgresTarget,
  type StoreTarget,
  sqliteTarget,
  tempFolder,
  testConfig,
  testContext,
} from '../support.ts';

export const roles: Role[] = [
  'admin',
  'marketer',
  'analyst',
  'branch-manager',
  'relationship-manager',
  'merchant',
];

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the answers of every route
  body: any;
  text: string;
  headers: Headers;
}

export interface Client {
  request(method: string, path: string, body?: unknown, type?: string): Promise<Answer>;
  get(path: string): Promise<Answer>;
  post(path: string, body?: unknown): Promise<Answer>;
  put(path: string, body?: unknown): Promise<Answer>;
}

export interface Harness {
  cloud: Cloud;
  /** The cloud's store, opened a second time, for what a test must arrange behind the API. */
  store: Store;
  target: StoreTarget;
  context: ModuleContext;
  /** A logged-in client of a user with this role (one user per role, made on first use). */
  as(role: Role | 'anonymous'): Promise<Client>;
  /** The user name of a role's user. */
  username(role: Role): string;
  stop(): Promise<void>;
}

/** The password of every user the harness makes besides the admin. */
export const userPassword = 'long enough password';
const password = userPassword;

/** A cloud on a fresh SQLite file or PostgreSQL schema, with users of every role. */
export async function startHarness(
  dialect: 'sqlite' | 'postgres' = 'sqlite',
  options: { context?: ModuleContext; config?: Record<string, unknown> } = {},
): Promise<Harness> {
  const folder = tempFolder('sb-campaigns-');
  const postgres = dialect === 'postgres' ? postgresTarget() : null;
  const target = postgres ?? sqliteTarget(folder.path);
  const context = options.context ?? testContext();
  const cloud = await startCloud(testConfig(target, options.config ?? {}), context);
  const store = await openStore(
    target.schema ? { url: target.url, schema: target.schema } : { url: target.url },
    context,
  );
  const clients = new Map<string, Client>();
  const username = (role: Role) => (role === 'admin' ? 'admin' : `user-${role}`);

  const as = async (role: Role | 'anonymous') => {
    const known = clients.get(role);
    if (known) return known;

    if (role !== 'admin' && role !== 'anonymous') {
      const passwordHash = await hashPassword(password);
      await createUser(store.db, { username: username(role), passwordHash, role }, 0);
    }
    const cookie =
      role === 'anonymous'
        ? ''
        : await login(cloud.httpUrl, username(role), role === 'admin' ? adminPassword : password);
    const client = httpClient(cloud.httpUrl, cookie);
    clients.set(role, client);
    return client;
  };

  return {
    cloud,
    store,
    target,
    context,
    as,
    username,
    async stop() {
      await store.close();
      await cloud.stop();
      await postgres?.drop();
      folder.remove();
    },
  };
}

async function login(httpUrl: string, username: string, secret: string): Promise<string> {
  const response = await fetch(`${httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: secret }),
  });
  if (response.status !== 200) throw new Error(`login of ${username}: ${response.status}`);
  return (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

export function httpClient(httpUrl: string, cookie: string): Client {
  const request = async (method: string, path: string, body?: unknown, type?: string) => {
    const headers: Record<string, string> = cookie ? { cookie } : {};
    let payload: string | Blob | null = null;
    if (body !== undefined) {
      headers['content-type'] = type ?? 'application/json';
      if (Buffer.isBuffer(body)) payload = new Blob([new Uint8Array(body)]);
      else payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await fetch(`${httpUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  };
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    put: (path, body) => request('PUT', path, body ?? {}),
  };
}

/** A campaign body with the fields every test needs; `overrides` replace them. */
export function campaignBody(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: `Campaign ${id}`,
    objective: 'card-application',
    priority: 5,
    items: [{ id: `${id}-welcome`, type: 'template', template: '<h1>{{branchName}}</h1>' }],
    branches: { regions: ['east'] },
    ...overrides,
  };
}
