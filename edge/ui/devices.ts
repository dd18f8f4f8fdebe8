import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword, type ModuleContext, SmartBranchError } from '../../core/index.ts';
import { type Devices, deviceBusClients, startDevices } from '../../devices/index.ts';
import { checkProfile, type DeviceKind, type DeviceProfile } from '../../firmware-config/index.ts';
import { type Channel, type DeviceState, deviceFilter } from '../../protocol/index.ts';
import { type Bus, filterWithin } from '../bus/index.ts';

export interface DeviceMessage {
  at: number;
  channel: Channel;
  /** The message as JSON, cut at 300 characters. */
  summary: string;
}

export interface DeviceRow {
  device: string;
  state: DeviceState['state'] | 'unknown';
  reason: string | null;
  kind: string | null;
  /** Added from a profile in this UI (and started by it). */
  managed: boolean;
  simulated: boolean;
  lastAt: number | null;
  /** The tests this device's kind takes: a camera none, a button a press, a printer a ticket. */
  tests: DeviceTest[];
}

export interface FieldProblem {
  path: string;
  message: string;
}

export interface DeviceConsoleOptions {
  branch: string;
  branchName: string;
  bus: Bus;
  dataDir: string;
  /** Whether profiles that allow it may run on simulated hardware. Default false. */
  allowSimulated?: boolean;
  /** The cameras, which report their state as devices do but take no device test. */
  cameras?: readonly string[];
  /** The bus clients the gateway's config names: no added device may take their login. */
  busClients?: readonly ConfiguredClient[];
}

export interface ConfiguredClient {
  username: string;
  publish: readonly string[];
  subscribe: readonly string[];
}

export type DeviceTest = 'press' | 'blink' | 'print';

/** What each kind can be tested with; a press needs a simulated GPIO input besides. */
const testsOfKind: Record<DeviceKind | 'camera', DeviceTest[]> = {
  button: ['press'],
  pir: ['press'],
  door: ['press'],
  'people-counter': ['press'],
  relay: ['blink'],
  led: ['blink'],
  'climate-sensor': [],
  'air-quality': [],
  'light-sensor': [],
  printer: ['print'],
  camera: [],
};

const keptMessages = 20;
const watched = ['deviceState', 'deviceTelemetry', 'deviceReply', 'deviceProfile'] as const;

/**
 * The technician's devices: every device seen on the bus with its state and last messages,
 * and the devices added from a profile here, kept in the data folder and started through the
 * devices module. A device's credentials must be known to the bus for it to come online.
 */
