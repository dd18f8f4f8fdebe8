import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile, type ModuleContext } from '../../core/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../../edge/runtime.ts';
import { type Harness, startHarness } from '../cloud/campaigns/support.ts';

/** A button the technician added earlier on the Lakeside gateway, on the simulated GPIO. */
export const lakesideButton = {
  device: 'button-7',
  kind: 'button',
  model: 'Call button',
  version: 1,
  connection: { type: 'gpio', pin: 17 },
  bus: { username: 'button-7', password: 'button-pass-7' },
  allowSimulated: true,
};

export interface Lakeside {
  harness: Harness;
  gateway: Gateway;
  /** The gateway's config as written to `configFile`, for a test that rewrites it. */
  settings: Record<string, unknown>;
  configFile: string;
  dataDir: string;
}

/**
 * A cloud on SQLite with the Lakeside branch, and its gateway `lakeside-gw` enrolled into it
 * from a config file, holding `lakesideButton` in its technician-added devices.
 */
export async function startLakeside(
  folder: string,
  context: ModuleContext,
  statusIntervalMs: number,
): Promise<Lakeside> {
  const configFile = join(folder, 'gateway.json');
  const dataDir = join(folder, 'gateway');
  const harness = await startHarness('sqlite', {
    context,
    config: {
      branches: [{ id: 'lakeside', name: 'Lakeside', timeZone: 'Asia/Shanghai', region: 'east' }],
    },
  });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'ui-devices.json'), JSON.stringify([lakesideButton]));
  const settings = {
    gateway: 'lakeside-gw',
    branch: 'lakeside',
    branchName: 'Lakeside',
    dataDir,
    http: { port: 0 },
    bus: { port: 0 },
    allowSimulatedDevices: true,
    queue: {
      timeZone: 'Asia/Shanghai',
      services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
      counters: [{ id: '1', name: 'Counter 1', services: ['cash'] }],
    },
    uplink: {
      cloudUrl: harness.cloud.httpUrl,
      enrolmentToken: await harness.cloud.createEnrolmentToken('lakeside'),
      statusIntervalMs,
      retryMs: 200,
    },
  };
  writeFileSync(configFile, JSON.stringify(settings, null, 2));
  const gateway = await startGateway(loadConfigFile(configFile, GatewayConfig), context, {
    configFile,
  });
  return { harness, gateway, settings, configFile, dataDir };
}
