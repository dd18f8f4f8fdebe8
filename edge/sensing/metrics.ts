import { Counter, Gauge, Histogram, metric, type Registry } from '../../core/index.ts';

export interface SensingMetrics {
  backend(camera: string, backend: string): void;
  counted(camera: string, people: number): void;
  detected(seconds: number): void;
}

/** The sensing figures on the process's /metrics: backend in use, frames, people, model cost. */
export function sensingMetrics(registry: Registry): SensingMetrics {
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

  return {
    backend(camera, name) {
      backend.set({ camera, backend: name }, 1);
    },
    counted(camera, count) {
      frames.inc({ camera });
      people.set({ camera }, count);
    },
    detected: (seconds) => detect.observe(seconds),
  };
}
