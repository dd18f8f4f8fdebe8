import type { ModuleContext } from '../../core/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Queue } from '../queue/index.ts';
import type { CameraConfig, ZoneFile } from '../sensing/index.ts';
import { alertBoard } from './alerts.ts';
import type { TechnicianParts } from './api.ts';
import { cameraDesk } from './cameras.ts';
import { type ConfiguredClient, deviceConsole } from './devices.ts';
import type { LogRing } from './logs.ts';

export interface ConsoleOptions {
  gateway: string;
  branch: string;
  branchName: string;
  dataDir: string;
  /** The gateway's config as loaded, for the diagnostic bundle (secrets removed there). */
  config: unknown;
  bus: Bus;
  /** Absent while the queue module is off; the runtime sets `parts.queue` as it switches. */
  queue?: Queue;
  queueSetup: NonNullable<TechnicianParts['queueSetup']>;
  cameras: readonly CameraConfig[];
  logs: LogRing;
  /** Whether device profiles that allow it may run on simulated hardware. */
  allowSimulatedDevices: boolean;
  /** The bus clients the config names, whose logins no added device may take. */
  busClients: readonly ConfiguredClient[];
  /** Hands saved zones to sensing at once, where sensing offers it. */
  applyZones?: (camera: string, zones: ZoneFile) => void;
}

/** Everything the technician pages drive, made in one step for the runtime. */
export async function technicianConsole(options: ConsoleOptions, context: ModuleContext) {
  const alerts = alertBoard();
  const devices = await deviceConsole(
    {
      branch: options.branch,
      branchName: options.branchName,
      bus: options.bus,
      dataDir: options.dataDir,
      allowSimulated: options.allowSimulatedDevices,
      busClients: options.busClients,
      cameras: options.cameras.map((camera) => camera.id),
    },
    context,
  );
  const cameras = await cameraDesk(
    {
      cameras: options.cameras,
      bus: options.bus,
      dataDir: options.dataDir,
      ...(options.applyZones ? { applyZones: options.applyZones } : {}),
    },
    context,
  );
  const parts: TechnicianParts = {
    gateway: options.gateway,
    config: options.config,
    ...(options.queue ? { queue: options.queue } : {}),
    queueSetup: options.queueSetup,
    devices,
    cameras,
    logs: options.logs,
    alerts,
  };

  return {
    parts,
    alerts,
    devices,
    /** Starts the devices added earlier, once the bus takes TCP clients at `busUrl`. */
    start: (busUrl: string) => devices.start(busUrl),
    stop: async () => {
      await devices.stop();
      await cameras.stop();
    },
  };
}

export type TechnicianConsole = Awaited<ReturnType<typeof technicianConsole>>;
