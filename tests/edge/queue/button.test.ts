import { afterEach, describe, expect, it } from 'vitest';
import { type Devices, startDevices, ticketBytes } from '../../../devices/index.ts';
import type { Bus } from '../../../edge/bus/index.ts';
import { type Queue, QueueConfig, startQueue } from '../../../edge/queue/index.ts';
import { openStore, type Store } from '../../../edge/store/index.ts';
import { encodeMessage, type QueueMinute, topic } from '../../../protocol/index.ts';
import { virtualGpio, virtualPrinter } from '../../../simulator/devices/index.ts';
import { branch, busFor, connectTester, profile, record } from '../../devices/support.ts';
import { eventually, manualClock, tempDir, testContext } from '../../support/context.ts';
import { sampleConfig } from './harness.ts';

const cashButton = profile({
  device: 'kiosk-button',
  kind: 'button',
  connection: { type: 'gpio', pin: 17 },
  sampling: { debounceMs: 50, stuckAfterMs: 30_000 },
});
const elderlyButton = profile({
  device: 'kiosk-button/elderly',
  kind: 'button',
  connection: { type: 'gpio', pin: 18 },
  sampling: { debounceMs: 50, stuckAfterMs: 30_000 },
});
const config = QueueConfig.parse({
  ...sampleConfig,
  buttons: [
    { device: 'kiosk-button', service: 'cash' },
    { device: 'kiosk-button/elderly', service: 'cash', segment: 'elderly' },
  ],
});

let running: { bus: Bus; devices: Devices; queue: Queue; store: Store; dir: { remove(): void } };
afterEach(async () => {
  await running.devices.stop();
  await running.queue.stop();
  await running.bus.close();
  running.store.close();
  running.dir.remove();
});

async function start() {
  const clock = manualClock(Date.parse('2026-01-05T09:00:00Z'));
  const context = testContext(clock);
  const dir = tempDir('sb-queue-button-');
  const store = openStore(`${dir.path}/gateway.sqlite`, context);
  const bus = await busFor([cashButton, elderlyButton], 0, context);
  const minutes: QueueMinute[] = [];
  const queue = await startQueue(
    { branch, config, db: store.db, bus, recordMinute: (minute) => void minutes.push(minute) },
    context,
  );
  const gpio = virtualGpio();
  const devices = await startDevices(
    { branch, profiles: [cashButton, elderlyButton], busUrl: bus.url, hardware: { gpio } },
    context,
  );
  running = { bus, devices, queue, store, dir };
  const events = await record(bus, 'queueEvent');
  const press = async (pin: number) => {
    gpio.drive(pin, 1);
    await clock.advance(60);
    gpio.drive(pin, 0);
    await clock.advance(60);
  };
  return { clock, bus, queue, events, press };
}

describe('kiosk buttons', () => {
  it('issues a ticket of its service for each press of a GPIO button', async () => {
    const { queue, events, press } = await start();

    await press(17);
    await eventually(() => queue.stats().issued === 1, 'the first ticket');
    await press(17);
    await press(18);
    await eventually(() => queue.stats().issued === 3, 'three tickets');

    const issued = events.seen.filter((event) => event.type === 'issued');
    expect(issued.map((event) => [event.ticket.number, event.ticket.segment ?? null])).toEqual([
      ['A001', null],
      ['A002', null],
      ['A003', 'elderly'],
    ]);
    expect(queue.state().waiting).toContainEqual({ service: 'cash', count: 3 });
  });

  it('issues once for a press delivered twice, and nothing for an unlisted device', async () => {
    const { queue, bus } = await start();
    const tester = await connectTester(bus);
    const press = encodeMessage('deviceTelemetry', {
      device: 'kiosk-button',
      at: Date.parse('2026-01-05T09:00:05Z'),
      kind: 'button',
      values: { pressed: true, presses: 1 },
    });
    const stranger = encodeMessage('deviceTelemetry', {
      device: 'lobby-button',
      at: Date.parse('2026-01-05T09:00:05Z'),
      kind: 'button',
      values: { pressed: true, presses: 1 },
    });

    const pressTopic = topic('deviceTelemetry', { branch, device: 'kiosk-button' });
    await tester.publishAsync(pressTopic, press, { qos: 1 });
    await tester.publishAsync(pressTopic, press, { qos: 1, dup: true });
    await tester.publishAsync(
      topic('deviceTelemetry', { branch, device: 'lobby-button' }),
      stranger,
      {
        qos: 1,
      },
    );
    await eventually(() => queue.stats().issued >= 1, 'the ticket');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await tester.endAsync();

    expect(queue.stats().issued).toBe(1);
    expect(queue.state().issuedToday).toBe(1);
  });

  it('refuses a button naming an unknown service, by its path', () => {
    const parsed = QueueConfig.safeParse({
      ...sampleConfig,
      buttons: [{ device: 'kiosk-button', service: 'loans' }],
    });

    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'buttons.0.service',
    ]);
  });
});