export async function deviceConsole(options: DeviceConsoleOptions, context: ModuleContext) {
  const log = context.log.child({ module: 'ui' });
  const file = join(options.dataDir, 'ui-devices.json');
  const states = new Map<string, DeviceState>();
  const messages = new Map<string, DeviceMessage[]>();
  const running = new Map<string, { profile: DeviceProfile; devices: Devices }>();
  let busUrl = '';

  const note = (device: string, channel: Channel, message: unknown) => {
    const list = messages.get(device) ?? [];
    list.push({ at: context.clock.now(), channel, summary: JSON.stringify(message).slice(0, 300) });
    messages.set(device, list.slice(-keptMessages));
  };

  const unsubscribe = await Promise.all(
    watched.map((channel) =>
      options.bus.subscribe(channel, {}, (message, parsed) => {
        const device = parsed.params.device ?? '';
        if (channel === 'deviceState') states.set(device, message as DeviceState);
        note(device, channel, message);
      }),
    ),
  );

  const configured = options.busClients ?? [];
  const cameras = new Set(options.cameras ?? []);

  /** Refuses a bus login that a configured client or another added device holds. */
  const refuseTakenLogin = (profile: DeviceProfile) => {
    const holder =
      takenBy(options.branch, configured, profile) ??
      [...running.values()].find(
        (entry) =>
          entry.profile.device !== profile.device &&
          entry.profile.bus.username === profile.bus.username,
      )?.profile.device;
    if (holder === undefined) return;

    throw new SmartBranchError(
      'SB_ERR_CONFLICT',
      `bus.username ${profile.bus.username} is already the login of ${holder}`,
      'bus.username',
    );
  };

  /** The bus learns an added device's login now, not only at the next start. */
  const admit = async (profile: DeviceProfile) => {
    // A login the config provisions keeps the config's password.
    if (configured.some((client) => client.username === profile.bus.username)) return;

    const [client] = await hashedLogins(deviceBusClients(options.branch, [profile]));
    if (client && !options.bus.addClient(client)) {
      log.warn(
        { device: profile.device, username: profile.bus.username },
        'device login not added to an external bus: add it to its password file',
      );
    }
  };

  const launch = async (profile: DeviceProfile) => {
    const devices = await startDevices(
      {
        branch: options.branch,
        profiles: [profile],
        busUrl,
        allowSimulated: options.allowSimulated ?? false,
      },
      context,
    );
    running.set(profile.device, { profile, devices });
  };

  const save = () => {
    mkdirSync(options.dataDir, { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify(
        [...running.values()].map((entry) => entry.profile),
        null,
        2,
      )}\n`,
      { mode: 0o600 },
    );
  };

  const row = (device: string): DeviceRow => {
    const state = states.get(device);
    const managed = running.get(device);
    const status = managed?.devices.get(device)?.status();
    const kind = managed?.profile.kind ?? (cameras.has(device) ? 'camera' : null);
    const pressable =
      managed?.profile.connection.type === 'gpio' && Boolean(managed.devices.simulated.gpio);
    // A device seen only on the bus has no known kind: it may take a switch or a ticket.
    const tests = kind ? testsOfKind[kind] : (['blink', 'print'] as DeviceTest[]);
    return {
      device,
      state: state?.state ?? 'unknown',
      reason: state?.reason ?? null,
      kind,
      managed: Boolean(managed),
      simulated: status?.simulated ?? false,
      lastAt: messages.get(device)?.at(-1)?.at ?? null,
      tests: tests.filter((test) => test !== 'press' || pressable),
    };
  };

  return {
    /** Whether a profile that allows it may run here on simulated hardware. */
    allowSimulated: options.allowSimulated ?? false,
    /** Starts the devices stored earlier, once the bus listens at `url`. */
    start: async (url: string) => {
      busUrl = url;
      for (const profile of storedProfiles(options.dataDir)) {
        const holder = takenBy(options.branch, configured, profile);
        if (holder === undefined) {
          await launch(profile);
          continue;
        }
        log.warn(
          { device: profile.device, username: profile.bus.username },
          `added device not started: its bus login is the configured client ${holder}'s`,
        );
      }
    },
    list: (): DeviceRow[] => [...new Set([...states.keys(), ...running.keys()])].sort().map(row),
    messages: (device: string) => messages.get(device) ?? [],
    profile: (device: string) => running.get(device)?.profile ?? null,
    deviceIds: () => [...new Set([...states.keys(), ...running.keys()])].sort(),
    validate: (raw: unknown): FieldProblem[] => problemsOf(raw),
    add: async (raw: unknown) => {
      const profile = checked(raw);
      if (running.has(profile.device) || states.has(profile.device)) {
        throw new SmartBranchError('SB_ERR_CONFLICT', `device ${profile.device} exists`, 'device');
      }
      refuseTakenLogin(profile);
      await admit(profile);
      await launch(profile);
      save();
      log.info({ device: profile.device, kind: profile.kind }, 'device added from a profile');
      return row(profile.device);
    },
    edit: async (device: string, raw: unknown) => {
      const entry = running.get(device);
      if (!entry) throw new SmartBranchError('SB_ERR_NOT_FOUND', `no device ${device} added here`);

      const profile = checked(raw);
      refuseTakenLogin(profile);
      const answer = await entry.devices.get(device)?.applyProfile(profile);
      if (answer?.status === 'ok') {
        await admit(profile);
        running.set(device, { ...entry, profile });
        save();
      }
      return answer;
    },
    test: (device: string, action: DeviceTest) => {
      const { kind, tests } = row(device);
      if (!tests.includes(action)) {
        throw new SmartBranchError(
          'SB_ERR_CONFLICT',
          `${device} (${kind ?? 'unknown kind'}) takes no ${action} test`,
          'action',
        );
      }
      return testDevice(device, action, {
        bus: options.bus,
        clock: context.clock,
        branchName: options.branchName,
        managed: running.get(device) ?? null,
      });
    },
    stop: async () => {
      await Promise.all(unsubscribe.map((off) => off()));
      await Promise.all([...running.values()].map((entry) => entry.devices.stop()));
    },
  };
}

