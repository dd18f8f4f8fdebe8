import mqtt from 'mqtt';
import { afterAll } from 'vitest';
import { deviceBusClients } from '../../devices/index.ts';
import { type Bus, startBus } from '../../edge/bus/index.ts';
import { DeviceProfile, type DeviceProfileInput } from '../../firmware-config/index.ts';
import { branchFilter, type Channel, type MessageOf } from '../../protocol/index.ts';
import { eventually, testContext } from '../support/context.ts';

export const branch = 'branch-devices-test';

/** A profile with the fields a test does not care about filled in. */
export function profile(
  fields: Partial<DeviceProfileInput> & Pick<DeviceProfileInput, 'device' | 'kind' | 'connection'>,
): DeviceProfile {
  return DeviceProfile.parse({
    model: 'test rig',
    version: 1,
    bus: { username: fields.device, password: `pw-${fields.device}` },
    ...fields,
  });
}

/** A client that may read and write everything of the test branch, like a technician tool. */
export const tester = { username: 'tester', password: 'pw-tester' };

export async function busFor(
  profiles: readonly DeviceProfile[],
  port = 0,
  context = testContext(),
): Promise<Bus> {
  const everything = [branchFilter(branch)];
  const clients = [
    ...deviceBusClients(branch, profiles),
    { ...tester, publish: everything, subscribe: everything },
  ];
  return startBus({ branch, port, clients }, context);
}

/** Connects the tester over TCP, as a technician tool or the cloud's relay would. */
export function connectTester(bus: Bus) {
  return mqtt.connectAsync(bus.url, {
    ...tester,
    clientId: `tester-${Math.random()}`,
    reconnectPeriod: 0,
  });
}

/** Every message of a channel the bus delivers, kept in arrival order. */
export async function record<C extends Channel>(bus: Bus, channel: C) {
  const seen: MessageOf<C>[] = [];
  // How many messages `next` has handed out: one may arrive before `next` is called.
  let taken = 0;
  const off = await bus.subscribe(channel, {}, (message) => void seen.push(message));
  return {
    seen,
    off,
    next: async (what: string, count = taken + 1): Promise<MessageOf<C>> => {
      await eventually(() => seen.length >= count, what);
      taken = Math.max(taken, count);
      return seen[count - 1] as MessageOf<C>;
    },
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
