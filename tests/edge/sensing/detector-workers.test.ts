import { availableParallelism } from 'node:os';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, createRegistry, manualClock } from '../../../core/index.ts';
import {
  CameraConfig,
  detectorWorkerCount,
  type Sensing,
  startSensing,
} from '../../../edge/sensing/index.ts';
import type { AudienceCount } from '../../../protocol/index.ts';
import { clip, footageSkipReason } from '../../support/footage.ts';

const synthetic = (id: string) =>
  CameraConfig.parse({ id, source: { kind: 'synthetic', seed: 1 } });

describe('how many detector workers the cameras share', () => {
  it('gives each camera its own worker up to the number of cores', () => {
    const cameras = [synthetic('a'), synthetic('b')];

    expect(detectorWorkerCount({ cameras: [synthetic('a')] })).toBe(1);
    expect(detectorWorkerCount({ cameras })).toBe(Math.min(2, availableParallelism()));
  });

  it('takes a configured count but never more workers than cameras, and at least one', () => {
    const cameras = [synthetic('a'), synthetic('b'), synthetic('c')];

    expect(detectorWorkerCount({ cameras, detectorWorkers: 1 })).toBe(1);
    expect(detectorWorkerCount({ cameras: cameras.slice(0, 2), detectorWorkers: 4 })).toBe(2);
    expect(detectorWorkerCount({ cameras: [] })).toBe(1);
  });
});

let running: Sensing | null = null;

afterEach(async () => {
  await running?.stop();
  running = null;
});

describe.skipIf(footageSkipReason)(`two footage cameras ${footageSkipReason ?? ''}`, () => {
  it('run on two detector workers and both count their clip', async () => {
    const lines: { msg: string; slot?: number; workers?: number }[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const counts: AudienceCount[] = [];
    const context = {
      clock: manualClock(),
      log: createLogger({ level: 'info', destination: sink }),
      registry: createRegistry({}),
    };
    const cameras = ['classroom.gif', 'head-pose-face-detection-female.gif'].map((name, index) =>
      CameraConfig.parse({ id: `cam${index + 1}`, source: { kind: 'file', path: clip(name) } }),
    );
    running = await startSensing(
      {
        branch: 'b1',
        cameras,
        detectorWorkers: 2,
        publishCount: (count) => counts.push(count),
        recordMinute: () => {},
        reportState: () => {},
      },
      context,
    );

    await vi.waitFor(
      () => {
        const cameraIds = new Set(counts.map((count) => count.camera));
        expect([...cameraIds].sort()).toEqual(['cam1', 'cam2']);
      },
      { timeout: 60_000 },
    );

    const ready = lines.filter((line) => line.msg === 'detector ready');
    expect(ready.map((line) => line.slot).sort()).toEqual([0, 1]);
    expect(ready.every((line) => line.workers === 2)).toBe(true);
    expect(counts.find((count) => count.camera === 'cam1')?.people).toBe(4);
    expect(counts.find((count) => count.camera === 'cam2')?.people).toBe(1);
  });
});