export type DeviceConsole = Awaited<ReturnType<typeof deviceConsole>>;

/** The profiles added earlier in this UI, for the bus to know their credentials at start. */
export function storedProfiles(dataDir: string): DeviceProfile[] {
  const file = join(dataDir, 'ui-devices.json');
  if (!existsSync(file)) return [];

  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
  return raw.map((entry) => checked(entry));
}

/**
 * The bus keeps only the scrypt hash of an added device's password; the device's own profile
 * keeps the password, which it logs in with.
 */
export function hashedLogins<C extends { password: string }>(clients: C[]): Promise<C[]> {
  return Promise.all(
    clients.map(async (client) => ({ ...client, password: await hashPassword(client.password) })),
  );
}

/**
 * The configured client whose login `profile` would take, if any. A client scoped to the
 * device's own topics is that device's login, provisioned in the config beforehand.
 */
function takenBy(
  branch: string,
  clients: readonly ConfiguredClient[],
  profile: DeviceProfile,
): string | undefined {
  const own = deviceFilter(branch, profile.device);
  const client = clients.find((entry) => entry.username === profile.bus.username);
  if (!client) return undefined;

  const filters = [...client.publish, ...client.subscribe];
  return filters.every((filter) => filterWithin(filter, own)) ? undefined : client.username;
}

/**
 * The devices added here that the bus admits with their own login: a login a configured
 * client holds keeps the config's password, never the added device's.
 */
export function storedBusProfiles(
  dataDir: string,
  clients: readonly ConfiguredClient[],
): DeviceProfile[] {
  const configured = new Set(clients.map((client) => client.username));
  return storedProfiles(dataDir).filter((profile) => !configured.has(profile.bus.username));
}

function problemsOf(raw: unknown): FieldProblem[] {
  const result = checkProfile(raw);
  if (result.ok) return [];

  return result.problems.map((problem) => {
    const split = problem.indexOf(': ');
    return { path: problem.slice(0, split), message: problem.slice(split + 2) };
  });
}

function checked(raw: unknown): DeviceProfile {
  const result = checkProfile(raw);
  if (result.ok) return result.profile;

  throw new SmartBranchError('SB_ERR_INVALID_REQUEST', result.problems.join('; '), result.path);
}

interface TestParts {
  bus: Bus;
  clock: ModuleContext['clock'];
  branchName: string;
  managed: { profile: DeviceProfile; devices: Devices } | null;
}

/**
 * A technician's test of a device: a press of a simulated button, a relay or LED switched on
 * for a second, a test ticket. Switching and printing go over the bus, as any flow would.
 */
async function testDevice(device: string, action: DeviceTest, parts: TestParts) {
  const requestId = `ui-test-${parts.clock.now()}`;
  if (action === 'print') {
    await parts.bus.publish(
      'printerJob',
      { device },
      { requestId, branchName: parts.branchName, service: 'Test', number: 'T000' },
    );
    return { requestId };
  }

  if (action === 'blink') {
    await parts.bus.publish('deviceCommand', { device }, { requestId, action: 'switch', on: true });
    parts.clock.after(
      1000,
      () =>
        void parts.bus
          .publish(
            'deviceCommand',
            { device },
            { requestId: `${requestId}-off`, action: 'switch', on: false },
          )
          .catch(() => {}),
    );
    return { requestId };
  }

  return pressButton(device, parts);
}

function pressButton(device: string, parts: TestParts) {
  const profile = parts.managed?.profile;
  const gpio = parts.managed?.devices.simulated.gpio;
  if (profile?.connection.type !== 'gpio' || !gpio) {
    throw new SmartBranchError('SB_ERR_CONFLICT', `${device} is not a simulated GPIO input`);
  }

  const { pin, activeLow } = profile.connection;
  gpio.drive(pin, activeLow ? 0 : 1);
  // Held past the debounce time, as a finger would.
  parts.clock.after(profile.sampling.debounceMs + 150, () => gpio.drive(pin, activeLow ? 1 : 0));
  return { pressed: pin };
}
