import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assetCache } from '../../../edge/screens/assets.ts';
import { openStore } from '../../../edge/store/index.ts';
import type { CampaignManifest } from '../../../protocol/index.ts';
import { eventually, manualClock, tempDir, testContext } from '../../support/context.ts';
import { cleanupAfterAll, freePort } from '../../support/services.ts';
import { type Harness, next, startHarness } from './harness.ts';

const cleanup = cleanupAfterAll();
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function cacheIn(dir: string, maxBytes: number, sourceUrl?: string) {
  const context = testContext(manualClock());
  const store = openStore(join(dir, 'gateway.db'), context);
  const ready: string[] = [];
  const cache = assetCache({
    dir: join(dir, 'cache'),
    maxBytes,
    db: store.db,
    retryMs: 100_000,
    clock: context.clock,
    log: context.log,
    onReady: (hash) => void ready.push(hash),
    ...(sourceUrl ? { sourceUrl } : {}),
  });
  cleanup(() => store.close());
  return { cache, ready, clock: context.clock as ReturnType<typeof manualClock>, store };
}

describe('the on-disk asset cache', () => {
  it('evicts the least recently used asset over the limit but never one of the schedule', async () => {
    const dir = tempDir('sb-screens-lru-');
    cleanup(dir.remove);
    const { cache, clock } = cacheIn(dir.path, 250);
    const [a, b, c] = [1, 2, 3].map((n) => Buffer.alloc(100, n)) as [Buffer, Buffer, Buffer];

    cache.pin(new Set([sha(a)]));
    cache.put(a, 'image/png');
    await clock.advance(1000);
    cache.put(b, 'image/png');
    await clock.advance(1000);
    cache.put(c, 'image/png');

    expect([sha(a), sha(b), sha(c)].map((hash) => cache.ready(hash))).toEqual([true, false, true]);
    expect(existsSync(join(dir.path, 'cache', sha(b)))).toBe(false);
    expect(cache.stats()).toMatchObject({ files: 2, bytes: 200 });
  });

  it('refuses a download whose sha256 does not match the manifest, leaving nothing behind', async () => {
    const dir = tempDir('sb-screens-hash-');
    cleanup(dir.remove);
    const server = http.createServer((_req, res) => res.end(Buffer.alloc(64, 9)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as { port: number }).port;
    const { cache, ready, store } = cacheIn(dir.path, 10_000, `http://127.0.0.1:${port}`);

    cache.want([{ sha256: 'c'.repeat(64), size: 64 }]);
    await eventually(() => cache.stats().failed === 1, 'the failed fetch');

    expect(ready).toEqual([]);
    expect(readdirSync(join(dir.path, 'cache')).filter((name) => name !== '.partial')).toEqual([]);
    expect(readdirSync(join(dir.path, 'cache', '.partial'))).toEqual([]);
    expect(store.db.prepare('SELECT count(*) FROM screen_assets').pluck().get()).toBe(0);
  });
});

describe('a 50 MB video, the gateway killed at 60% of its download', () => {
  const video = Buffer.concat([
    Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70]),
    Buffer.alloc(50 * 1024 * 1024 - 8, 3),
  ]);
  const manifest: CampaignManifest = {
    branch: 'b-screens',
    version: 7,
    issuedAt: 1,
    keyId: 'k1',
    signature: 'c2ln',
    campaigns: [
      {
        id: 'autumn',
        name: 'Autumn',
        priority: 10,
        items: [
          {
            id: 'autumn-video',
            type: 'video',
            sha256: sha(video),
            size: video.length,
            durationMs: 15_000,
          },
          {
            id: 'autumn-text',
            type: 'template',
            sha256: 'd'.repeat(64),
            size: 1,
            durationMs: 5000,
            template: '<h1>Autumn rates</h1>',
          },
        ],
      },
    ],
  };
  let harness: Harness | undefined;
  afterAll(async () => harness?.stop());

  /** The cloud's asset server; with `killAt` it tells when that many bytes have gone out. */
  async function cloud(port: number, onSent?: (bytes: number) => void) {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': video.length });
      let offset = 0;
      const pump = () => {
        while (offset < video.length) {
          const chunk = video.subarray(offset, offset + 256 * 1024);
          offset += chunk.length;
          onSent?.(offset);
          if (!res.write(chunk))
            return void res.once('drain', () => setTimeout(pump, onSent ? 5 : 0));
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return server;
  }

  it('offers the video to no player until it is fetched again, checked and renamed into place', async () => {
    const dir = tempDir('sb-screens-kill-');
    cleanup(dir.remove);
    const port = await freePort();
    const manifestFile = join(dir.path, 'manifest.json');
    writeFileSync(manifestFile, JSON.stringify(manifest));

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL('./fixtures/gateway-download.ts', import.meta.url).pathname,
        dir.path,
        `http://127.0.0.1:${port}`,
        manifestFile,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const killed = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const first = await cloud(port, (sent) => {
      if (sent >= video.length * 0.6) child.kill('SIGKILL');
    });
    await killed;
    first.closeAllConnections();
    await new Promise((resolve) => first.close(resolve));
    expect(readdirSync(join(dir.path, 'cache', '.partial')).length).toBe(1);

    // Restarted with the cloud unreachable: the rest of the schedule plays, the video does not.
    harness = await startHarness({ dir: dir.path, cloudAssetUrl: `http://127.0.0.1:${port}` });
    const player = harness.player(await harness.pair('tv-1'));
    const offered = await next<{ items: { id: string }[] }>(player, 'programme');
    expect(offered.items.map((item) => item.id)).toEqual(['autumn-text']);
    expect(harness.store.db.prepare('SELECT count(*) FROM screen_assets').pluck().get()).toBe(0);
    expect(readdirSync(join(dir.path, 'cache', '.partial'))).toEqual([]);

    const programmes: { items: { id: string }[] }[] = [];
    player.on('programme', (programme) => programmes.push(programme));
    const second = await cloud(port);
    cleanup(() => new Promise((resolve) => second.close(resolve)));
    await eventually(
      () => programmes.some((p) => p.items.some((item) => item.id === 'autumn-video')),
      'the video once fetched',
      30_000,
    );

    const file = join(dir.path, 'cache', sha(video));
    expect(sha(readFileSync(file))).toBe(sha(video));
    expect(
      harness.store.db
        .prepare('SELECT size FROM screen_assets WHERE sha256 = ?')
        .pluck()
        .get(sha(video)),
    ).toBe(video.length);
  }, 90_000);
});
