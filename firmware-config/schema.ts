import { z } from 'zod';
import { Id } from '../protocol/index.ts';

/**
 * One device as a technician installs it: what it is, where it is wired, how it logs in to
 * the gateway's bus, how it samples and how its readings are corrected. A profile carries a
 * version; a device refuses to go back to an older one.
 */
export const DeviceKind = z.enum([
  'button',
  'pir',
  'door',
  'relay',
  'led',
  'climate-sensor',
  'air-quality',
  'light-sensor',
  'people-counter',
  'printer',
]);

/** A sysfs GPIO line number, as `/sys/class/gpio/export` takes it. */
const GpioLine = z.number().int().min(0).max(4095);

const GpioConnection = z.strictObject({
  type: z.literal('gpio'),
  pin: GpioLine,
  /** People counters with a second pulse output: the line that pulses per exit. */
  exitPin: GpioLine.optional(),
  /** Contact closes to ground: 0 on the pin means active. Default false. */
  activeLow: z.boolean().default(false),
});

/** A Firmata pin: a digital number or an analog channel such as `A0`. */
const FirmataPin = z.union([z.number().int().min(0).max(127), z.string().regex(/^A\d{1,2}$/)]);

const FirmataConnection = z.strictObject({
  type: z.literal('firmata'),
  /** Serial port of the board, e.g. /dev/ttyACM0. */
  port: z.string().min(1).regex(/^\//, 'must be an absolute device path'),
  /** Default 57600, StandardFirmata's rate. */
  baudRate: z.number().int().positive().default(57600),
  pin: FirmataPin,
});

/** `host:port`; the port defaults to 9100, the raw printing port. */
const Address = z
  .string()
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be host or host:port')
  .transform((value) => {
    const [host = '', port] = value.split(':');
    return { host, port: port === undefined ? 9100 : Number(port) };
  })
  .refine((value) => value.port > 0 && value.port < 65536, 'port must be 1 to 65535');

const TcpConnection = z.strictObject({ type: z.literal('tcp'), address: Address });

const UsbConnection = z.strictObject({
  type: z.literal('usb'),
  /** The printer's character device, e.g. /dev/usb/lp0. */
  device: z.string().min(1).regex(/^\//, 'must be an absolute device path'),
});

export const Connection = z.discriminatedUnion('type', [
  GpioConnection,
  FirmataConnection,
  TcpConnection,
  UsbConnection,
]);

/** Which connections each kind can be wired through. */
export const connectionsOfKind: Record<DeviceKind, readonly Connection['type'][]> = {
  button: ['gpio'],
  pir: ['gpio'],
  door: ['gpio'],
  'people-counter': ['gpio'],
  relay: ['gpio', 'firmata'],
  led: ['gpio', 'firmata'],
  'climate-sensor': ['firmata'],
  'air-quality': ['firmata'],
  'light-sensor': ['firmata'],
  printer: ['tcp', 'usb'],
};

export const Sampling = z.strictObject({
  /** How often an analog sensor is read and may report, in ms. Default 1000. */
  periodMs: z.number().int().min(20).max(3_600_000).default(1000),
  /** Smallest change of the corrected value that is reported. Default 0: every period. */
  changeThreshold: z.number().nonnegative().default(0),
  /** A contact must hold its level this long before it counts, in ms. Default 50. */
  debounceMs: z.number().int().min(0).max(10_000).default(50),
  /** A button held longer than this is reported stuck, in ms. Default 30000. */
  stuckAfterMs: z.number().int().positive().default(30_000),
});

export const Calibration = z.strictObject({
  /** corrected = raw × scale + offset. Defaults 1 and 0. */
  scale: z.number().finite().default(1),
  offset: z.number().finite().default(0),
  /** Named levels of the corrected value, e.g. `{ warning: 800, alarm: 1200 }`. */
  thresholds: z.record(z.string().min(1).max(30), z.number().finite()).default({}),
});

/** What a Firmata board must run: its reported name (without `.ino`) and lowest version. */
export const FirmwareRequirement = z.strictObject({
  name: z.string().min(1).max(60),
  minVersion: z.string().regex(/^\d+\.\d+$/, 'must be MAJOR.MINOR, e.g. 2.5'),
});

export const BusCredentials = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1),
});

const ProfileFields = z.strictObject({
  device: Id,
  kind: DeviceKind,
  /** The product installed, e.g. `Epson TM-T20III` or `Arduino Uno`. */
  model: z.string().min(1).max(120),
  /** This profile's version; a device only moves to a higher one. */
  version: z.number().int().positive(),
  connection: Connection,
  bus: BusCredentials,
  sampling: Sampling.prefault({}),
  calibration: Calibration.prefault({}),
  firmware: FirmwareRequirement.optional(),
  /** Whether a simulated device may stand in where the hardware cannot load. Default false. */
  allowSimulated: z.boolean().default(false),
});

/** The rules across fields, for a whole profile and for one pushed without its credentials. */
function crossChecked(
  profile: Omit<z.output<typeof ProfileFields>, 'bus'>,
  context: z.core.$RefinementCtx,
) {
  const allowed = connectionsOfKind[profile.kind];
  if (!allowed.includes(profile.connection.type)) {
    const message = `a ${profile.kind} connects through ${allowed.join(' or ')}`;
    context.addIssue({ code: 'custom', path: ['connection', 'type'], message });
  }

  if (profile.connection.type === 'firmata' && !profile.firmware) {
    const message = 'a Firmata board needs its firmware named, e.g. StandardFirmata 2.5';
    context.addIssue({ code: 'custom', path: ['firmware'], message });
  }

  const analog = ['climate-sensor', 'air-quality', 'light-sensor'].includes(profile.kind);
  if (
    analog &&
    profile.connection.type === 'firmata' &&
    typeof profile.connection.pin !== 'string'
  ) {
    const message = `a ${profile.kind} reads an analog pin such as A0`;
    context.addIssue({ code: 'custom', path: ['connection', 'pin'], message });
  }

  if (
    profile.connection.type === 'gpio' &&
    profile.connection.exitPin !== undefined &&
    profile.kind !== 'people-counter'
  ) {
    const message = 'only a people counter has an exit pin';
    context.addIssue({ code: 'custom', path: ['connection', 'exitPin'], message });
  }
}

export const DeviceProfile = ProfileFields.superRefine(crossChecked);

/**
 * A profile HQ pushes to a running device: every field but the bus credentials, which stay
 * on the gateway (a device keeps its own, and no password passes through the cloud).
 */
export const PushedProfile = ProfileFields.omit({ bus: true }).superRefine(crossChecked);

/** A profile file: every device of one branch. */
export const ProfileFile = z
  .strictObject({ profiles: z.array(DeviceProfile) })
  .superRefine((file, context) => {
    const seen = new Map<string, number>();
    for (const [index, profile] of file.profiles.entries()) {
      const first = seen.get(profile.device);
      if (first !== undefined) {
        const message = `device ${profile.device} is already profiled at profiles.${first}`;
        context.addIssue({ code: 'custom', path: ['profiles', index, 'device'], message });
      }
      seen.set(profile.device, index);
    }
  });

export type DeviceKind = z.output<typeof DeviceKind>;
export type Connection = z.output<typeof Connection>;
export type DeviceProfile = z.output<typeof DeviceProfile>;
export type DeviceProfileInput = z.input<typeof DeviceProfile>;
export type ProfileFile = z.output<typeof ProfileFile>;
export type FirmwareRequirement = z.output<typeof FirmwareRequirement>;
