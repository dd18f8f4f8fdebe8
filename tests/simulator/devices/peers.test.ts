import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  virtualFirmataBoard,
  virtualGpio,
  virtualPrinter,
  virtualSerialPorts,
} from '../../../simulator/devices/index.ts';
import { eventually, manualClock } from '../../support/context.ts';

/** Opens a virtual board's port and collects what the board sends. */
async function openBoard(board: ReturnType<typeof virtualFirmataBoard>) {
  const link = virtualSerialPorts([board]).create(board.path, 57600);
  const received: number[] = [];
  link.stream.on('data', (data: Buffer) => received.push(...data));
  await link.open();
  return { link, received, send: (bytes: number[]) => link.stream.write(Buffer.from(bytes)) };
}

describe('virtual Firmata board', () => {
  it('greets like StandardFirmata after a reset: version, then its firmware name', async () => {
    const board = virtualFirmataBoard({ firmware: { name: 'Std', major: 2, minor: 5 } });
    const { received } = await openBoard(board);

    await eventually(() => received.length >= 13, 'the greeting');
    expect(received).toEqual([0xf9, 2, 5, 0xf0, 0x79, 2, 5, 0x53, 0, 0x74, 0, 0x64, 0, 0xf7]);
  });

  it('answers capability and analog mapping queries for an Uno', async () => {
    const board = virtualFirmataBoard();
    const { received, send } = await openBoard(board);
    await eventually(() => received.includes(0xf7), 'the greeting');
    received.length = 0;

    send([0xf0, 0x69, 0xf7]);
    await eventually(() => received.at(-1) === 0xf7, 'the mapping');

    expect(received).toEqual([0xf0, 0x6a, ...Array(14).fill(0x7f), 0, 1, 2, 3, 4, 5, 0xf7]);
  });

  it('drives outputs from digital port messages and reports analog readings', async () => {
    const board = virtualFirmataBoard();
    const { received, send } = await openBoard(board);
    await eventually(() => received.includes(0xf7), 'the greeting');
    received.length = 0;

    send([0xf4, 9, 0x01, 0x91, 0x02, 0x00]);
    board.setAnalog(2, 300);
    send([0xc2, 1]);
    await eventually(() => received.length >= 3, 'the analog report');

    expect(board.mode(9)).toBe(1);
    expect(board.digital(9)).toBe(1);
    expect(received).toEqual([0xe2, 300 & 0x7f, 300 >> 7]);
  });

  it('refuses to open while unplugged and closes the open link when pulled', async () => {
    const board = virtualFirmataBoard();
    const { link } = await openBoard(board);
    const closed = new Promise((resolve) => link.stream.once('close', resolve));

    board.unplug();

    expect(await closed).toMatchObject({ disconnected: true });
    await expect(virtualSerialPorts([board]).create(board.path, 57600).open()).rejects.toThrow(
      /No such file or directory/,
    );
    expect(virtualSerialPorts([board]).exists(board.path)).toBe(false);
  });
});

describe('virtual printer', () => {
  it('answers the paper status query and keeps the rest as printed bytes', async () => {
    const printer = await virtualPrinter();
    const socket = net.connect(printer.port, '127.0.0.1');
    const answers: number[] = [];
    socket.on('data', (data) => answers.push(...data));
    await new Promise((resolve) => socket.once('connect', resolve));

    socket.write(Buffer.from([0x1b, 0x40, 0x10, 0x04, 0x04, 0x41]));
    await eventually(() => answers.length === 1 && printer.printed().length === 3, 'the answer');
    printer.setPaperOut(true);
    socket.write(Buffer.from([0x10, 0x04, 0x04]));
    await eventually(() => answers.length === 2, 'the paper-out answer');

    expect(answers).toEqual([0x12, 0x72]);
    expect([...printer.printed()]).toEqual([0x1b, 0x40, 0x41]);
    socket.destroy();
    await printer.close();
  });
});

describe('virtual GPIO', () => {
  it('inverts active-low lines and fires only the watched edges', () => {
    const gpio = virtualGpio();
    const pin = gpio.open(4, 'in', 'rising', { activeLow: true });
    const seen: number[] = [];
    pin.watch((_err, value) => seen.push(value));

    gpio.drive(4, 1);
    gpio.drive(4, 0);

    // Electrical 1→0 is a logical rise on an active-low line.
    expect(seen).toEqual([1]);
    expect(gpio.exported(4)).toBe(true);
    pin.unexport();
    expect(gpio.exported(4)).toBe(false);
  });

  it('flaps a line on the clock until the fault is cancelled', async () => {
    const gpio = virtualGpio();
    const clock = manualClock();
    const flapping = gpio.flap(6, 100, clock);

    await clock.advance(300);
    flapping.cancel();
    await clock.advance(300);

    expect(gpio.level(6)).toBe(1);
  });
});
