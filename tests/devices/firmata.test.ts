import { afterEach, describe, expect, it } from 'vitest';
import { type Devices, startDevices } from '../../devices/index.ts';
import type { Bus } from '../../edge/bus/index.ts';
import type { DeviceProfile } from '../../firmware-config/index.ts';
import {
  type VirtualFirmataBoard,
  virtualFirmataBoard,
  virtualSerialPorts,
} from '../../simulator/devices/index.ts';
import { eventually, manualClock, testContext } from '../support/context.ts';
import { branch, busFor, profile, record } from './support.ts';

const firmware = { name: 'StandardFirmata', minVersion: '2.5' };
const climateFields = (port: string) => ({
  device: 'climate-1',
  kind: 'climate-sensor' as const,
  connection: { type: 'firmata' as const, port, pin: 'A0' },
  firmware,
  sampling: { periodMs: 1000, changeThreshold: 0.5 },
  calibration: { scale: 0.48828125, offset: -50, thresholds: { hot: 28 } },
});
const climate = (port: string) => profile(climateFields(port));
const relay = (port: string) =>
  profile({
    device: 'lights',
    kind: 'relay',
    connection: { type: 'firmata', port, pin: 7 },
    firmware,
  });

let running: { bus: Bus; devices: Devices } | null = null;
afterEach(async () => {
  await running?.devices.stop();
  await running?.bus.close();
  running = null;
});

async function start(profiles: DeviceProfile[], boards: VirtualFirmataBoard[]) {
  const clock = manualClock();
  const context = testContext(clock);
  const bus = await busFor(profiles);
  const telemetry = await record(bus, 'deviceTelemetry');
  const states = await record(bus, 'deviceState');
  const devices = await startDevices(
    { branch, profiles, busUrl: bus.url, hardware: { serial: virtualSerialPorts(boards) } },
    context,
  );
  running = { bus, devices };
  const stateOf = (device: string) =>
    states.seen.filter((message) => message.device === device).at(-1);
  return { clock, context, bus, devices, telemetry, stateOf };
}

