import { Counter, Gauge, Histogram, metric, type Registry } from '../../core/index.ts';

export interface SensingMetrics {
  backend(camera: string, backend: string): void;
  counted(camera: string, people: number): void;
  /** A frame the camera took that never reached the detector. */
  dropped(camera: string): void;
  detected(seconds: number): void;
}

/** Frames counted over this window make the frames-per-second figure. */
const fpsWindowMs = 10_000;

/**
 * The sensing figures on the process's /metrics: backend in use, frames, people, model cost,
 * and frames per second over the last ten seconds (`now` is the module's clock).
 */
export function sensingMetrics(registry: Registry, now: () => number = Date.now): SensingMetrics {
  const recent = new Map<string, number[]>();
  const framesPerSecond = (camera: string) => {
    const since = now() - fpsWindowMs;
    const times = (recent.get(camera) ?? []).filter((at) => at > since);
    recent.set(camera, times);
    return times.length / (fpsWindowMs / 1000);
  };
  const backend = metric(
    registry,
    'smartbranch_sensing_backend_info',
    (registers) =>
      new Gauge({
        name: 'smartbranch_sensing_backend_info',
        help: "TensorFlow.js backend running a camera's models (value 1 on the backend in use)",
        labelNames: ['camera', 'backend'],
        registers,
      }),
  ) as Gauge<'camera' | 'backend'>;
  const frames = metric(
    registry,
    'smartbranch_sensing_frames_total',
    (registers) =>
      new Counter({
        name: 'smartbranch_sensing_frames_total',
        help: 'Frames the detector ran on, per camera',
        labelNames: ['camera'],
        registers,
      }),
  ) as Counter<'camera'>;
  const dropped = metric(
    registry,
    'smartbranch_sensing_frames_dropped_total',
    (registers) =>
      new Counter({
        name: 'smartbranch_sensing_frames_dropped_total',
        help: 'Frames lost before the detector (camera dropped them or the detector was busy)',
        labelNames: ['camera'],
        registers,
      }),
  ) as Counter<'camera'>;
  const people = metric(
    registry,
    'smartbranch_sensing_people',
    (registers) =>
      new Gauge({
        name: 'smartbranch_sensing_people',
        help: 'People in view on the latest processed frame',
        labelNames: ['camera'],
        registers,
      }),
  ) as Gauge<'camera'>;
  const detect = metric(
    registry,
    'smartbranch_sensing_detect_seconds',
    (registers) =>
      new Histogram({
        name: 'smartbranch_sensing_detect_seconds',
        help: 'Model time per frame in the detector worker',
        buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 1, 2],
        registers,
      }),
  ) as Histogram;

  metric(
    registry,
    'smartbranch_sensing_fps',
    (registers) =>
      new Gauge({
        name: 'smartbranch_sensing_fps',
        help: 'Frames the detector ran on per second, over the last 10 s, per camera',
        labelNames: ['camera'],
        registers,
        collect() {
          for (const camera of recent.keys()) this.set({ camera }, framesPerSecond(camera));
        },
      }),
  );

  return {
    backend(camera, name) {
      backend.set({ camera, backend: name }, 1);
    },
    counted(camera, count) {
      frames.inc({ camera });
      recent.set(camera, [...(recent.get(camera) ?? []), now()]);
      // Without a scrape the list would grow: a frame outside the window counts no more.
      if ((recent.get(camera)?.length ?? 0) > 1000) framesPerSecond(camera);
      people.set({ camera }, count);
    },
    dropped: (camera) => dropped.inc({ camera }),
    detected: (seconds) => detect.observe(seconds),
  };
}
