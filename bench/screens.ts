// One gateway driving 20 socket.io players on loopback: how long a schedule change takes to
// reach every player. Run: npx tsx bench/screens.ts [players] [changes]
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { startHarness } from '../tests/edge/screens/harness.ts';
import { tempDir } from '../tests/support/context.ts';

const players = Number(process.argv[2] ?? 20);
const changes = Number(process.argv[3] ?? 50);
const dir = tempDir('sb-bench-screens-');
const harness = await startHarness({ dir: dir.path });

await harness.api('/screens/api/content', {
  method: 'POST',
  body: JSON.stringify({
    id: 'slide',
    name: 'Slide',
    type: 'template',
    template: '<h1>{{fields.n}}</h1>',
  }),
});
const sockets: Socket[] = [];
for (let index = 0; index < players; index++) {
  const socket = harness.player(await harness.pair('tv-1'));
  await new Promise((resolve) => socket.once('programme', resolve));
  setInterval(() => socket.emit('heartbeat', {}), 2000).unref();
  sockets.push(socket);
}

const latencies: number[] = [];
for (let change = 0; change < changes; change++) {
  const durationMs = 5000 + change;
  const arrived = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        const listener = (programme: { items: { durationMs: number }[] }) => {
          if (programme.items[0]?.durationMs !== durationMs) return;

          latencies.push(performance.now() - started);
          socket.off('programme', listener);
          resolve();
        };
        socket.on('programme', listener);
      }),
  );
  const started = performance.now();
  await harness.api('/screens/api/playlists/bench', {
    method: 'PUT',
    body: JSON.stringify({ name: 'Bench', items: [{ content: 'slide', durationMs }] }),
  });
  await Promise.all(arrived);
}

latencies.sort((a, b) => a - b);
const quantile = (q: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
console.log(
  JSON.stringify({
    players,
    changes,
    samples: latencies.length,
    p50Ms: +quantile(0.5).toFixed(1),
    p95Ms: +quantile(0.95).toFixed(1),
    maxMs: +quantile(1).toFixed(1),
    cpus: (await import('node:os')).cpus().length,
    node: process.version,
  }),
);
await harness.stop();
dir.remove();
