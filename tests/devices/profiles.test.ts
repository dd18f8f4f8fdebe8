import { afterEach, describe, expect, it } from 'vitest';
import { type Devices, startDevices } from '../../devices/index.ts';
import type { Bus } from '../../edge/bus/index.ts';
import type { DeviceCommand } from '../../protocol/index.ts';
import { topic } from '../../protocol/index.ts';
import { virtualGpio } from '../../simulator/devices/index.ts';
import { eventually, manualClock, testContext } from '../support/context.ts';
import { branch, busFor, connectTester, profile, record } from './support.ts';

const button = profile({
  device: 'kiosk-button',
  kind: 'button',
  connection: { type: 'gpio', pin: 17 },
});
const lights = profile({ device: 'lights', kind: 'relay', connection: { type: 'gpio', pin: 26 } });

/** A pushed profile carries no bus password: the device keeps its own. */
const pushed = (version: number, pin: number, extra: Record<string, unknown> = {}) => ({
  device: 'kiosk-button',
  kind: 'button',
  model: 'arcade button',
  version,
  connection: { type: 'gpio', pin },
  sampling: { debounceMs: 20 },
  ...extra,
});

let running: { bus: Bus; devices: Devices } | null = null;
afterEach(async () => {
  await running?.devices.stop();
  await running?.bus.close();
  running = null;
});

async function start() {
  const clock = manualClock();
  const gpio = virtualGpio();
  const context = testContext(clock);
  const bus = await busFor([button, lights]);
  const replies = await record(bus, 'deviceReply');
  const reports = await record(bus, 'deviceProfile');
  const telemetry = await record(bus, 'deviceTelemetry');
  const states = await record(bus, 'deviceState');
  const devices = await startDevices(
    { branch, profiles: [button, lights], busUrl: bus.url, hardware: { gpio } },
    context,
  );
  running = { bus, devices };
  await eventually(
    () => devices.list().every((status) => status.state === 'online' && status.busConnected),
    'the devices online',
  );
  const command = async (device: string, message: DeviceCommand) => {
    const before = replies.seen.length;
    await bus.publish('deviceCommand', { device }, message);
    return replies.next(`the answer to ${message.requestId}`, before + 1);
  };
  const press = async (pin: number) => {
    gpio.drive(pin, 1);
    await clock.advance(60);
    gpio.drive(pin, 0);
    await clock.advance(60);
  };
  return {
    clock,
    gpio,
    context,
    bus,
    devices,
    replies,
    reports,
    telemetry,
    states,
    command,
    press,
  };
}

