import { afterEach, describe, expect, it } from 'vitest';
import { type Devices, startDevices } from '../../devices/index.ts';
import type { Bus } from '../../edge/bus/index.ts';
import { topic } from '../../protocol/index.ts';
import { virtualGpio } from '../../simulator/devices/index.ts';
import { eventually, manualClock, testContext } from '../support/context.ts';
import { freePort } from '../support/services.ts';
import { branch, busFor, connectTester, profile, record } from './support.ts';

const button = profile({
  device: 'kiosk-button',
  kind: 'button',
  connection: { type: 'gpio', pin: 17 },
});

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const task of cleanup.reverse()) await task();
  cleanup = [];
});

const press = async (
  gpio: ReturnType<typeof virtualGpio>,
  clock: ReturnType<typeof manualClock>,
) => {
  gpio.drive(17, 1);
  await clock.advance(60);
  gpio.drive(17, 0);
  await clock.advance(60);
};

describe('a device on the bus', () => {
  it('comes back after the bus restarts, with its retained state and its presses', async () => {
    const port = await freePort();
    const clock = manualClock();
    const context = testContext(clock);
    const gpio = virtualGpio();
    let bus: Bus = await busFor([button], port);
    const devices: Devices = await startDevices(
      { branch, profiles: [button], busUrl: bus.url, hardware: { gpio } },
      context,
    );
    cleanup.push(
      () => bus.close(),
      () => devices.stop(),
    );
    await eventually(() => devices.get('kiosk-button')?.status().busConnected, 'the connection');

    await bus.close();
    await eventually(() => !devices.get('kiosk-button')?.status().busConnected, 'the loss');
    await press(gpio, clock);
    bus = await busFor([button], port);
    const states = await record(bus, 'deviceState');
    const telemetry = await record(bus, 'deviceTelemetry');
    await eventually(async () => {
      await clock.advance(1000);
      return states.seen.length > 0;
    }, 'the state on the new bus');

    expect(states.seen[0]).toMatchObject({ device: 'kiosk-button', state: 'online' });
    // The press made while the bus was down was queued and arrives once it is back.
    await telemetry.next('the queued press', 1);
    expect(telemetry.seen[0]?.values).toEqual({ pressed: true, presses: 1 });
    await press(gpio, clock);
    await telemetry.next('a press after the restart', 2);
    expect(telemetry.seen[1]?.values).toEqual({ pressed: true, presses: 2 });
  });

  it('leaves a retained offline state behind when it stops', async () => {
    const clock = manualClock();
    const bus = await busFor([button]);
    cleanup.push(() => bus.close());
    const devices = await startDevices(
      { branch, profiles: [button], busUrl: bus.url, hardware: { gpio: virtualGpio() } },
      testContext(clock),
    );
    await eventually(() => devices.get('kiosk-button')?.status().busConnected, 'the connection');

    await devices.stop();
    const client = await connectTester(bus);
    const retained = new Promise<Buffer>((resolve) =>
      client.once('message', (_t, payload) => resolve(payload)),
    );
    await client.subscribeAsync(topic('deviceState', { branch, device: 'kiosk-button' }));

    expect(JSON.parse((await retained).toString())).toMatchObject({
      device: 'kiosk-button',
      state: 'offline',
      reason: 'stopped',
    });
    await client.endAsync();
  });

  it('says once that the bus refused its credentials, and keeps trying', async () => {
    const clock = manualClock();
    const context = testContext(clock);
    const busContext = testContext();
    const bus = await busFor([button], 0, busContext);
    cleanup.push(() => bus.close());
    const wrong = profile({
      device: 'kiosk-button',
      kind: 'button',
      connection: { type: 'gpio', pin: 17 },
      bus: { username: 'kiosk-button', password: 'wrong' },
    });
    const devices = await startDevices(
      { branch, profiles: [wrong], busUrl: bus.url, hardware: { gpio: virtualGpio() } },
      context,
    );
    cleanup.push(() => devices.stop());

    const refusal = 'bus refused the device credentials of its profile';
    await eventually(() => context.lines.some((line) => line.msg === refusal), 'the refusal');
    for (let attempt = 0; attempt < 3; attempt++) {
      await clock.advance(30_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect(context.lines.filter((line) => line.msg === refusal)).toHaveLength(1);
    const logins = busContext.lines.filter((line) => line.msg === 'bus login refused');
    expect(logins.length).toBeGreaterThanOrEqual(3);
    expect(devices.get('kiosk-button')?.status().busConnected).toBe(false);
  });
});
