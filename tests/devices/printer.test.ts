import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Devices, startDevices } from '../../devices/index.ts';
import type { Bus } from '../../edge/bus/index.ts';
import type { DeviceProfile } from '../../firmware-config/index.ts';
import type { PrinterJob } from '../../protocol/index.ts';
import { type VirtualPrinter, virtualPrinter } from '../../simulator/devices/index.ts';
import { eventually, manualClock, tempDir, testContext } from '../support/context.ts';
import { branch, busFor, profile, record } from './support.ts';

const folder = tempDir('sb-printer-');
afterAll(() => folder.remove());

const job: PrinterJob = {
  requestId: 'print-1',
  branchName: '中文支行\u{20000}',
  service: '现金',
  number: 'A017',
  ahead: 3,
  waitMinutes: 12,
  qr: 'https://b.example/t/A017',
};

const hex = (text: string) => [...Buffer.from(text.replace(/\s+/g, ''), 'hex')];
const ascii = (text: string) => [...Buffer.from(text, 'ascii')];

/** The ticket, byte by byte, as an ESC/POS printer in GB18030 mode must receive it. */
const expectedTicket = Buffer.from([
  0x1b,
  0x40, // ESC @ initialise
  0x1c,
  0x26, // FS & Chinese character mode
  0x1b,
  0x61,
  0x01, // ESC a 1 centre
  0x1b,
  0x45,
  0x01, // ESC E 1 bold
  ...hex('d6d0 cec4 d6a7 d0d0 95328236'),
  0x0a, // 中文支行𠀀 (the last one takes four bytes)
  0x1b,
  0x45,
  0x00,
  ...hex('cfd6 bdf0'),
  0x0a, // 现金
  0x1d,
  0x21,
  0x22,
  ...ascii('A017'),
  0x0a,
  0x1d,
  0x21,
  0x00, // GS ! triple size
  ...hex('c7b0 c3e6'),
  ...ascii(' 3 '),
  ...hex('c8cb'),
  ...ascii(' / 3 ahead'),
  0x0a, // 前面 3 人
  ...hex('d4a4 bcc6 b5c8 baf2'),
  ...ascii(' 12 '),
  ...hex('b7d6 d6d3'), // 预计等候 12 分钟
  ...ascii(' / about 12 min'),
  0x0a,
  0x1d,
  0x28,
  0x6b,
  0x04,
  0x00,
  0x31,
  0x41,
  0x32,
  0x00, // QR model 2
  0x1d,
  0x28,
  0x6b,
  0x03,
  0x00,
  0x31,
  0x43,
  0x06, // module size 6
  0x1d,
  0x28,
  0x6b,
  0x03,
  0x00,
  0x31,
  0x45,
  0x31, // error correction M
  0x1d,
  0x28,
  0x6b,
  24 + 3,
  0x00,
  0x31,
  0x50,
  0x30,
  ...ascii('https://b.example/t/A017'),
  0x1d,
  0x28,
  0x6b,
  0x03,
  0x00,
  0x31,
  0x51,
  0x30,
  0x0a, // print the code
  0x1b,
  0x64,
  0x03, // feed 3 lines
  0x1d,
  0x56,
  0x42,
  0x00, // partial cut
]);

let running: { bus: Bus; devices: Devices; printer?: VirtualPrinter } | null = null;
afterEach(async () => {
  await running?.devices.stop();
  await running?.bus.close();
  await running?.printer?.close();
  running = null;
});

async function start(printerProfile: DeviceProfile, printer?: VirtualPrinter) {
  const clock = manualClock();
  const bus = await busFor([printerProfile]);
  const replies = await record(bus, 'deviceReply');
  const states = await record(bus, 'deviceState');
  const devices = await startDevices(
    { branch, profiles: [printerProfile], busUrl: bus.url },
    testContext(clock),
  );
  running = { bus, devices, ...(printer ? { printer } : {}) };
  const state = () => states.seen.filter((message) => message.device === 'printer-1').at(-1);
  const print = async (message: PrinterJob) => {
    const before = replies.seen.length;
    await bus.publish('printerJob', { device: 'printer-1' }, message);
    return replies.next(`the answer to ${message.requestId}`, before + 1);
  };
  return { clock, bus, devices, state, print };
}

