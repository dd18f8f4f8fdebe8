import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { chromiumArgs } from '../../support/browser.ts';

/** Debian's chromium: CHROMIUM_PATH, else the first on the PATH; null when there is none. */
export function chromiumPath(): string | null {
  if (process.env.CHROMIUM_PATH && existsSync(process.env.CHROMIUM_PATH))
    return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || null;
    } catch {
      // not this name
    }
  }
  return null;
}

/** Headless, offline: the background-networking flags keep it from calling any Google host. */
export function launchChromium(
  executablePath: string,
  profileDir: string,
): Promise<BrowserContext> {
  // playwright passes the fresh profile folder to chromium as --user-data-dir.
  return chromium.launchPersistentContext(join(profileDir, 'profile'), {
    executablePath,
    headless: true,
    viewport: { width: 960, height: 540 },
    args: chromiumArgs,
  });
}

/** A real PNG of one colour with a band of another, so a screenshot of it is not blank. */
export function bandedPng(width: number, height: number): Buffer {
  const row = (y: number) =>
    Buffer.concat([
      Buffer.from([0]),
      Buffer.concat(
        Array.from({ length: width }, (_, x) =>
          Buffer.from(
            y > height / 3 && y < (2 * height) / 3 ? [220, 30, 30] : [20, 90, 200 + (x % 50)],
          ),
        ),
      ),
    ]);
  const raw = Buffer.concat(Array.from({ length: height }, (_, y) => row(y)));
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** How many distinct colours a screenshot holds, counted by the browser itself. */
export async function distinctColours(page: Page, png: Buffer): Promise<number> {
  return page.evaluate(
    async (dataUrl) => {
      const image = new Image();
      image.src = dataUrl;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d') as CanvasRenderingContext2D;
      context.drawImage(image, 0, 0);
      const pixels = context.getImageData(0, 0, image.width, image.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < pixels.length; i += 4 * 7)
        seen.add((pixels[i]! << 16) | (pixels[i + 1]! << 8) | pixels[i + 2]!);
      return seen.size;
    },
    `data:image/png;base64,${png.toString('base64')}`,
  );
}
