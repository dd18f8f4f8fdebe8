import type { Clock, Logger } from '../core/index.ts';
import type { DeviceProfile } from '../firmware-config/index.ts';
import type { DeviceTelemetry, PrinterJob } from '../protocol/index.ts';
import type { SerialPorts } from './firmata/ports.ts';
import type { GpioLayer } from './gpio/layer.ts';

export type TelemetryValues = DeviceTelemetry['values'];

/** What a driver is given: its profile, the clock, and the device's voice on the bus. */
export interface DriverHost {
  readonly profile: DeviceProfile;
  readonly clock: Clock;
  readonly log: Logger;
  telemetry(values: TelemetryValues): void;
  /** A condition the driver sees (a stuck button, a printer out of paper), or its end. */
  condition(problem: string | null): void;
  /** The hardware went away (a board unplugged, a printer gone): the device retries. */
  lost(reason: string): void;
}

/**
 * One device's hardware. `start` resolves once the hardware answers and rejects with a
 * SmartBranchError when it does not, so a new profile that cannot work is rolled back.
 */
export interface Driver {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Relays and LEDs. */
  switch?(on: boolean): Promise<void>;
  /** Ticket printers. */
  print?(job: PrinterJob): Promise<void>;
}

/** The hardware layers a driver may use; each is loaded only when a profile needs it. */
export interface Hardware {
  gpio?: GpioLayer;
  serial?: SerialPorts;
}

export type DriverFactory = (host: DriverHost, hardware: Hardware) => Driver;