const tcpProfile = (printer: VirtualPrinter) =>
  profile({
    device: 'printer-1',
    kind: 'printer',
    connection: { type: 'tcp', address: printer.address },
    sampling: { periodMs: 5000 },
  });

describe('ticket printers', () => {
  it('prints a ticket with GB18030 text as the exact ESC/POS bytes', async () => {
    const printer = await virtualPrinter();
    const { state, print } = await start(tcpProfile(printer), printer);
    await eventually(() => state()?.state === 'online', 'the printer online');

    const answer = await print(job);

    expect(answer).toEqual({ correlationId: 'print-1', status: 'ok', data: { printed: 'A017' } });
    await eventually(() => printer.printed().length >= expectedTicket.length, 'the bytes');
    expect(printer.printed().toString('hex')).toBe(expectedTicket.toString('hex'));
  });

  it('reports paper-out, refuses jobs until the paper is back, then prints again', async () => {
    const printer = await virtualPrinter();
    const { clock, state, print } = await start(tcpProfile(printer), printer);
    await eventually(() => state()?.state === 'online', 'the printer online');

    printer.setPaperOut(true);
    await clock.advance(5000);
    await eventually(() => state()?.state === 'degraded', 'the paper-out state');
    expect(state()?.reason).toBe('out of paper');

    const refused = await print({ ...job, requestId: 'print-2' });
    expect(refused.status).toBe('error');
    expect(refused.error?.code).toBe('SB_ERR_PAPER_OUT');
    expect(printer.printed().length).toBe(0);

    printer.setPaperOut(false);
    await clock.advance(5000);
    await eventually(() => state()?.state === 'online', 'online with paper');
    expect((await print({ ...job, requestId: 'print-3' })).status).toBe('ok');
  });

  it('goes offline with the printer and back online when it returns', async () => {
    const printer = await virtualPrinter();
    const { clock, state, print } = await start(tcpProfile(printer), printer);
    await eventually(() => state()?.state === 'online', 'the printer online');

    await printer.goOffline();
    await eventually(() => state()?.state === 'offline', 'the printer offline');
    expect(state()?.reason).toBe(`printer at ${printer.address} went offline`);
    const refused = await print({ ...job, requestId: 'print-4' });
    expect(refused.error?.code).toBe('SB_ERR_UNAVAILABLE');

    await printer.comeBack();
    await eventually(async () => {
      await clock.advance(1000);
      return state()?.state === 'online';
    }, 'the printer back online');
    expect((await print({ ...job, requestId: 'print-5' })).status).toBe('ok');
  });

  it('writes the same bytes to a USB printer’s device file', async () => {
    const device = join(folder.path, 'lp0');
    writeFileSync(device, '');
    const { state, print } = await start(
      profile({ device: 'printer-1', kind: 'printer', connection: { type: 'usb', device } }),
    );
    await eventually(() => state()?.state === 'online', 'the printer online');

    expect((await print(job)).status).toBe('ok');
    expect(readFileSync(device).toString('hex')).toBe(expectedTicket.toString('hex'));
  });

  it('answers a malformed job with the field that is wrong and keeps printing', async () => {
    const printer = await virtualPrinter();
    const { bus, state, print } = await start(tcpProfile(printer), printer);
    await eventually(() => state()?.state === 'online', 'the printer online');
    const replies = await record(bus, 'deviceReply');

    const client = await (await import('mqtt')).default.connectAsync(bus.url, {
      username: 'printer-1',
      password: 'pw-printer-1',
      clientId: 'tester',
      reconnectPeriod: 0,
    });
    const { topic } = await import('../../protocol/index.ts');
    await client.publishAsync(
      topic('printerJob', { branch, device: 'printer-1' }),
      JSON.stringify({ requestId: 'bad-1', branchName: 'x', service: 'y', number: 7 }),
    );
    const answer = await replies.next('the refusal');
    await client.endAsync();

    expect(answer).toMatchObject({
      correlationId: 'bad-1',
      status: 'error',
      error: { code: 'SB_ERR_INVALID_MESSAGE', path: 'number' },
    });
    expect((await print(job)).status).toBe('ok');
  });
});
