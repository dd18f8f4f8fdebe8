import {
  Counter,
  type ModuleContext,
  metric,
  rateLimitedWarn,
  SmartBranchError,
} from '../core/index.ts';
import type { DeviceProfile } from '../firmware-config/index.ts';
import { encodeMessage, type PrinterJob, type Reply } from '../protocol/index.ts';
import { answer } from './answer.ts';
import { applyProfile, type Voice } from './apply.ts';
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
  let link: DeviceLink | null = null;
  const runner = deviceRunner(first, { ...options, link: () => link }, context, log);
  let applying: Promise<unknown> = Promise.resolve();

  const voice: Voice = {
    reply: (requestId, body) => {
      const message: Reply =
        'error' in body
          ? { correlationId: requestId, status: 'error', error: body.error }
          : { correlationId: requestId, status: 'ok', data: body.data };
      link?.publish('deviceReply', message);
      return message;
    },
    report: (message) =>
      link?.publish(
        'deviceProfile',
        { device: first.device, at: context.clock.now(), ...message },
        true,
      ),
    log,
    warn: rateLimitedWarn(log, 60_000, context.clock.now),
    refused: (channel) => refusedCounter(context).inc({ channel }),
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
      const result = applying.then(() => applyProfile(runner, raw, requestId, voice));
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
        void answer(channel, payload, device, voice).catch((err) =>
          log.error({ err }, 'device command failed'),
        ),
    },
    context.clock,
    log,
  );

  await runner.run(first);
  return device;
}

function unsupported(profile: DeviceProfile, what: 'switch' | 'print' | null) {
  if (what === null)
    return new SmartBranchError('SB_ERR_UNAVAILABLE', `${profile.device} is offline`);

  return new SmartBranchError('SB_ERR_INVALID_REQUEST', `a ${profile.kind} cannot ${what}`);
}

const refusedCounter = (context: ModuleContext) =>
  metric(
    context.registry,
    'sb_device_messages_refused_total',
    (registers) =>
      new Counter({
        name: 'sb_device_messages_refused_total',
        labelNames: ['channel'],
        registers,
        help: 'Commands and print jobs devices refused for failing their schema',
      }),
  );
