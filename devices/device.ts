import {
  isSmartBranchError,
  type Logger,
  type ModuleContext,
  SmartBranchError,
  type Timer,
} from '../core/index.ts';
import type { DeviceProfile } from '../firmware-config/index.ts';
import { type DeviceState, encodeMessage } from '../protocol/index.ts';
import { backoff } from './backoff.ts';
import type { Driver, DriverFactory, DriverHost } from './driver.ts';
import type { Resolved } from './hardware.ts';
import type { DeviceLink } from './link.ts';

export type StateName = DeviceState['state'];

/** How the telemetry `kind` of the protocol names each profile kind. */
const telemetryKind = {
  button: 'button',
  pir: 'presence',
  door: 'door',
  relay: 'relay',
  led: 'led',
  'climate-sensor': 'climate',
  'air-quality': 'air-quality',
  'light-sensor': 'light',
  'people-counter': 'people-counter',
  printer: 'printer',
} as const satisfies Record<DeviceProfile['kind'], string>;

type Outcome = { ok: true } | { ok: false; error: SmartBranchError };

const superseded = (): Outcome => ({
  ok: false,
  error: new SmartBranchError('SB_ERR_CONFLICT', 'superseded'),
});

export interface Runner {
  readonly profile: DeviceProfile;
  readonly driver: Driver | null;
  state(): { state: StateName; reason?: string; simulated: boolean };
  /** The state as the retained bus message carries it. */
  stateMessage(): DeviceState;
  /** Starts a profile's driver: ok once it runs, else the error (and a retry is scheduled). */
  run(profile: DeviceProfile): Promise<Outcome>;
  halt(): Promise<void>;
}

export interface RunnerOptions {
  link: () => DeviceLink | null;
  resolve: (profile: DeviceProfile) => Promise<Resolved>;
  factory: (profile: DeviceProfile) => Promise<DriverFactory>;
  firstRetryMs: number;
  maxRetryMs: number;
}

/**
 * The life of one device's hardware: start, lose, retry with backoff on the clock, and its
 * state (online, degraded with a condition or as a stand-in, offline with the reason). The
 * state goes on the bus retained, and in the log once per change.
 */
export function deviceRunner(
  first: DeviceProfile,
  options: RunnerOptions,
  context: ModuleContext,
  log: Logger,
): Runner {
  const delays = backoff(options.firstRetryMs, options.maxRetryMs);
  let profile = first;
  let driver: Driver | null = null;
  let generation = 0;
  let retry: Timer | null = null;
  let current: { state: StateName; reason?: string } = { state: 'offline', reason: 'starting' };
  let simulated: string | null = null;
  let condition: string | null = null;
  let running = false;

  const setState = (state: StateName, reason?: string) => {
    if (current.state === state && current.reason === reason) return;

    current = reason === undefined ? { state } : { state, reason };
    const fields = { state, ...(reason === undefined ? {} : { reason }) };
    if (state === 'online') log.info(fields, 'device state');
    else log.warn(fields, 'device state');
    options.link()?.publish('deviceState', stateMessage(), true);
  };
  const stateMessage = (): DeviceState => ({
    device: profile.device,
    at: context.clock.now(),
    ...current,
    ...(current.reason === undefined ? {} : { reason: current.reason.slice(0, 300) }),
  });
  const refresh = () => {
    if (!running) return;
    if (condition) return setState('degraded', condition);
    if (simulated) return setState('degraded', `simulated: ${simulated}`);
    setState('online');
  };

  const hostFor = (own: number, active: DeviceProfile): DriverHost => ({
    profile: active,
    clock: context.clock,
    log,
    telemetry: (values) => {
      if (own !== generation) return;

      options.link()?.publish('deviceTelemetry', {
        device: active.device,
        at: context.clock.now(),
        kind: telemetryKind[active.kind],
        values,
      });
    },
    condition: (problem) => {
      if (own !== generation) return;

      condition = problem;
      refresh();
    },
    lost: (reason) => {
      if (own !== generation || !running) return;

      running = false;
      void driver?.stop().catch(() => undefined);
      setState('offline', reason);
      scheduleRetry(own);
    },
  });

  const scheduleRetry = (own: number) => {
    retry?.cancel();
    retry = context.clock.after(delays.next(), () => {
      retry = null;
      void attempt(own);
    });
  };

  // The same driver instance is started again on every retry, so an output keeps the level
  // last asked for and a counter its count across a lost board or printer.
  const attempt = async (own: number): Promise<Outcome> => {
    const candidate = driver;
    if (own !== generation || !candidate) return superseded();

    // A condition is the running driver's to set, during start too (a printer out of paper).
    condition = null;
    try {
      await candidate.start();
    } catch (err) {
      await candidate.stop().catch(() => undefined);
      const error = isSmartBranchError(err)
        ? err
        : new SmartBranchError('SB_ERR_DEVICE_FAULT', (err as Error).message);
      if (own === generation) {
        setState('offline', error.message);
        if (error.code !== 'SB_ERR_INVALID_CONFIG') scheduleRetry(own);
      }
      return { ok: false, error };
    }

    if (own !== generation) {
      await candidate.stop().catch(() => undefined);
      return superseded();
    }

    delays.reset();
    running = true;
    refresh();
    return { ok: true };
  };

  const run = async (next: DeviceProfile): Promise<Outcome> => {
    profile = next;
    const own = ++generation;
    const resolved = await options.resolve(next);
    if ('missing' in resolved) {
      setState('offline', resolved.missing);
      return {
        ok: false,
        error: new SmartBranchError('SB_ERR_HARDWARE_MISSING', resolved.missing),
      };
    }

    const factory = await options.factory(next);
    driver = factory(hostFor(own, next), resolved.hardware);
    simulated = resolved.simulated;
    return attempt(own);
  };

  return {
    get profile() {
      return profile;
    },
    get driver() {
      return running ? driver : null;
    },
    state: () => ({ ...current, simulated: simulated !== null }),
    stateMessage,
    run,
    halt: async () => {
      generation += 1;
      retry?.cancel();
      retry = null;
      running = false;
      const stopping = driver;
      driver = null;
      await stopping?.stop().catch((err) => log.debug({ err }, 'driver stop failed'));
    },
  };
}

/** The retained state a device leaves behind when it stops or loses the bus. */
export function offlineState(device: string, at: number, reason: string): Buffer {
  return encodeMessage('deviceState', { device, at, state: 'offline', reason });
}
