import { Gauge, type ModuleContext, metric } from '../core/index.ts';
import type { DeviceProfile } from '../firmware-config/index.ts';
import { deviceFilter } from '../protocol/index.ts';
import type { DriverFactory } from './driver.ts';
import type { SerialPorts } from './firmata/ports.ts';
import type { GpioLayer } from './gpio/layer.ts';
import { hardwareResolver, type SimulatedHardware } from './hardware.ts';
import { type Device, type DeviceStatus, startDevice } from './instance.ts';

export type { Driver, DriverFactory, DriverHost, Hardware, TelemetryValues } from './driver.ts';
export type { SerialLink, SerialPorts } from './firmata/ports.ts';
export type {
  Direction,
  Edge,
  GpioLayer,
  GpioPin,
  Level,
  OpenOptions,
  WatchCallback,
} from './gpio/layer.ts';
export type { SimulatedHardware } from './hardware.ts';
export type { Device, DeviceStatus } from './instance.ts';
export { commands as escpos, qrCode, text as gb18030, ticketBytes } from './printer/escpos.ts';

export interface DevicesOptions {
  branch: string;
  profiles: readonly DeviceProfile[];
  /** The gateway's bus as devices reach it over TCP, e.g. `mqtt://127.0.0.1:1883`. */
  busUrl: string;
  /**
   * Whether a simulated device may stand in where the hardware cannot load, for profiles
   * that allow it too (`allowSimulated: true`). Default false: a branch box never fakes.
   */
  allowSimulated?: boolean;
  /** Hardware layers to use instead of loading onoff and serialport: tests, the simulator. */
  hardware?: { gpio?: GpioLayer; serial?: SerialPorts };
  /** First retry after a lost board, printer or bus, in ms of the clock. Default 1000. */
  firstRetryMs?: number;
  /** Longest wait between retries, in ms of the clock. Default 30000. */
  maxRetryMs?: number;
}

export interface Devices {
  list(): DeviceStatus[];
  get(device: string): Device | undefined;
  /** The stand-ins created where hardware was missing, for a simulator to act on. */
  readonly simulated: SimulatedHardware;
  stop(): Promise<void>;
}

/** Each driver module, imported only when a profile names its connection. */
const driverOf: Record<DeviceProfile['connection']['type'], () => Promise<DriverFactory>> = {
  gpio: async () => (await import('./gpio/drivers.ts')).gpioDriver,
  firmata: async () => (await import('./firmata/drivers.ts')).firmataDriver,
  tcp: async () => (await import('./printer/driver.ts')).printerDriver,
  usb: async () => (await import('./printer/driver.ts')).printerDriver,
};

/**
 * Starts every profiled device: each loads its driver, connects to the bus over TCP with its
 * own credentials, and publishes its telemetry and its retained state. A device whose
 * hardware is absent is reported offline (or simulated where allowed); none stops the rest.
 */
export async function startDevices(
  options: DevicesOptions,
  context: ModuleContext,
): Promise<Devices> {
  const log = context.log.child({ module: 'devices' });
  const hardware = hardwareResolver(
    { allowSimulated: options.allowSimulated ?? false, ...options.hardware },
    log,
  );

  // Devices start side by side: a board slow to answer holds up no other device.
  const started = await Promise.all(
    options.profiles.map((profile) =>
      startDevice(
        profile,
        {
          branch: options.branch,
          busUrl: options.busUrl,
          resolve: hardware.resolve,
          factory: (next) => driverOf[next.connection.type](),
          firstRetryMs: options.firstRetryMs ?? 1000,
          maxRetryMs: options.maxRetryMs ?? 30_000,
        },
        context,
      ),
    ),
  );
  const devices = new Map(started.map((device) => [device.id, device]));

  countStates(context, () => [...devices.values()].map((device) => device.status().state));
  log.info({ devices: devices.size }, 'devices started');
  return {
    list: () => [...devices.values()].map((device) => device.status()),
    get: (id) => devices.get(id),
    simulated: hardware.simulated,
    stop: async () => {
      await Promise.all([...devices.values()].map((device) => device.stop()));
      log.info({ devices: devices.size }, 'devices stopped');
    },
  };
}

/**
 * The bus entries of the profiled devices, for the gateway's bus config: each logs in with
 * its profile's credentials and may publish and subscribe only under its own topics.
 */
export function deviceBusClients(branch: string, profiles: readonly DeviceProfile[]) {
  return profiles.map((profile) => ({
    username: profile.bus.username,
    password: profile.bus.password,
    publish: [deviceFilter(branch, profile.device)],
    subscribe: [deviceFilter(branch, profile.device)],
  }));
}

/** `sb_devices{state}`: how many devices are online, degraded and offline, read at scrape. */
function countStates(context: ModuleContext, states: () => string[]) {
  metric(
    context.registry,
    'sb_devices',
    (registers) =>
      new Gauge({
        name: 'sb_devices',
        help: 'Profiled devices by state',
        labelNames: ['state'],
        registers,
        collect() {
          const current = states();
          for (const state of ['online', 'degraded', 'offline']) {
            this.set({ state }, current.filter((value) => value === state).length);
          }
        },
      }),
  );
}
