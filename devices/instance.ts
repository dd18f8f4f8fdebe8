import {
  type ErrorBody,
  type ModuleContext,
  rateLimitedWarn,
  SmartBranchError,
  toErrorBody,
} from '../core/index.ts';
import { checkProfile, type DeviceProfile } from '../firmware-config/index.ts';
import {
  type DeviceCommand,
  type DeviceProfileReport,
  decodeMessage,
  encodeMessage,
  type PrinterJob,
  type Reply,
} from '../protocol/index.ts';
import { deviceRunner, offlineState, type RunnerOptions, type StateName } from './device.ts';
import { type DeviceLink, openDeviceLink } from './link.ts';

export interface DeviceStatus {
  device: string;
  kind: DeviceProfile['kind'];
  version: number;
  state: StateName;
  reason?: string;
  /** Whether a simulated device stands in for the hardware. */
  simulated: boolean;
  /** Whether the device's own connection to the bus is up. */
  busConnected: boolean;
}

/** One running device: its hardware, its connection to the bus, and what it answers. */
export interface Device {
  readonly id: string;
  profile(): DeviceProfile;
  status(): DeviceStatus;
  /**
   * Moves the device to a newer profile: checked, applied, and rolled back to the running
   * one when the new one fails. Resolves with the answer also sent on the bus.
   */
  applyProfile(profile: unknown, requestId?: string): Promise<Reply>;
  switch(on: boolean): Promise<void>;
  print(job: PrinterJob): Promise<void>;
  stop(): Promise<void>;
}

export interface InstanceOptions extends Omit<RunnerOptions, 'link'> {
  branch: string;
  busUrl: string;
}

export async function startDevice(
  first: DeviceProfile,
  options: InstanceOptions,
  context: ModuleContext,
): Promise<Device> {
  const log = context.log.child({ module: 'devices', device: first.device });
  const warn = rateLimitedWarn(log, 60_000, context.clock.now);
  let link: DeviceLink | null = null;
  const runner = deviceRunner(first, { ...options, link: () => link }, context, log);
  let applying: Promise<unknown> = Promise.resolve();

  const reply = (requestId: string, body: { data: unknown } | { error: ErrorBody }): Reply => {
    const message: Reply =
      'error' in body
        ? { correlationId: requestId, status: 'error', error: body.error }
        : { correlationId: requestId, status: 'ok', data: body.data };
    link?.publish('deviceReply', message);
    return message;
  };
  const report = (message: Omit<DeviceProfileReport, 'device' | 'at'>) =>
    link?.publish(
      'deviceProfile',
      { device: first.device, at: context.clock.now(), ...message },
      true,
    );

  const apply = async (raw: unknown, requestId: string): Promise<Reply> => {
    const current = runner.profile;
    const checked = checkNext(current, raw);
    if ('error' in checked) {
      warn(`refused:${checked.error.code}`, { ...checked.error }, 'profile refused');
      report({ version: current.version, status: 'refused', reason: checked.error.message });
      return reply(requestId, { error: checked.error });
    }

    const next = checked.profile;
    await runner.halt();
    const outcome = await runner.run(next);
    if (outcome.ok) {
      log.info({ version: next.version, previous: current.version }, 'profile applied');
      report({ version: next.version, status: 'applied' });
      return reply(requestId, { data: { device: next.device, version: next.version } });
    }

    await runner.halt();
    await runner.run(current);
    const reason =
      `version ${next.version} failed: ${outcome.error.message}; back on version ` +
      `${current.version}`;
    log.warn(
      { version: next.version, back: current.version, reason: outcome.error.message },
      'profile rolled back',
    );
    report({
      version: current.version,
      status: 'rolled-back',
      pushedVersion: next.version,
      reason: reason.slice(0, 300),
    });
    return reply(requestId, {
      error: {
        code: 'SB_ERR_DEVICE_FAULT',
        message: reason.slice(0, 500),
        ...(outcome.error.path ? { path: outcome.error.path } : {}),
      },
    });
  };

  const device: Device = {
    id: first.device,
    profile: () => runner.profile,
    status: () => ({
      device: first.device,
      kind: runner.profile.kind,
      version: runner.profile.version,
      ...runner.state(),
      busConnected: link?.connected() ?? false,
    }),
    applyProfile: (raw, requestId = `local-${context.clock.now()}`) => {
      const result = applying.then(() => apply(raw, requestId));
      applying = result.catch(() => undefined);
      return result;
    },
    switch: async (on) => {
      const driver = runner.driver;
      if (!driver?.switch) throw unsupported(runner.profile, driver ? 'switch' : null);

      await driver.switch(on);
    },
    print: async (job) => {
      const driver = runner.driver;
      if (!driver?.print) throw unsupported(runner.profile, driver ? 'print' : null);

      await driver.print(job);
    },
    stop: async () => {
      await runner.halt();
      await link?.close(offlineState(first.device, context.clock.now(), 'stopped'));
    },
  };

  link = openDeviceLink(
    {
      url: options.busUrl,
      branch: options.branch,
      device: first.device,
      username: first.bus.username,
      password: first.bus.password,
      listen: first.kind === 'printer' ? ['deviceCommand', 'printerJob'] : ['deviceCommand'],
      retained: () => [
        { channel: 'deviceState', payload: encodeMessage('deviceState', runner.stateMessage()) },
      ],
      will: () => offlineState(first.device, context.clock.now(), 'lost its bus connection'),
      onMessage: (channel, payload) =>
        void answer(channel, payload, device, reply, warn).catch((err) =>
          log.error({ err }, 'device command failed'),
        ),
    },
    context.clock,
    log,
  );

  await runner.run(first);
  return device;
}

