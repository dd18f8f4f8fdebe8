import { z } from 'zod';
import { Id } from '../protocol/index.ts';
import { AutomationConfig } from './automation/index.ts';
import { BusClient } from './bus/index.ts';
import { KioskLeadOptions } from './leads/index.ts';
import { QueueConfig } from './queue/index.ts';
import { KioskSetting } from './queue/web/index.ts';
import { ScreensConfig } from './screens/index.ts';
import { CameraConfig } from './sensing/index.ts';
import { OutboxLimits } from './store/index.ts';
import { Technician } from './ui/index.ts';
import { UplinkConfig } from './uplink/index.ts';

const Listener = (port: number) =>
  z.strictObject({
    /** Interface to bind. Default 127.0.0.1; a branch box serving tablets uses 0.0.0.0. */
    host: z.string().default('127.0.0.1'),
    /** TCP port; 0 picks a free one. */
    port: z.number().int().min(0).max(65535).default(port),
  });

/** gateway.json: everything one branch's gateway needs, checked once at start-up. */
export const GatewayConfig = z.strictObject({
  gateway: Id,
  branch: Id,
  branchName: z.string().min(1).max(120),
  /** Folder of the SQLite file and the enrolment credentials. Default ./data/gateway. */
  dataDir: z.string().default('./data/gateway'),
  http: Listener(8080).prefault({}),
  bus: Listener(1883)
    .extend({
      clients: z.array(BusClient).default([]),
      /**
       * A broker the technician runs instead of the embedded one (Mosquitto on the box),
       * with the gateway's own login there; `smartbranch bus-files` writes its password and
       * ACL files from `clients`. Absent: the embedded aedes broker on host:port.
       */
      external: z
        .strictObject({
          url: z.string().regex(/^mqtts?:\/\/[^/\s]+/, 'must be mqtt://host:port'),
          username: z.string().min(1).max(64).default('gateway'),
          password: z.string().min(8).max(200),
        })
        .optional(),
    })
    .prefault({}),
  technicians: z.array(Technician).default([]),
  /**
   * Whether device profiles that allow it (`allowSimulated`) may run on simulated hardware
   * where the real one is missing: demos and tests. Default false: a branch box never fakes.
   */
  allowSimulatedDevices: z.boolean().default(false),
  cameras: z.array(CameraConfig).default([]),
  /**
   * Detector worker threads the cameras share. Default: one per camera, at most one per core
   * (a worker holds its own copy of the models: about 160 MB of resident memory each).
   */
  detectorWorkers: z.number().int().min(1).max(8).optional(),
  queue: QueueConfig,
  /** Kiosk screens and the ticket printer each drives. Default: kiosks print nothing. */
  kiosks: z.array(KioskSetting).default([]),
  /**
   * Screens, players and scenes. Default: no screens registered yet, the queue's time zone,
   * the asset cache in the data folder.
   */
  screens: ScreensConfig.optional(),
  /**
   * Node-RED embedded at /flows with the SmartBranch nodes; `{}` turns it on with defaults.
   * Absent: no automation (Node-RED keeps module state, so one gateway per process has it).
   */
  automation: AutomationConfig.optional(),
  /**
   * Lead capture sealed to the cloud's key in the page: the kiosk's lead form at /kiosk/lead,
   * and the offer after a ticket for an advisory service, at the kiosk and at the technician's
   * queue console. Absent: no lead is taken on this gateway.
   */
  kioskLeads: KioskLeadOptions.omit({ branch: true }).optional(),
  /** Without it the gateway runs alone: the branch works, nothing goes to HQ. */
  uplink: UplinkConfig.optional(),
  /** How often the live people count goes on the bus, in milliseconds. Default 1000. */
  liveCountIntervalMs: z.number().int().min(100).default(1000),
  /** Confirmed records are kept this long for diagnosis, in hours. Default 168 (a week). */
  confirmedRetentionHours: z.number().min(0).default(168),
  /** How much unconfirmed backlog an outage may build up; alarmed before anything is let go. */
  outboxLimits: OutboxLimits.prefault({}),
});

export type GatewayConfig = z.output<typeof GatewayConfig>;
