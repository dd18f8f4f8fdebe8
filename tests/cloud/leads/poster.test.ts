import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PDFParse } from 'pdf-parse';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianCjkFont } from '../../../cloud/leads/fonts.ts';
import { checkQrToken } from '../../../cloud/leads/index.ts';
import { leadsServer } from './app.ts';
import { type LeadsFixture, leadsFixture } from './fixture.ts';

// jsqr's types declare an ES default export that its CommonJS build does not have.
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;

type Server = Awaited<ReturnType<typeof leadsServer>>;

/** What a reader of the PDF sees: its text, and the link its one image (the QR) holds. */
async function readPoster(response: Response) {
  expect(response.headers.get('content-type')).toBe('application/pdf');
  const parser = new PDFParse({ data: new Uint8Array(await response.arrayBuffer()) });
  const text = (await parser.getText()).text;
  const images = await parser.getImage({ imageDataUrl: false, imageBuffer: true });
  const image = images.pages[0]?.images[0];
  await parser.destroy();
  if (!image) throw new Error('the poster has no image');

  // pdf-parse hands the image back as a PNG file.
  const png = PNG.sync.read(Buffer.from(image.data));
  const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? '';
  return { text, token: qr.split('/l/')[1] ?? '' };
}

async function withManager(name: string, config: unknown = {}) {
  const fixture = await leadsFixture('sqlite', config);
  const ann = fixture.users['rm-ann'];
  await fixture.leads.setStaff({
    userId: ann.id,
    branch: 'north',
    displayName: name,
    skills: ['mortgage'],
    onDuty: true,
  });
  return { fixture, server: await leadsServer(fixture) };
}

describe.skipIf(!existsSync(debianCjkFont.path))('a Chinese campaign poster', () => {
  let fixture: LeadsFixture;
  let server: Server;

  beforeAll(async () => {
    ({ fixture, server } = await withManager('王安'));
  });
  afterAll(async () => {
    await server.close();
    await fixture.close();
  });

  it("prints its text in Chinese and a QR code holding the manager's own token", async () => {
    const response = await server.call(
      'rm-ann',
      'GET',
      '/api/leads/poster.pdf?campaign=spring-card&lang=zh',
    );
    const poster = await readPoster(response);

    expect(poster.text).toContain('活动 spring-card');
    expect(poster.text).toContain('扫码联系客户经理 王安');
    const check = checkQrToken(
      fixture.secrets.tokenSecret,
      poster.token,
      fixture.context.clock.now(),
    );
    expect(check).toMatchObject({
      ok: true,
      claims: { manager: fixture.users['rm-ann'].id, campaign: 'spring-card' },
    });
  });

  it('prints English when asked, the Chinese name still legible', async () => {
    const response = await server.call('rm-ann', 'GET', '/api/leads/poster.pdf?lang=en');
    const poster = await readPoster(response);

    expect(poster.text).toContain('Talk to us');
    expect(poster.text).toContain('Scan to talk to 王安');
  });
});

describe('a poster where the CJK font is missing', () => {
  let fixture: LeadsFixture;
  let server: Server;

  beforeAll(async () => {
    const posterFont = {
      path: '/nonexistent/NotoSansCJK-Regular.ttc',
      name: 'NotoSansCJKsc-Regular',
    };
    ({ fixture, server } = await withManager('Ann Lee', { posterFont }));
  });
  afterAll(async () => {
    await server.close();
    await fixture.close();
  });

  it('falls back to English and says so once, however many posters are asked for', async () => {
    for (let poster = 0; poster < 3; poster++) {
      const response = await server.call('rm-ann', 'GET', '/api/leads/poster.pdf?lang=zh');
      const read = await readPoster(response);
      expect(read.text).toContain('Scan to talk to Ann Lee');
      expect(read.text).not.toContain('扫码');
      expect(read.token).not.toBe('');
    }

    const warnings = fixture.context.lines.filter(
      (line) => line.msg === 'poster font missing: posters in English',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ font: '/nonexistent/NotoSansCJK-Regular.ttc' });
  });
});