describe('profile updates on a running device', () => {
  it('applies a newer profile, acknowledges it and runs on it', async () => {
    const { gpio, devices, reports, telemetry, command, press } = await start();

    const answer = await command('kiosk-button', {
      requestId: 'p-2',
      action: 'apply-profile',
      profile: pushed(2, 18),
    });

    expect(answer).toEqual({
      correlationId: 'p-2',
      status: 'ok',
      data: { device: 'kiosk-button', version: 2 },
    });
    expect(await reports.next('the report', 1)).toMatchObject({
      device: 'kiosk-button',
      version: 2,
      status: 'applied',
    });
    expect(devices.get('kiosk-button')?.status()).toMatchObject({ version: 2, state: 'online' });
    expect(gpio.direction(17)).toBeUndefined();
    expect(devices.get('kiosk-button')?.profile().bus.password).toBe('pw-kiosk-button');

    await press(18);
    await telemetry.next('a press on the new pin', 1);
    expect(
      telemetry.seen
        .filter((message) => message.device === 'kiosk-button')
        .map((message) => message.values),
    ).toEqual([{ pressed: true, presses: 1 }]);
  });

  it('rolls back to the running profile when the new one fails, and says why', async () => {
    const { gpio, devices, reports, telemetry, command, press } = await start();
    await command('kiosk-button', {
      requestId: 'p-2',
      action: 'apply-profile',
      profile: pushed(2, 18),
    });
    gpio.failNextOpen(19, 'EINVAL');

    const answer = await command('kiosk-button', {
      requestId: 'p-3',
      action: 'apply-profile',
      profile: pushed(3, 19),
    });

    expect(answer.status).toBe('error');
    expect(answer.error?.code).toBe('SB_ERR_DEVICE_FAULT');
    expect(answer.error?.path).toBe('connection.pin');
    expect(answer.error?.message).toMatch(
      /^version 3 failed: .*GPIO 19 is not a line of this machine.*; back on version 2$/,
    );
    expect(await reports.next('the rollback report', 2)).toMatchObject({
      version: 2,
      status: 'rolled-back',
      pushedVersion: 3,
    });
    expect(devices.get('kiosk-button')?.status()).toMatchObject({ version: 2, state: 'online' });

    await press(18);
    await telemetry.next('a press on the old pin', 1);
    expect(telemetry.seen.at(-1)?.values).toEqual({ pressed: true, presses: 1 });
  });

  it('refuses an older version, a field that fails, and a profile for another device', async () => {
    const { devices, command } = await start();

    const older = await command('kiosk-button', {
      requestId: 'p-0',
      action: 'apply-profile',
      profile: pushed(1, 18),
    });
    const invalid = await command('kiosk-button', {
      requestId: 'p-x',
      action: 'apply-profile',
      profile: pushed(5, 18, { sampling: { debounceMs: -1 } }),
    });
    const other = await command('kiosk-button', {
      requestId: 'p-o',
      action: 'apply-profile',
      profile: pushed(5, 18, { device: 'door-1' }),
    });

    expect(
      [older, invalid, other].map((answer) => [answer.error?.code, answer.error?.path]),
    ).toEqual([
      ['SB_ERR_CONFLICT', 'version'],
      ['SB_ERR_INVALID_CONFIG', 'sampling.debounceMs'],
      ['SB_ERR_CONFLICT', 'device'],
    ]);
    expect(older.error?.message).toBe('version 1 is not newer than 1');
    expect(devices.get('kiosk-button')?.status()).toMatchObject({ version: 1, state: 'online' });
  });

  it('answers a malformed command with its path and keeps listening', async () => {
    const { bus, replies, command, context } = await start();
    const client = await connectTester(bus);
    const name = topic('deviceCommand', { branch, device: 'kiosk-button' });

    await client.publishAsync(name, 'not json', { qos: 1 });
    await client.publishAsync(name, JSON.stringify({ requestId: 'c-1', action: 'explode' }), {
      qos: 1,
    });
    const refusal = await replies.next('the refusal', 1);
    await client.endAsync();

    expect(refusal).toMatchObject({
      correlationId: 'c-1',
      status: 'error',
      error: { code: 'SB_ERR_INVALID_MESSAGE', path: 'action' },
    });
    expect(context.lines.filter((line) => line.msg === 'message refused')).toHaveLength(2);
    const refused = await context.registry
      .getSingleMetric('sb_device_messages_refused_total')
      ?.get();
    expect(refused?.values).toEqual([{ labels: { channel: 'deviceCommand' }, value: 2 }]);
    const applied = await command('kiosk-button', {
      requestId: 'p-2',
      action: 'apply-profile',
      profile: pushed(2, 18),
    });
    expect(applied.status).toBe('ok');
  });

  it('switches a relay on command and refuses to switch a button', async () => {
    const { gpio, command, telemetry } = await start();

    const on = await command('lights', { requestId: 's-1', action: 'switch', on: true });
    const wrong = await command('kiosk-button', { requestId: 's-2', action: 'switch', on: true });

    expect(on).toEqual({ correlationId: 's-1', status: 'ok', data: { on: true } });
    expect(gpio.level(26)).toBe(1);
    expect(wrong.error?.code).toBe('SB_ERR_INVALID_REQUEST');
    await eventually(
      () =>
        telemetry.seen.some((message) => message.device === 'lights' && message.values.on === true),
      'the relay telemetry',
    );
  });
});