describe('Firmata boards through johnny-five', () => {
  it('samples an analog sensor each period and reports changes past the threshold', async () => {
    const board = virtualFirmataBoard({ path: '/dev/ttyACM0' });
    board.setAnalog(0, 153);
    const { clock, telemetry, stateOf } = await start([climate('/dev/ttyACM0')], [board]);
    await eventually(() => stateOf('climate-1')?.state === 'online', 'the sensor online');

    await eventually(async () => {
      await clock.advance(1000);
      return telemetry.seen.length > 0;
    }, 'the first reading');
    board.setAnalog(0, 154);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await clock.advance(1000);
    board.setAnalog(0, 160);
    await eventually(async () => {
      await clock.advance(1000);
      return telemetry.seen.length > 1;
    }, 'the change past the threshold');

    expect(telemetry.seen.map((message) => [message.kind, message.values])).toEqual([
      ['climate', { temperatureC: 24.71, raw: 153, level: 'normal' }],
      ['climate', { temperatureC: 28.13, raw: 160, level: 'hot' }],
    ]);
  });

  it('refuses a board whose firmware does not match, in one line', async () => {
    const board = virtualFirmataBoard({
      path: '/dev/ttyACM1',
      firmware: { name: 'StandardFirmata.ino', major: 2, minor: 3 },
    });
    const { clock, context, stateOf } = await start([climate('/dev/ttyACM1')], [board]);

    await eventually(
      () =>
        stateOf('climate-1')?.state === 'offline' && stateOf('climate-1')?.reason !== 'starting',
      'the refusal',
    );
    await clock.advance(1000);
    await clock.advance(2000);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const reason =
      'board runs the wrong firmware: board on /dev/ttyACM1 runs StandardFirmata 2.3, ' +
      'needs StandardFirmata 2.5 or newer';
    expect(stateOf('climate-1')?.reason).toBe(reason);
    const lines = context.lines.filter((line) => line.reason === reason);
    expect(lines).toHaveLength(1);
    // Every refused handshake left johnny-five's board cache again: nothing grows per retry.
    const five = (await import('johnny-five')).default as { Board: { cache: unknown[] } };
    expect(five.Board.cache).toHaveLength(0);
  });

  it('switches a relay, loses the board when unplugged and restores it when plugged back', async () => {
    const board = virtualFirmataBoard({ path: '/dev/ttyACM2' });
    const { clock, devices, stateOf } = await start([relay('/dev/ttyACM2')], [board]);
    await eventually(() => stateOf('lights')?.state === 'online', 'the relay online');

    await devices.get('lights')?.switch(true);
    await eventually(() => board.digital(7) === 1, 'the relay pin high');
    expect(board.mode(7)).toBe(1);

    board.unplug();
    await eventually(() => stateOf('lights')?.state === 'offline', 'the relay offline');
    expect(stateOf('lights')?.reason).toBe('board unplugged from /dev/ttyACM2');
    await clock.advance(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stateOf('lights')?.state).toBe('offline');

    board.plugIn();
    await eventually(async () => {
      await clock.advance(1000);
      return stateOf('lights')?.state === 'online';
    }, 'the relay online again');
    await eventually(() => board.digital(7) === 1, 'the relay pin high again');
  });

  it('shares one board between devices and brings both back after an unplug', async () => {
    const board = virtualFirmataBoard({ path: '/dev/ttyACM3' });
    const led = profile({
      device: 'led-1',
      kind: 'led',
      connection: { type: 'firmata', port: '/dev/ttyACM3', pin: 13 },
      firmware,
    });
    const { clock, devices, stateOf } = await start([climate('/dev/ttyACM3'), led], [board]);
    const bothAre = (state: string) =>
      stateOf('climate-1')?.state === state && stateOf('led-1')?.state === state;
    await eventually(() => bothAre('online'), 'both online');
    await devices.get('led-1')?.switch(true);
    await eventually(() => board.digital(13) === 1, 'the LED on');

    board.unplug();
    await eventually(() => bothAre('offline'), 'both offline');
    board.plugIn();
    await eventually(async () => {
      await clock.advance(1000);
      return bothAre('online');
    }, 'both online again');

    await eventually(() => board.digital(13) === 1, 'the LED on again');
  });

  it('rolls a sensor back when its new profile asks for firmware the board lacks', async () => {
    const board = virtualFirmataBoard({ path: '/dev/ttyACM4' });
    const { devices, stateOf } = await start([climate('/dev/ttyACM4')], [board]);
    await eventually(() => stateOf('climate-1')?.state === 'online', 'the sensor online');
    const { bus, ...current } = climate('/dev/ttyACM4');

    const answer = await devices
      .get('climate-1')
      ?.applyProfile(
        { ...current, version: 2, firmware: { name: 'StandardFirmata', minVersion: '3.0' } },
        'p-1',
      );

    expect(answer?.error?.code).toBe('SB_ERR_DEVICE_FAULT');
    expect(answer?.error?.message).toBe(
      'version 2 failed: board runs the wrong firmware: board on ' +
        '/dev/ttyACM4 runs StandardFirmata 2.5, needs StandardFirmata 3.0 or newer; back on ' +
        'version 1',
    );
    expect(devices.get('climate-1')?.status()).toMatchObject({ version: 1, state: 'online' });
    expect(bus.username).toBe('climate-1');
  });

  it('lets a simulated board stand in for an absent port where the profile allows it', async () => {
    const clock = manualClock();
    const sensor = profile({ ...climateFields('/dev/ttyACM9'), allowSimulated: true });
    const bus = await busFor([sensor]);
    const telemetry = await record(bus, 'deviceTelemetry');
    const devices = await startDevices(
      {
        branch,
        profiles: [sensor],
        busUrl: bus.url,
        hardware: { serial: virtualSerialPorts([]) },
        allowSimulated: true,
      },
      testContext(clock),
    );
    running = { bus, devices };

    await eventually(() => devices.get('climate-1')?.status().state === 'degraded', 'the stand-in');
    expect(devices.get('climate-1')?.status().reason).toBe(
      'simulated: no serial port /dev/ttyACM9',
    );
    devices.simulated.boards.get('/dev/ttyACM9')?.setAnalog(0, 160);
    await eventually(async () => {
      await clock.advance(1000);
      return telemetry.seen.some((message) => message.values.level === 'hot');
    }, 'a reading from the simulated board');
  });
});
