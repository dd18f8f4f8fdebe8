import { afterEach, describe, expect, it } from 'vitest';
import { type Devices, startDevices } from '../../devices/index.ts';
import type { Bus } from '../../edge/bus/index.ts';
import type { DeviceProfile } from '../../firmware-config/index.ts';
import { type VirtualGpio, virtualGpio } from '../../simulator/devices/index.ts';
import { eventually, manualClock, testContext } from '../support/context.ts';
import { branch, busFor, profile, record } from './support.ts';

const button = profile({
  device: 'kiosk-button',
  kind: 'button',
  connection: { type: 'gpio', pin: 17 },
  sampling: { debounceMs: 50, stuckAfterMs: 30_000 },
});
const door = profile({ device: 'door/3', kind: 'door', connection: { type: 'gpio', pin: 22 } });

let running: { bus: Bus; devices: Devices } | null = null;
afterEach(async () => {
  await running?.devices.stop();
  await running?.bus.close();
  running = null;
});

async function start(profiles: DeviceProfile[], gpio: VirtualGpio, allowSimulated = false) {
  const clock = manualClock();
  const context = testContext(clock);
  const bus = await busFor(profiles);
  const telemetry = await record(bus, 'deviceTelemetry');
  const states = await record(bus, 'deviceState');
  const devices = await startDevices(
    { branch, profiles, busUrl: bus.url, hardware: { gpio }, allowSimulated },
    context,
  );
  running = { bus, devices };
  const stateOf = (device: string) =>
    states.seen.filter((message) => message.device === device).at(-1);
  return { clock, context, bus, devices, telemetry, states, stateOf };
}

const settle = (check: () => unknown, what: string) => eventually(check, what);

