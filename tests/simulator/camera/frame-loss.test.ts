import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry, manualClock, silentLogger } from '../../../core/index.ts';
import {
  CameraConfig,
  liveFaceEffort,
  type Sensing,
  startSensing,
} from '../../../edge/sensing/index.ts';
import { createAnalyser } from '../../../edge/sensing/pipeline.ts';
import { wholeFrameZone } from '../../../edge/sensing/zones.ts';
import type { AudienceCount } from '../../../protocol/index.ts';
import { syntheticCamera } from '../../../simulator/camera/index.ts';

let running: Sensing | null = null;

afterEach(async () => {
  await running?.stop();
  running = null;
});

async function start(cameras: unknown[]) {
  const clock = manualClock();
  const counts: AudienceCount[] = [];
  const states: { device: string; state: string; reason: string | undefined }[] = [];
  const registry = createRegistry({});
  running = await startSensing(
    {
      branch: 'b1',
      cameras: cameras.map((camera) => CameraConfig.parse(camera)),
      publishCount: (count) => counts.push(count),
      recordMinute: () => {},
      reportState: (device, state, reason) => states.push({ device, state, reason }),
    },
    { clock, log: silentLogger(), registry },
  );
  return { clock, counts, states, sensing: running, registry };
}

const stats = (sensing: Sensing) => {
  const camera = sensing.stats().cameras[0];
  if (!camera) throw new Error('no camera stats');
  return camera;
};

describe('the synthetic camera dropping frames on demand', () => {
  it('loses half its frames, is degraded with the rate, and recovers when cleared', async () => {
    const { clock, counts, states, sensing, registry } = await start([
      { id: 'cam1', source: { kind: 'synthetic', seed: 7 }, fps: 2 },
    ]);
    await clock.advance(10_000);
    expect(stats(sensing)).toMatchObject({ framesProcessed: 20, framesDropped: 0 });

    sensing.dropFrames('cam1', 0.5);
    await clock.advance(60_000);

    const during = stats(sensing);
    expect(during.framesProcessed + during.framesDropped - 20).toBe(120);
    expect(during.framesDropped).toBeGreaterThan(45);
    expect(during.framesDropped).toBeLessThan(75);
    expect(during.state).toBe('degraded');
    expect(during.reason).toMatch(/^dropping frames: \d+% of the last 20$/);
    expect(states.filter((state) => state.state === 'degraded').length).toBeGreaterThan(0);
    expect(await registry.metrics()).toContain(
      `smartbranch_sensing_frames_dropped_total{camera="cam1"} ${during.framesDropped}`,
    );
    expect(counts).toHaveLength(during.framesProcessed);

    sensing.dropFrames('cam1', 0);
    await clock.advance(30_000);
    expect(stats(sensing)).toMatchObject({
      state: 'online',
      reason: null,
      framesDropped: during.framesDropped,
      framesProcessed: during.framesProcessed + 60,
    });
    expect(states.at(-1)).toEqual({ device: 'cam1', state: 'online', reason: undefined });
  });

  it('drops every frame of a burst and stops by itself when the burst ends', async () => {
    const { clock, sensing } = await start([
      { id: 'cam1', source: { kind: 'synthetic', seed: 3 }, fps: 2 },
    ]);
    sensing.dropFrames('cam1', 1, 5);
    // Frames at 0.5 s … 4.5 s fall in the burst; the one at 5 s is the first after it.
    await clock.advance(4_500);
    expect(stats(sensing)).toMatchObject({ framesProcessed: 0, framesDropped: 9 });
    expect(stats(sensing).state).toBe('degraded');

    await clock.advance(30_500);
    expect(stats(sensing)).toMatchObject({ framesProcessed: 61, framesDropped: 9 });
    expect(stats(sensing).state).toBe('online');
  });

  it('keeps the people it tracks through the gaps, as it would on a real camera', () => {
    // The same twenty minutes of people, analysed whole and with frames lost: a track the
    // gaps broke would end early and start again, so more tracks would end.
    const tracksEnded = (share: number) => {
      const camera = syntheticCamera({ seed: 11, clock: manualClock() });
      camera.dropFrames(share);
      const analyser = createAnalyser(wholeFrameZone('cam1'), {
        frameSeconds: 0.5,
        history: false,
        demographics: liveFaceEffort,
      });
      const start = Date.UTC(2026, 0, 5, 9);
      let ended = 0;
      let frames = 0;
      for (let at = start; at < start + 1_200_000; at += 500) {
        if (!camera.delivers(at)) continue;

        const bodies = camera.boxesAt(at).map((box) => ({ box, score: 1 }));
        ended += analyser.frame((at - start) / 1000, { bodies, faces: [], ms: 0 }).ended.length;
        frames += 1;
      }
      return { ended, frames };
    };

    const whole = tracksEnded(0);
    const lossy = tracksEnded(0.5);
    expect(whole.frames).toBe(2400);
    expect(lossy.frames).toBeGreaterThan(1080);
    expect(lossy.frames).toBeLessThan(1320);
    expect(whole.ended).toBeGreaterThan(10);
    expect(lossy.ended).toBe(whole.ended);
  });

  it('refuses a bad share or duration and a real camera, and keeps running', async () => {
    const { clock, sensing } = await start([
      { id: 'cam1', source: { kind: 'synthetic', seed: 3 }, fps: 2 },
      { id: 'door', source: { kind: 'file', path: '/nonexistent/clip.gif', loop: true } },
    ]);
    expect(() => sensing.dropFrames('cam1', 1.5)).toThrow(/drop share 1.5 is not 0–1/);
    expect(() => sensing.dropFrames('cam1', 0.5, -2)).toThrow(/drop duration -2000 is not > 0/);
    expect(() => sensing.dropFrames('door', 0.5)).toThrow(/door is not synthetic/);
    expect(() => sensing.dropFrames('nope', 0.5)).toThrow(/no camera nope/);

    await clock.advance(5_000);
    expect(stats(sensing)).toMatchObject({
      framesProcessed: 10,
      framesDropped: 0,
      state: 'online',
    });
  });
});
