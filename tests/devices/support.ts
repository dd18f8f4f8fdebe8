import { afterAll } from 'vitest';
import { type Bus, startBus } from '../../edge/bus/index.ts';
import { type DeviceProfileInput, DeviceProfile } from '../../firmware-config/index.ts';
import type { Channel, MessageOf } from '../../protocol/index.ts';
import { deviceBusClients } from '../../devices/index.ts';
import { eventually } from '../support/context.ts';

export const branch = 'branch-devices-test';

/** A profile with the fields a test does not care about filled in. */
export function profile(fields: Partial<DeviceProfileInput> & Pick<DeviceProfileInput,
  'device' | 'kind' | 'connection'>): DeviceProfile {
  return DeviceProfile.parse({ model: 'test rig', version: 1,
    bus: { username: fields.device, password: `pw-${fields.device}` }, ...fields });
}

export async function busFor(profiles: readonly DeviceProfile[], port = 0): Promise<Bus> {
  return startBus({ branch, port, clients: deviceBusClients(branch, profiles) },
    (await import('../support/context.ts')).testContext());
}

/** Every message of a channel the bus delivers, kept in arrival order. */
export async function record<C extends Channel>(bus: Bus, channel: C) {
  const seen: MessageOf<C>[] = [];
  const off = await bus.subscribe(channel, {}, (message) => void seen.push(message));
  return {
    seen,
    off,
    next: (what: string, count = seen.length + 1) =>
      eventually(() => seen.length >= count && seen[count - 1], what),
  };
}

/** Stops what a test file started, last first, after its tests. */
export function cleanup() {
  const tasks: (() => unknown)[] = [];
  afterAll(async () => {
    for (const task of tasks.reverse()) await task();
  });
  return (task: () => unknown) => void tasks.push(task);
}