/** The profile a device may move to, or why not: named by the field that is wrong. */
function checkNext(
  current: DeviceProfile,
  raw: unknown,
): { profile: DeviceProfile } | { error: ErrorBody } {
  // Bus credentials stay with the device: a pushed profile need not carry its password.
  const merged = { bus: current.bus, ...(raw as Record<string, unknown>) };
  const checked = checkProfile(merged);
  if (!checked.ok) {
    return {
      error: {
        code: 'SB_ERR_INVALID_CONFIG',
        path: checked.path,
        message: checked.problems.join('; ').slice(0, 500),
      },
    };
  }

  const next = checked.profile;
  const conflict = (path: string, message: string) => ({
    error: { code: 'SB_ERR_CONFLICT' as const, path, message },
  });
  if (next.device !== current.device) return conflict('device', `profile is for ${next.device}`);
  if (next.kind !== current.kind) return conflict('kind', `device is a ${current.kind}`);
  if (next.bus.username !== current.bus.username) {
    return conflict('bus.username', 'bus credentials change only with a new install');
  }
  if (next.version <= current.version) {
    return conflict('version', `version ${next.version} is not newer than ${current.version}`);
  }
  return { profile: next };
}

async function answer(
  channel: 'deviceCommand' | 'printerJob',
  payload: Buffer,
  device: Device,
  reply: (requestId: string, body: { data: unknown } | { error: ErrorBody }) => Reply,
  warn: ReturnType<typeof rateLimitedWarn>,
) {
  const decoded = decodeMessage(channel, payload);
  if (!decoded.ok) {
    warn(`${channel}:${decoded.error.path}`, { channel, ...decoded.error }, 'message refused');
    const requestId = requestIdOf(payload);
    if (requestId) reply(requestId, { error: decoded.error });
    return;
  }

  const message = decoded.message as DeviceCommand | PrinterJob;
  try {
    const data = await run(channel, message, device);
    if (data !== undefined) reply(message.requestId, { data });
  } catch (err) {
    reply(message.requestId, { error: toErrorBody(err) });
  }
}

async function run(
  channel: 'deviceCommand' | 'printerJob',
  message: DeviceCommand | PrinterJob,
  device: Device,
): Promise<unknown> {
  if (channel === 'printerJob') {
    await device.print(message as PrinterJob);
    return { printed: (message as PrinterJob).number };
  }

  const command = message as DeviceCommand;
  if (command.action === 'switch') {
    await device.switch(command.on);
    return { on: command.on };
  }

  // applyProfile sends its own answer, rolled back or not.
  await device.applyProfile(command.profile, command.requestId);
  return undefined;
}

/** The request id of a payload that failed its schema, so the sender still hears why. */
function requestIdOf(payload: Buffer): string | null {
  try {
    const value = (JSON.parse(payload.toString()) as { requestId?: unknown }).requestId;
    return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : null;
  } catch {
    return null;
  }
}

function unsupported(profile: DeviceProfile, what: 'switch' | 'print' | null) {
  if (what === null)
    return new SmartBranchError('SB_ERR_UNAVAILABLE', `${profile.device} is offline`);

  return new SmartBranchError('SB_ERR_INVALID_REQUEST', `a ${profile.kind} cannot ${what}`);
}
