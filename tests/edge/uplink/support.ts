import { join } from 'node:path';
import type { ModuleContext } from '../../../core/index.ts';
import type { Bus } from '../../../edge/bus/index.ts';
import { openStore, outbox } from '../../../edge/store/index.ts';
import {
  type CommandHandlers,
  type ManifestTarget,
  startUplink,
  type Uplink,
  UplinkConfig,
} from '../../../edge/uplink/index.ts';
import type { CampaignManifest, ModuleSettings } from '../../../protocol/index.ts';
import type { Harness } from '../../cloud/campaigns/support.ts';
import { tempFolder } from '../../cloud/support.ts';

/** Stands in for the screens module: keeps what it was given, refuses what is not newer. */
export function recordingScreens() {
  const applied: CampaignManifest[] = [];
  const target: ManifestTarget & { applied: CampaignManifest[]; current(): number } = {
    applied,
    current: () => applied.at(-1)?.version ?? 0,
    applyManifest(manifest) {
      if (manifest.version <= target.current()) return { applied: false, reason: 'not newer' };

      applied.push(manifest);
      return { applied: true };
    },
    hasAsset: () => false,
  };
  return target;
}

export interface TestGateway {
  gateway: string;
  branch: string;
  uplink: Uplink;
  screens: ReturnType<typeof recordingScreens>;
  dir: string;
  /** Starts the uplink again on the same files, as after a restart; `brokerUrl` overrides. */
  restart(brokerUrl?: string): Promise<void>;
  stop(): Promise<void>;
  remove(): void;
}

/** A real uplink on a temp SQLite file, enrolled into the harness's cloud. */
export async function startTestGateway(
  harness: Harness,
  branch: string,
  gateway: string,
  context: ModuleContext,
  options: {
    commands?: CommandHandlers;
    retryMs?: number;
    onModules?: (modules: ModuleSettings['modules']) => void;
    /** The branch's bus, where counter devices redeem coupons. */
    bus?: Bus;
  } = {},
): Promise<TestGateway> {
  const folder = tempFolder('sb-uplink-');
  const token = await harness.cloud.createEnrolmentToken(branch);
  const screens = recordingScreens();
  const config = UplinkConfig.parse({
    cloudUrl: harness.cloud.httpUrl,
    enrolmentToken: token,
    statusIntervalMs: 1000,
    retryMs: options.retryMs ?? 200,
    redeemTimeoutMs: 1500,
  });
  let store = openStore(join(folder.path, 'gateway.db'), context);

  const start = (brokerUrl?: string) =>
    startUplink(
      {
        gateway,
        branch,
        config: brokerUrl ? { ...config, brokerUrl } : config,
        credentialsFile: join(folder.path, 'credentials.json'),
        outbox: outbox(store.db),
        db: store.db,
        screens,
        status: () => ({
          version: '0.1.0',
          people: 0,
          cameraSource: null,
          ticketsWaiting: 0,
          ticketsServedToday: 0,
          backlog: {},
          devicesOnline: 0,
          devicesTotal: 0,
        }),
        ...(options.commands ? { commands: options.commands } : {}),
        ...(options.onModules ? { onModules: options.onModules } : {}),
        ...(options.bus ? { bus: options.bus } : {}),
      },
      context,
    );

  const handle: TestGateway = {
    gateway,
    branch,
    uplink: await start(),
    screens,
    dir: folder.path,
    async restart(brokerUrl) {
      store = openStore(join(folder.path, 'gateway.db'), context);
      handle.uplink = await start(brokerUrl);
    },
    async stop() {
      await handle.uplink.stop();
      store.close();
    },
    remove: () => folder.remove(),
  };
  return handle;
}

export async function until<T>(
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('condition not reached in time');
}