describe('a kiosk button with a printer', () => {
  it("prints each press's ticket once as ESC/POS bytes with GB18030 text", async () => {
    const clock = manualClock(Date.parse('2026-01-05T09:00:00Z'));
    const context = testContext(clock);
    const dir = tempDir('sb-queue-button-print-');
    const printer = await virtualPrinter();
    const printerProfile = profile({
      device: 'kiosk-printer',
      kind: 'printer',
      connection: { type: 'tcp', address: printer.address },
    });
    const store = openStore(`${dir.path}/gateway.sqlite`, context);
    const bus = await busFor([cashButton, printerProfile], 0, context);
    const printed = QueueConfig.parse({
      ...sampleConfig,
      buttons: [{ device: 'kiosk-button', service: 'cash', printer: 'kiosk-printer' }],
    });
    const queue = await startQueue(
      {
        branch,
        config: printed,
        db: store.db,
        bus,
        recordMinute: () => {},
        branchName: '中文支行',
      },
      context,
    );
    const gpio = virtualGpio();
    const devices = await startDevices(
      { branch, profiles: [cashButton, printerProfile], busUrl: bus.url, hardware: { gpio } },
      context,
    );
    running = { bus, devices, queue, store, dir };
    const jobs = await record(bus, 'printerJob');
    const states = await record(bus, 'deviceState');
    await eventually(
      () =>
        states.seen.some((state) => state.device === 'kiosk-printer' && state.state === 'online'),
      'the printer online',
    );

    gpio.drive(17, 1);
    await clock.advance(60);
    gpio.drive(17, 0);
    await clock.advance(60);
    const job = await jobs.next('the print job', 1);
    await eventually(() => printer.printed().length >= ticketBytes(job).length, 'the bytes');
    const tester = await connectTester(bus);
    const pressTopic = topic('deviceTelemetry', { branch, device: 'kiosk-button' });
    const press = (at: number) =>
      encodeMessage('deviceTelemetry', {
        device: 'kiosk-button',
        at,
        kind: 'button',
        values: { pressed: true },
      });
    // The same press again (a QoS 1 redelivery), then a new one: only the new one prints.
    await tester.publishAsync(pressTopic, press(clock.now() + 1), { qos: 1 });
    await tester.publishAsync(pressTopic, press(clock.now() + 1), { qos: 1, dup: true });
    await eventually(() => queue.stats().issued === 2, 'the second ticket');
    await tester.publishAsync(pressTopic, press(clock.now() + 2), { qos: 1 });
    await jobs.next('the third job', 3);
    await tester.endAsync();

    expect(job).toMatchObject({
      branchName: '中文支行',
      service: 'Cash',
      number: 'A001',
      ahead: 0,
    });
    expect(job.requestId).toMatch(/^button:/);
    expect(printer.printed().subarray(0, ticketBytes(job).length)).toEqual(ticketBytes(job));
    expect(printer.printed().includes(Buffer.from('d6d0cec4d6a7d0d0', 'hex'))).toBe(true);
    expect(jobs.seen.map((each) => [each.number, each.ahead])).toEqual([
      ['A001', 0],
      ['A002', 1],
      ['A003', 2],
    ]);
    await printer.close();
  });
});
