import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRegistry, manualClock, silentLogger } from '../../../core/index.ts';
import { CameraConfig, type Sensing, startSensing } from '../../../edge/sensing/index.ts';
import type { AudienceCount, AudienceMinute } from '../../../protocol/index.ts';
import { footageDir, footageSkipReason } from '../../support/footage.ts';

interface Seen {
  counts: AudienceCount[];
  minutes: AudienceMinute[];
  states: { device: string; state: string; reason: string | undefined }[];
}

let running: Sensing | null = null;

afterEach(async () => {
  await running?.stop();
  running = null;
});

async function start(cameras: unknown[], clock = manualClock()) {
  const seen: Seen = { counts: [], minutes: [], states: [] };
  const context = { clock, log: silentLogger(), registry: createRegistry({}) };
  running = await startSensing(
    {
      branch: 'b1',
      cameras: cameras.map((camera) => CameraConfig.parse(camera)),
      publishCount: (count) => seen.counts.push(count),
      recordMinute: (minute) => seen.minutes.push(minute),
      reportState: (device, state, reason) => seen.states.push({ device, state, reason }),
    },
    context,
  );
  return { seen, clock, sensing: running, registry: context.registry };
}

describe('sensing with the synthetic camera', () => {
  it('publishes synthetic counts at the camera rate and closes one minute per clock minute', async () => {
    const { seen, clock, sensing } = await start([
      { id: 'cam+1', source: { kind: 'synthetic', seed: 5 } },
    ]);
    await clock.advance(90_000);

    expect(seen.counts).toHaveLength(180);
    expect(seen.counts.every((count) => count.source === 'synthetic')).toBe(true);
    expect(seen.counts[0]?.lineage.model).toBe('synthetic');
    expect(seen.states).toEqual([{ device: 'cam+1', state: 'online', reason: undefined }]);
    expect(seen.minutes).toHaveLength(1);
    // Ticks at 09:00:00.5 … 09:00:59.5 fall in the first minute; 09:01:00 opens the second.
    expect(seen.minutes[0]?.frames).toBe(119);

    await sensing.stop();
    running = null;
    expect(seen.minutes).toHaveLength(2);
    expect(seen.minutes[1]?.frames).toBe(61);
    const peopleOfMinute = seen.counts.slice(119).map((count) => count.people);
    expect(seen.minutes[1]?.peopleMax).toBe(Math.max(...peopleOfMinute));
  });

  it('reports its stats and the backend on /metrics', async () => {
    const { clock, sensing, registry } = await start([
      { id: 'cam1', source: { kind: 'synthetic', seed: 1 }, fps: 4 },
    ]);
    await clock.advance(10_000);

    const [camera] = sensing.stats().cameras;
    expect(camera).toMatchObject({
      id: 'cam1',
      source: 'synthetic',
      backend: 'none',
      framesProcessed: 40,
      fps: 4,
    });
    expect(await registry.metrics()).toContain(
      'smartbranch_sensing_backend_info{camera="cam1",backend="none"} 1',
    );
    expect(await registry.metrics()).toContain('smartbranch_sensing_fps{camera="cam1"} 4');
  });
});

describe('a failing camera source', () => {
  it('retries a missing file with growing backoff and reports it offline once', async () => {
    const { seen, clock, sensing } = await start([
      { id: 'door-cam', source: { kind: 'file', path: '/nonexistent/clip.gif', loop: true } },
    ]);
    const failures = () => sensing.stats().cameras[0]?.failures;
    await vi.waitFor(() => expect(failures()).toBe(1), { timeout: 15_000 });

    await clock.advance(1000);
    await vi.waitFor(() => expect(failures()).toBe(2), { timeout: 15_000 });
    await clock.advance(1000);
    expect(failures()).toBe(2);
    await clock.advance(1000);
    await vi.waitFor(() => expect(failures()).toBe(3), { timeout: 15_000 });

    expect(seen.states).toEqual([
      { device: 'door-cam', state: 'offline', reason: '/nonexistent/clip.gif: file not found' },
    ]);
  });

  it.skipIf(footageSkipReason)(
    'reports a clip that does not decode and keeps the other cameras going',
    async () => {
      const folder = mkdtempSync(join(tmpdir(), 'sb-sensing-'));
      const broken = join(folder, 'broken.gif');
      writeFileSync(broken, 'GIF89a not a picture at all');
      const { seen, clock } = await start([
        { id: 'cam-bad', source: { kind: 'file', path: broken, loop: true } },
        { id: 'cam-sim', source: { kind: 'synthetic', seed: 2 } },
      ]);
      await vi.waitFor(() => expect(seen.states.some((s) => s.device === 'cam-bad')).toBe(true), {
        timeout: 30_000,
      });

      const bad = seen.states.filter((s) => s.device === 'cam-bad');
      expect(bad).toHaveLength(1);
      expect(bad[0]?.state).toBe('offline');
      expect(bad[0]?.reason).toMatch(/^\/.*broken\.gif does not decode: .*invalid/);

      await clock.advance(5000);
      expect(seen.counts.filter((count) => count.camera === 'cam-sim')).toHaveLength(10);
    },
  );
});

describe.skipIf(footageSkipReason)(`a footage camera ${footageSkipReason ?? ''}`, () => {
  it('counts the people of the footage folder and leaves no ffmpeg behind when stopped', async () => {
    const { seen, clock, sensing } = await start([
      { id: 'cam1', source: { kind: 'folder', path: footageDir }, fps: 2 },
    ]);
    for (let step = 0; step < 6; step++) {
      await vi.waitFor(() => expect(seen.counts).toHaveLength(step + 1), { timeout: 30_000 });
      await clock.advance(500);
    }

    const [camera] = sensing.stats().cameras;
    expect(camera).toMatchObject({ source: 'footage', backend: 'wasm', state: 'online' });
    expect(camera?.clips['classroom.gif']).toEqual({ frames: 6, maxPeople: 4 });
    expect(seen.counts[0]?.lineage).toMatchObject({ model: 'movenet-multipose', backend: 'wasm' });

    await sensing.stop();
    running = null;
    const children = spawnSync('pgrep', ['-P', String(process.pid), 'ffmpeg'], {
      encoding: 'utf8',
    });
    expect(children.stdout).toBe('');
    expect(seen.minutes[0]).toMatchObject({ camera: 'cam1', peopleMax: 4, source: 'footage' });
  });
});
