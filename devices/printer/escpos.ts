import iconv from 'iconv-lite';
import type { PrinterJob } from '../../protocol/index.ts';

/**
 * ESC/POS bytes of one queue ticket. Text goes in GB18030 with the printer in Chinese
 * character mode (FS &), which Chinese-market ESC/POS printers read as GB18030; the QR code
 * holds UTF-8, which phones expect.
 */
const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const LF = 0x0a;

export const commands = {
  initialise: [ESC, 0x40],
  chineseMode: [FS, 0x26],
  centre: [ESC, 0x61, 0x01],
  boldOn: [ESC, 0x45, 0x01],
  boldOff: [ESC, 0x45, 0x00],
  /** GS ! n: width and height multipliers in the high and low nibbles. */
  size: (times: number) => [GS, 0x21, ((times - 1) << 4) | (times - 1)],
  feed: (lines: number) => [ESC, 0x64, lines],
  /** GS V 66 0: feed to the cutter and cut, leaving a hinge. */
  partialCut: [GS, 0x56, 0x42, 0x00],
  /** DLE EOT 4: the paper roll sensor's status byte. */
  paperStatus: [0x10, 0x04, 0x04],
} as const;

/** Bits 5 and 6 of the DLE EOT 4 answer: the paper has run out. */
export const paperEndBits = 0x60;

export interface TicketLayout {
  /** QR module size in dots, 1 to 16. Default 6. */
  qrModuleSize?: number;
}

export function text(value: string): number[] {
  return [...iconv.encode(value, 'gb18030')];
}

const line = (value: string) => [...text(value), LF];

/** GS ( k: store the data of a model-2 QR code at error correction M, then print it. */
export function qrCode(data: string, moduleSize = 6): number[] {
  const bytes = [...Buffer.from(data, 'utf8')];
  const stored = bytes.length + 3;
  return [
    GS,
    0x28,
    0x6b,
    0x04,
    0x00,
    0x31,
    0x41,
    0x32,
    0x00,
    GS,
    0x28,
    0x6b,
    0x03,
    0x00,
    0x31,
    0x43,
    moduleSize,
    GS,
    0x28,
    0x6b,
    0x03,
    0x00,
    0x31,
    0x45,
    0x31,
    GS,
    0x28,
    0x6b,
    stored & 0xff,
    stored >> 8,
    0x31,
    0x50,
    0x30,
    ...bytes,
    GS,
    0x28,
    0x6b,
    0x03,
    0x00,
    0x31,
    0x51,
    0x30,
  ];
}

/** The ticket: branch in bold, service, the number large, the wait, the QR code, a cut. */
export function ticketBytes(job: PrinterJob, layout: TicketLayout = {}): Buffer {
  const bytes: number[] = [
    ...commands.initialise,
    ...commands.chineseMode,
    ...commands.centre,
    ...commands.boldOn,
    ...line(job.branchName),
    ...commands.boldOff,
    ...line(job.service),
    ...commands.size(3),
    ...line(job.number),
    ...commands.size(1),
  ];
  if (job.ahead !== undefined) bytes.push(...line(`前面 ${job.ahead} 人 / ${job.ahead} ahead`));
  if (job.waitMinutes !== undefined) {
    bytes.push(...line(`预计等候 ${job.waitMinutes} 分钟 / about ${job.waitMinutes} min`));
  }
  if (job.qr !== undefined) bytes.push(...qrCode(job.qr, layout.qrModuleSize), LF);

  bytes.push(...commands.feed(3), ...commands.partialCut);
  return Buffer.from(bytes);
}
