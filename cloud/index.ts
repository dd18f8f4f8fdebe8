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

/**
 * Starts the control plane in order: store, branches and admin, signing key, broker, the
 * records and live channels, then the HTTP API. Stops in the reverse order.
 */
export async function startCloud(
  input: CloudConfigInput | CloudConfig,
  context: ModuleContext,
): Promise<Cloud> {
  const config = parseConfig('cloud config', input, CloudConfig);
  const log = context.log.child({ module: 'cloud' });
  const store = await openStore(config.store, context);
  const { db } = store;

  await syncBranches(db, config.branches, context.clock.now());
  await ensureAdmin(db, config.admin, context);
  const signingKey = await loadSigningKey(db, config.signing.keyFile, context);
  const broker = await startBroker(config.broker, db, context);
  const brokerUrl = config.broker.publicUrl ?? broker.url;
  const puller = startPuller(db, broker, config.pull, context);
  const live = startLiveChannel(db, broker, context);
  const sweep = context.clock.every(sessionSweepMs, () => {
    dropExpiredSessions(db, context.clock.now()).catch((err) =>
      log.error({ err }, 'session sweep failed'),
    );
  });

  const ready = async () => {
    await sql`select 1`.execute(db);
    return true;
  };
  const app = createApp({ db, config, context, signingKey, brokerUrl: () => brokerUrl, ready });
  const server = await listen(app, config.http.host, config.http.port);
  log.info(
    { http: server.url, broker: broker.url, branches: config.branches.length },
    'cloud started',
  );

  let stopping: Promise<void> | null = null;
  const stop = async () => {
    sweep.cancel();
    await server.close();
    await puller.stop();
    await live.stop();
    await broker.close();
    await store.close();
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
