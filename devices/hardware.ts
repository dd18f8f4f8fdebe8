import type { Logger } from '../core/index.ts';
import type { DeviceProfile } from '../firmware-config/index.ts';
import type { VirtualFirmataBoard, VirtualGpio } from '../simulator/devices/index.ts';
import type { Hardware } from './driver.ts';
import { type SerialPorts, serialportPorts } from './firmata/ports.ts';
import { type GpioLayer, onoffLayer } from './gpio/layer.ts';

export interface HardwareOptions {
  /** Whether simulated devices may stand in where a profile allows it. */
  allowSimulated: boolean;
  /** Layers to use instead of loading onoff and serialport (tests, the simulator). */
  gpio?: GpioLayer;
  serial?: SerialPorts;
}

/** The stand-ins created so far, for a simulator or a demo to press and turn. */
export interface SimulatedHardware {
  gpio: VirtualGpio | null;
  boards: Map<string, VirtualFirmataBoard>;
}

export type Resolved = { hardware: Hardware; simulated: string | null } | { missing: string };

type Loaded<T> = { layer: T } | { problem: string };

/**
 * Picks the hardware a profile's device runs on. Where the library cannot load or the
 * machine lacks the hardware, it says so once per library or port, and a simulated device
 * takes the place of the real one when both the profile and the caller allow it.
 */
export function hardwareResolver(options: HardwareOptions, log: Logger) {
  const said = new Set<string>();
  const sayOnce = (key: string, fields: Record<string, unknown>, message: string) => {
    if (said.has(key)) return;

    said.add(key);
    log.warn(fields, message);
  };
  const simulated: SimulatedHardware = { gpio: null, boards: new Map() };
  const gpio = once(() => load(options.gpio, onoffLayer, 'onoff'));
  const serial = once(() => load(options.serial, serialportPorts, 'serialport'));
  const stands = (profile: DeviceProfile) => options.allowSimulated && profile.allowSimulated;

  const resolveGpio = async (profile: DeviceProfile): Promise<Resolved> => {
    const loaded = await gpio();
    const problem =
      'layer' in loaded
        ? loaded.layer.accessible
          ? null
          : 'no GPIO on this machine (/sys/class/gpio)'
        : loaded.problem;
    if ('layer' in loaded && problem === null)
      return { hardware: { gpio: loaded.layer }, simulated: null };

    sayOnce('gpio', { reason: problem }, 'GPIO unavailable');
    if (!stands(profile)) return { missing: problem ?? 'no GPIO' };

    const { virtualGpio } = await import('../simulator/devices/index.ts');
    simulated.gpio ??= virtualGpio();
    return { hardware: { gpio: simulated.gpio }, simulated: problem };
  };

  const resolveSerial = async (profile: DeviceProfile, path: string): Promise<Resolved> => {
    const loaded = await serial();
    if ('layer' in loaded && (loaded.layer.exists(path) || !stands(profile))) {
      return { hardware: { serial: loaded.layer }, simulated: null };
    }

    const problem = 'layer' in loaded ? `no serial port ${path}` : loaded.problem;
    sayOnce(`serial:${path}`, { port: path, reason: problem }, 'serial port unavailable');
    if (!stands(profile)) return { missing: problem };

    return { hardware: { serial: await simulatedPorts(simulated, path) }, simulated: problem };
  };

  return {
    simulated,
    resolve: (profile: DeviceProfile): Promise<Resolved> => {
      const { connection } = profile;
      if (connection.type === 'gpio') return resolveGpio(profile);
      if (connection.type === 'firmata') return resolveSerial(profile, connection.port);
      return Promise.resolve({ hardware: {}, simulated: null });
    },
  };
}

async function simulatedPorts(simulated: SimulatedHardware, path: string): Promise<SerialPorts> {
  const { virtualFirmataBoard, virtualSerialPorts } = await import('../simulator/devices/index.ts');
  if (!simulated.boards.has(path)) simulated.boards.set(path, virtualFirmataBoard({ path }));

  return virtualSerialPorts([...simulated.boards.values()]);
}

async function load<T>(
  given: T | undefined,
  loader: () => Promise<T>,
  name: string,
): Promise<Loaded<T>> {
  if (given) return { layer: given };

  try {
    return { layer: await loader() };
  } catch (err) {
    return { problem: `${name} cannot load: ${(err as Error).message.split('\n')[0]}` };
  }
}

function once<T>(task: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | null = null;
  return () => {
    result ??= task();
    return result;
  };
}
