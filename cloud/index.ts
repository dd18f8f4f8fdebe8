import { sql } from 'kysely';
import { type ModuleContext, parseConfig } from '../core/index.ts';
import type { LiveStatus, StreamName, UplinkRecord } from '../protocol/index.ts';
import { createApp, issueToken, listen } from './api/index.ts';
import { loadSigningKey } from './campaigns/index.ts';
import { CloudConfig, type CloudConfigInput } from './config.ts';
import { listGateways } from './fleet/gateways.ts';
import { readStatuses, startBroker, startLiveChannel, syncBranches } from './fleet/index.ts';
import {
  type PullerFigures,
  readRecords,
  type StreamFigures,
  startPuller,
  streamFigures,
} from './insights/index.ts';
import { openStore } from './store/index.ts';
import { dropExpiredSessions, ensureAdmin } from './users/index.ts';

export { CloudConfig, type CloudConfigInput } from './config.ts';
export { catalogues, languages } from './ui/index.ts';

export interface GatewayFigures {
  gateway: string;
  branch: string;
  online: boolean;
  connected: boolean;
  lastSeenAt: number | null;
  status: LiveStatus | null;
}

export interface CloudStats {
  gateways: { enrolled: number; online: number; connected: number };
  /** Records stored and the cursor, per gateway and stream. */
  streams: StreamFigures[];
  perGateway: GatewayFigures[];
  pulls: PullerFigures;
}

export interface Cloud {
  /** e.g. `http://127.0.0.1:PORT` */
  httpUrl: string;
  /** e.g. `mqtt://127.0.0.1:PORT` */
  brokerUrl: string;
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
  const broker = await startBroker(config.broker, db, context);
  shutdown.push(() => broker.close());
  const brokerUrl = config.broker.publicUrl ?? broker.url;
  const puller = startPuller(db, broker, config.pull, context);
  const live = startLiveChannel(db, broker, context);
  shutdown.push(() => puller.stop());
  shutdown.push(() => live.stop());
  const sweep = context.clock.every(sessionSweepMs, () => {
    dropExpiredSessions(db, context.clock.now()).catch((err) =>
      log.error({ err }, 'session sweep failed'),
    );
  });
  shutdown.push(() => sweep.cancel());

  const ready = async () => {
    await sql`select 1`.execute(db);
    return true;
  };
  const app = createApp({ db, config, context, signingKey, brokerUrl: () => brokerUrl, ready });
  const server = await listen(app, config.http.host, config.http.port);
  shutdown.push(() => server.close());
  log.info(
    { http: server.url, broker: broker.url, branches: config.branches.length },
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
    async createEnrolmentToken(branch, ttlMs) {
      const issued = await issueToken(
        { db, config, context, signingKey, brokerUrl: () => brokerUrl },
        branch,
        ttlMs,
      );
      return issued.token;
    },
    async stats() {
      const connected = new Set(broker.connectedGateways());
      const [gateways, statuses, streams] = await Promise.all([
        listGateways(db),
        readStatuses(db),
        streamFigures(db),
      ]);
      const now = context.clock.now();
      const perGateway = gateways.map(({ gateway, branch }) => {
        const seen = statuses.get(gateway);
        const online = seen !== undefined && now - seen.lastSeenAt <= config.fleet.offlineAfterMs;
        return {
          gateway,
          branch,
          online,
          connected: connected.has(gateway),
          lastSeenAt: seen?.lastSeenAt ?? null,
          status: seen?.status ?? null,
        };
      });
      const online = perGateway.filter((gateway) => gateway.online).length;
      return {
        gateways: { enrolled: gateways.length, online, connected: connected.size },
        streams,
        perGateway,
        pulls: puller.figures(),
      };
    },
    records: (gateway, stream) => readRecords(db, gateway, stream),
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}