describe('GPIO devices', () => {
  it('turns a bouncing contact into one press', async () => {
    const gpio = virtualGpio();
    const { clock, telemetry, stateOf } = await start([button], gpio);
    await settle(() => stateOf('kiosk-button')?.state === 'online', 'the button online');

    for (const level of [1, 0, 1, 0, 1, 0, 1] as const) {
      gpio.drive(17, level);
      await clock.advance(3);
    }
    await clock.advance(60);
    await telemetry.next('the press');

    gpio.drive(17, 0);
    await clock.advance(60);
    gpio.drive(17, 1);
    await clock.advance(60);
    await telemetry.next('the second press', 2);

    expect(telemetry.seen.map((message) => message.values)).toEqual([
      { pressed: true, presses: 1 },
      { pressed: true, presses: 2 },
    ]);
    expect(telemetry.seen[0]).toMatchObject({ device: 'kiosk-button', kind: 'button' });
  });

  it('ignores a glitch shorter than the debounce time', async () => {
    const gpio = virtualGpio();
    const { clock, telemetry, stateOf } = await start([button], gpio);
    await settle(() => stateOf('kiosk-button')?.state === 'online', 'the button online');

    gpio.drive(17, 1);
    await clock.advance(20);
    gpio.drive(17, 0);
    await clock.advance(200);
    gpio.drive(17, 1);
    await clock.advance(60);
    await telemetry.next('the real press');

    expect(telemetry.seen.map((message) => message.values)).toEqual([
      { pressed: true, presses: 1 },
    ]);
  });

  it('reports a button held down as stuck, and online again once let go', async () => {
    const gpio = virtualGpio();
    const { clock, stateOf } = await start([button], gpio);
    await settle(() => stateOf('kiosk-button')?.state === 'online', 'the button online');

    gpio.stick(17, 1);
    await clock.advance(31_000);
    await settle(() => stateOf('kiosk-button')?.state === 'degraded', 'the stuck state');
    expect(stateOf('kiosk-button')?.reason).toBe('button held for 30 s: stuck?');

    gpio.release(17);
    gpio.drive(17, 0);
    await clock.advance(60);
    await settle(() => stateOf('kiosk-button')?.state === 'online', 'online again');
  });

  it('reports the initial and every settled level of a door contact', async () => {
    const gpio = virtualGpio();
    const { clock, telemetry } = await start([door], gpio);
    await telemetry.next('the initial level');

    gpio.drive(22, 1);
    await clock.advance(60);
    await telemetry.next('the door opening', 2);

    expect(telemetry.seen.map((message) => [message.kind, message.values])).toEqual([
      ['door', { open: false }],
      ['door', { open: true }],
    ]);
  });

  it('reports a flapping contact as degraded', async () => {
    const gpio = virtualGpio();
    const { clock, stateOf } = await start([door], gpio);
    await settle(() => stateOf('door/3')?.state === 'online', 'the door online');

    const flapping = gpio.flap(22, 100, clock);
    await clock.advance(2_500);
    flapping.cancel();
    await settle(() => stateOf('door/3')?.state === 'degraded', 'the flapping state');

    expect(stateOf('door/3')?.reason).toBe('flapping: 21 changes in a minute');
    await clock.advance(61_000);
    await settle(() => stateOf('door/3')?.state === 'online', 'online once it calms down');
  });

  it('takes over a line already exported and leaves it exported at stop', async () => {
    const gpio = virtualGpio();
    gpio.preExport(22, 'out');
    const { bus, devices, stateOf } = await start([door, button], gpio);
    await settle(() => stateOf('door/3')?.state === 'online', 'the door online');

    expect(gpio.direction(22)).toBe('in');
    await devices.stop();
    running = { bus, devices: { ...devices, stop: async () => undefined } };

    expect(gpio.direction(22)).toBe('in');
    expect(gpio.direction(17)).toBeUndefined();
  });

  it('names the reason a line cannot be opened and keeps the other devices running', async () => {
    const gpio = virtualGpio();
    gpio.failNextOpen(17, 'EINVAL');
    const { stateOf, context } = await start([button, door], gpio);

    await settle(
      () => stateOf('kiosk-button')?.state === 'offline' && stateOf('door/3')?.state === 'online',
      'both states',
    );
    expect(stateOf('kiosk-button')?.reason).toMatch(
      /^device failed to do it: GPIO 17 is not a line of this machine \(EINVAL\)/,
    );
    const counts = await context.registry.getSingleMetric('sb_devices')?.get();
    expect(counts?.values.map((value) => [value.labels.state, value.value])).toEqual([
      ['online', 1],
      ['degraded', 0],
      ['offline', 1],
    ]);
  });

  it('says once that GPIO is missing and lets simulated pins stand in where allowed', async () => {
    const gpio = virtualGpio();
    gpio.setAccessible(false);
    const allowed = profile({
      device: 'pir-1',
      kind: 'pir',
      connection: { type: 'gpio', pin: 5 },
      allowSimulated: true,
    });
    const { devices, context, stateOf } = await start([allowed, door], gpio, true);

    await settle(
      () => stateOf('pir-1')?.state === 'degraded' && stateOf('door/3')?.state === 'offline',
      'both states',
    );
    expect(stateOf('pir-1')?.reason).toBe('simulated: no GPIO on this machine (/sys/class/gpio)');
    expect(stateOf('door/3')?.reason).toBe('no GPIO on this machine (/sys/class/gpio)');
    expect(context.lines.filter((line) => line.msg === 'GPIO unavailable')).toHaveLength(1);
    expect(devices.simulated.gpio).not.toBeNull();
    expect(devices.list().map((status) => [status.device, status.simulated])).toEqual([
      ['pir-1', true],
      ['door/3', false],
    ]);
  });

  it('counts entries and exits on a people counter’s two pulse lines', async () => {
    const gpio = virtualGpio();
    const counter = profile({
      device: 'entrance-counter',
      kind: 'people-counter',
      connection: { type: 'gpio', pin: 5, exitPin: 6 },
      sampling: { debounceMs: 20 },
    });
    const { clock, telemetry, stateOf } = await start([counter], gpio);
    await settle(() => stateOf('entrance-counter')?.state === 'online', 'the counter online');

    for (const line of [5, 5, 6]) {
      gpio.drive(line, 1);
      await clock.advance(30);
      gpio.drive(line, 0);
      await clock.advance(30);
    }
    await telemetry.next('three passages', 3);

    expect(telemetry.seen.map((message) => message.values)).toEqual([
      { direction: 'entry', entries: 1, exits: 0 },
      { direction: 'entry', entries: 2, exits: 0 },
      { direction: 'exit', entries: 2, exits: 1 },
    ]);
  });
});
