import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Kysely, sql } from 'kysely';
import { loadConfigFile, type ModuleContext, parseConfig } from '../core/index.ts';
import type { StreamName, UplinkRecord } from '../protocol/index.ts';
import { createApp, issueToken, listen } from './api/index.ts';
import { leadsFromEnvironment } from './api/leads.ts';
import { loadSigningKey, startControlPlane } from './campaigns/index.ts';
import { CloudConfig, type CloudConfigInput, withEnvironment } from './config.ts';
import {
  type CloudBroker,
  connectExternalBroker,
  startBroker,
  startFleetOperations,
  startLiveChannel,
  syncBranches,
} from './fleet/index.ts';
import { readRecords, startPuller } from './insights/index.ts';
import { type CloudStats, cloudStats } from './stats.ts';
import { type Database, openStore } from './store/index.ts';
import { dropExpiredSessions, ensureAdmin } from './users/index.ts';

export {
  type BranchConfig,
  CloudConfig,
  type CloudConfigInput,
  cloudEnvironment,
} from './config.ts';
export type { BranchFigures } from './fleet/index.ts';
export type { PullerFigures, StreamFigures } from './insights/index.ts';
export type { CloudStats, GatewayFigures } from './stats.ts';
export { catalogues, languages } from './ui/index.ts';
export { Role } from './users/index.ts';

/**
 * Reads cloud.json (or YAML), writes the set `SB_CLOUD_*` environment variables over it and
 * checks it, every error named by its path in the file.
 */
export function loadCloudConfig(file: string, env: NodeJS.ProcessEnv = process.env): CloudConfig {
  return loadConfigFile(file, CloudConfig, (raw) => withEnvironment(raw, env));
}

export interface Cloud {
  /** e.g. `http://127.0.0.1:PORT` */
  httpUrl: string;
  /** e.g. `mqtt://127.0.0.1:PORT` */
  brokerUrl: string;
  /** This replica's id among those sharing the store. */
  replica: string;
  /** The gateways whose pull this replica holds the lease of now. */
  pulledGateways(): string[];
  /** The Ed25519 public key (SPKI PEM) gateways verify manifests with. */
  manifestPublicKey: string;
  createEnrolmentToken(branch: string, ttlMs?: number): Promise<string>;
  stats(): Promise<CloudStats>;
  /** A gateway's stored records of one stream, in sequence order. */
  records(gateway: string, stream: StreamName): Promise<UplinkRecord[]>;
  /** Closes HTTP, broker, puller and store; safe to call twice. */
  stop(): Promise<void>;
}

const sessionSweepMs = 3_600_000;

function defaultReplicaId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The embedded aedes broker, or the external one `broker.url` names. */
function openBroker(
  config: CloudConfig,
  db: Kysely<Database>,
  replica: string,
  context: ModuleContext,
): Promise<CloudBroker> {
  const { url, username, password, shareGroup } = config.broker;
  if (!url) return startBroker(config.broker, db, context);

  return connectExternalBroker({ url, username, password, shareGroup, replica }, context);
}

/** What has started so far, stopped last first: on a failed start as on a normal stop. */
function shutdownStack() {
  const steps: Array<() => unknown> = [];
  return {
    push: (step: () => unknown) => steps.push(step),
    async run() {
      for (const step of steps.splice(0).reverse()) await step();
    },
  };
}

/**
 * Starts the control plane in order: store, branches and admin, signing key, broker, the
 * records and live channels, then the HTTP API. Stops in the reverse order; a start that
 * fails half-way stops what it had started and rethrows.
 */
export async function startCloud(
  input: CloudConfigInput | CloudConfig,
  context: ModuleContext,
): Promise<Cloud> {
  const config = parseConfig('cloud config', input, CloudConfig);
  const shutdown = shutdownStack();
  try {
    return await startParts(config, context, shutdown);
  } catch (err) {
    await shutdown.run();
    throw err;
  }
}

async function startParts(
  config: CloudConfig,
  context: ModuleContext,
  shutdown: ReturnType<typeof shutdownStack>,
): Promise<Cloud> {
  const log = context.log.child({ module: 'cloud' });
  const store = await openStore(config.store, context);
  shutdown.push(() => store.close());
  const { db } = store;

  await syncBranches(db, config.branches, context.clock.now());
  await ensureAdmin(db, config.admin, context);
  const signingKey = await loadSigningKey(db, config.signing.keyFile, context);
  const replica = config.replica.id ?? defaultReplicaId();
  const broker = await openBroker(config, db, replica, context);
  shutdown.push(() => broker.close());
  const brokerUrl = config.broker.publicUrl ?? broker.url;
  const puller = startPuller(db, broker, config.pull, context, {
    replica,
    leaseTtlMs: config.replica.leaseTtlMs,
    offlineAfterMs: config.fleet.offlineAfterMs,
  });
  const live = startLiveChannel(db, broker, context);
  shutdown.push(() => puller.stop());
  shutdown.push(() => live.stop());
  const offlineAfterMs = config.fleet.offlineAfterMs;
  const controlPlane = startControlPlane({ db, broker, signingKey, offlineAfterMs }, context);
  shutdown.push(() => controlPlane.stop());
  const fleetOperations = startFleetOperations(db, broker, context);
  shutdown.push(() => fleetOperations.stop());
  const sweep = context.clock.every(sessionSweepMs, () => {
    dropExpiredSessions(db, context.clock.now()).catch((err) =>
      log.error({ err }, 'session sweep failed'),
    );
  });
  shutdown.push(() => sweep.cancel());

  const leads = leadsFromEnvironment({ db, context });
  if (leads) shutdown.push(() => leads.stop());

  const ready = async () => {
    await sql`select 1`.execute(db);
    return true;
  };
  const app = createApp({
    db,
    config,
    context,
    signingKey,
    brokerUrl: () => brokerUrl,
    ready,
    controlPlane,
    leads,
  });
  const server = await listen(app, config.http.host, config.http.port);
  shutdown.push(() => server.close());
  log.info(
    { http: server.url, broker: broker.url, replica, branches: config.branches.length },
    'cloud started',
  );

  let stopping: Promise<void> | null = null;
  const stop = async () => {
    await shutdown.run();
    log.info('cloud stopped');
  };

  return {
    httpUrl: server.url,
    brokerUrl: broker.url,
    manifestPublicKey: signingKey.publicKeyPem,
    replica,
    pulledGateways: () => puller.ownedGateways(),
    async createEnrolmentToken(branch, ttlMs) {
      const issued = await issueToken(
        { db, config, context, signingKey, brokerUrl: () => brokerUrl },
        branch,
        ttlMs,
      );
      return issued.token;
    },
    stats: () =>
      cloudStats(db, broker, puller.figures(), config.fleet.offlineAfterMs, context.clock.now()),
    records: (gateway, stream) => readRecords(db, gateway, stream),
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
