import { z } from 'zod';
import { ConfigError, isPasswordHash, isTimeZone } from '../core/index.ts';
import { Id } from '../protocol/index.ts';

const Port = z.number().int().min(0).max(65535);
const Host = z.string().min(1).max(255);
const DurationMs = z.number().int().positive();

export const BrokerUrl = z
  .string()
  .regex(/^mqtts?:\/\/[^/\s]+/, 'must be mqtt://host:port or mqtts://host:port');

export const StoreUrl = z
  .string()
  .regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://');

export const BranchConfig = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  /** IANA time zone of the branch, e.g. `Asia/Shanghai`; "served today" follows it. */
  timeZone: z.string().min(1).max(64).refine(isTimeZone, 'is not an IANA time zone'),
  region: z.string().min(1).max(100).optional(),
  tags: z.array(z.string().min(1).max(60)).max(50).default([]),
});

function uniqueIds(branches: Array<{ id: string }>, context: z.RefinementCtx) {
  const seen = new Set<string>();
  for (const [index, branch] of branches.entries()) {
    if (seen.has(branch.id)) {
      context.addIssue({
        code: 'custom',
        path: [index, 'id'],
        message: `branch ${branch.id} twice`,
      });
    }
    seen.add(branch.id);
  }
}

/**
 * cloud.json. Every duration's unit is in its name; every default is the one-machine demo's.
 */
export const CloudConfig = z.strictObject({
  /** The HQ web UI and API. Port 0 picks a free port. */
  http: z.strictObject({ host: Host.default('127.0.0.1'), port: Port.default(0) }).prefault({}),
  /** The URL gateways and people reach the API at, when behind a proxy. Default: the bound one. */
  publicUrl: z.url().optional(),
  /**
   * Without `url`: the embedded aedes broker, over TCP on `host`:`port`. With `url`
   * (`mqtt://` or `mqtts://`): an external broker (Mosquitto, EMQX, HiveMQ) that
   * authenticates the gateways and enforces their ACL itself; the replicas share its pushed
   * messages through MQTT 5 shared subscriptions. `publicUrl` is what enrolment hands to
   * gateways (default: `url`, else the bound address).
   */
  broker: z
    .strictObject({
      host: Host.default('127.0.0.1'),
      port: Port.default(0),
      publicUrl: z.url().optional(),
      url: BrokerUrl.optional(),
      username: z.string().min(1).max(200).optional(),
      password: z.string().min(1).max(500).optional(),
      /** Shared-subscription group of the replicas; null turns sharing off. Default sb-cloud. */
      shareGroup: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/)
        .nullable()
        .default('sb-cloud'),
    })
    .prefault({}),
  /** This process among the replicas sharing one store and broker. */
  replica: z
    .strictObject({
      /** Unique among the replicas. Default: host name, process id and a random suffix. */
      id: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,100}$/)
        .optional(),
      /** A replica silent this long loses its gateways' pulls to the others, in ms. */
      leaseTtlMs: DurationMs.min(1000).default(15_000),
    })
    .prefault({}),
  /** `sqlite:<file>` (default `sqlite:./data/cloud.db`) or `postgres://...`. */
  store: z
    .strictObject({
      url: StoreUrl.default('sqlite:./data/cloud.db'),
      /** PostgreSQL only: the schema every table lives in. Default: the server's search_path. */
      schema: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/)
        .optional(),
    })
    .prefault({}),
  /** The first admin. With neither password nor hash, one is generated and printed once. */
  admin: z
    .strictObject({
      username: z.string().min(1).max(64).default('admin'),
      password: z.string().min(8).max(200).optional(),
      passwordHash: z
        .string()
        .refine(isPasswordHash, 'must be an scrypt hash (smartbranch hash-password)')
        .optional(),
    })
    .prefault({}),
  pull: z
    .strictObject({
      /** How often each gateway's streams are pulled, in ms. Default 2000. */
      intervalMs: DurationMs.default(2000),
      /** Records asked for per pull. Default 500. */
      limit: z.number().int().min(1).max(5000).default(500),
      /** A pull unanswered this long is dropped and retried next interval. Default 5000. */
      timeoutMs: DurationMs.default(5000),
    })
    .prefault({}),
  enrolment: z.strictObject({ tokenTtlMs: DurationMs.default(86_400_000) }).prefault({}),
  /** A gateway silent this long shows as offline, in ms. Default 120000 (2 minutes). */
  fleet: z.strictObject({ offlineAfterMs: DurationMs.default(120_000) }).prefault({}),
  login: z
    .strictObject({
      /** Failed logins allowed per address and window. Default 10 per 60000 ms. */
      attempts: z.number().int().min(1).default(10),
      windowMs: DurationMs.default(60_000),
      /** How long a session lives, in ms. Default 28800000 (8 hours). */
      sessionTtlMs: DurationMs.default(28_800_000),
    })
    .prefault({}),
  /** Ed25519 key signing campaign manifests: a PEM file (created when absent), else the store. */
  signing: z.strictObject({ keyFile: z.string().min(1).optional() }).prefault({}),
  branches: z.array(BranchConfig).default([]).superRefine(uniqueIds),
});

export type CloudConfig = z.output<typeof CloudConfig>;
export type CloudConfigInput = z.input<typeof CloudConfig>;
export type BranchConfig = z.output<typeof BranchConfig>;

/** Environment variables that override a field of cloud.json, for containers and secrets. */
export const cloudEnvironment = {
  SB_CLOUD_STORE_URL: ['store', 'url'],
  SB_CLOUD_STORE_SCHEMA: ['store', 'schema'],
  SB_CLOUD_BROKER_URL: ['broker', 'url'],
  SB_CLOUD_BROKER_USERNAME: ['broker', 'username'],
  SB_CLOUD_BROKER_PASSWORD: ['broker', 'password'],
  SB_CLOUD_BROKER_PUBLIC_URL: ['broker', 'publicUrl'],
  SB_CLOUD_BROKER_PORT: ['broker', 'port'],
  SB_CLOUD_HTTP_HOST: ['http', 'host'],
  SB_CLOUD_HTTP_PORT: ['http', 'port'],
  SB_CLOUD_PUBLIC_URL: ['publicUrl'],
  SB_CLOUD_REPLICA_ID: ['replica', 'id'],
} as const;

const numericFields = new Set(['SB_CLOUD_BROKER_PORT', 'SB_CLOUD_HTTP_PORT']);

/**
 * The file's settings with every set `SB_CLOUD_*` variable written over its field. A port
 * that is not a whole number is named by its variable, since the file holds no such value.
 */
export function withEnvironment(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const config = structuredClone((raw ?? {}) as Record<string, unknown>);
  for (const [name, path] of Object.entries(cloudEnvironment)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (numericFields.has(name) && !/^\d+$/.test(value)) {
      throw new ConfigError('environment', [`${name}: must be a whole number, got "${value}"`]);
    }

    setPath(config, path, numericFields.has(name) ? Number(value) : value);
  }
  return config;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown) {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }

  const child = target[head];
  const next = child && typeof child === 'object' ? (child as Record<string, unknown>) : {};
  target[head] = next;
  setPath(next, rest, value);
}
