import PDFDocument from 'pdfkit';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import type { PosterFont } from './fonts.ts';

const qrOptions = { errorCorrectionLevel: 'M' as const, margin: 2, width: 480 };

export function qrDataUrl(url: string): Promise<string> {
  return QRCode.toDataURL(url, qrOptions);
}

/**
 * A poster as PNG: the campaign's colour band above and below, the tracking QR in the middle
 * on white so any phone camera reads it. Text goes on the PDF, which has fonts.
 */
export async function posterPng(url: string, colour: [number, number, number] = [0, 82, 155]) {
  const qr = PNG.sync.read(await QRCode.toBuffer(url, qrOptions));
  const poster = new PNG({ width: 600, height: 850 });
  poster.data.fill(255);
  fillBand(poster, 0, 120, colour);
  fillBand(poster, 730, 850, colour);

  const left = Math.floor((poster.width - qr.width) / 2);
  const top = 120 + Math.floor((610 - qr.height) / 2);
  PNG.bitblt(qr, poster, 0, 0, qr.width, qr.height, left, top);
  return PNG.sync.write(poster);
}

function fillBand(png: PNG, fromRow: number, toRow: number, [red, green, blue]: number[]) {
  for (let row = fromRow; row < toRow; row += 1) {
    for (let column = 0; column < png.width; column += 1) {
      const index = (row * png.width + column) * 4;
      png.data[index] = red ?? 0;
      png.data[index + 1] = green ?? 0;
      png.data[index + 2] = blue ?? 0;
      png.data[index + 3] = 255;
    }
  }
}

/** What a PDF poster says, already in its language. */
export interface PosterText {
  title: string;
  /** The line under the title, naming the manager. */
  invitation: string;
}

/**
 * The same poster as an A4 PDF with its title and the manager's name. With a CJK font the
 * whole text is set in it (a Chinese name on an English poster too); without one, in
 * pdfkit's built-in Helvetica, which has no Chinese glyphs.
 */
export async function posterPdf(
  url: string,
  text: PosterText,
  font: PosterFont | null,
): Promise<Buffer> {
  const qr = await QRCode.toBuffer(url, qrOptions);
  const document = new PDFDocument({ size: 'A4', margin: 50, info: { Title: text.title } });
  const chunks: Buffer[] = [];
  document.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) =>
    document.on('end', () => resolve(Buffer.concat(chunks))),
  );

  if (font) document.registerFont('poster', font.path, font.name).font('poster');
  document.fontSize(28).text(text.title, { align: 'center' });
  document.moveDown().fontSize(16).text(text.invitation, { align: 'center' });
  document.image(qr, (595 - 320) / 2, 220, { width: 320 });
  document.end();
  return done;
}
