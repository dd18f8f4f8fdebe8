/**
 * The gateway's audience sense: cameras (footage, streams, USB or synthetic) → people model in
 * a worker thread → people counts on the bus and minute aggregates for the store.
 * Frames live only in memory; nothing per person leaves this module.
 */
import { availableParallelism } from 'node:os';
import {
  isSmartBranchError,
  loadConfigFile,
  type ModuleContext,
  SmartBranchError,
} from '../../core/index.ts';
import type { CameraSourceName } from '../../protocol/index.ts';
import {
  type CameraOutputs,
  type CameraState,
  type CameraStats,
  cameraState,
} from './camera-state.ts';
import type { CameraConfig } from './config.ts';
import { type Detector, startDetector } from './detector.ts';
import { type Runner, runFootageCamera } from './footage-camera.ts';
import { type SensingMetrics, sensingMetrics } from './metrics.ts';
import { type Analyser, createAnalyser } from './pipeline.ts';
import { runSyntheticCamera } from './synthetic-source.ts';
import { wholeFrameZone, ZoneFile } from './zones.ts';

export type { ModuleContext } from '../../core/index.ts';
export type { CameraStats, ClipStats, DeviceStateName } from './camera-state.ts';
export { CameraConfig, CameraSourceConfig } from './config.ts';
export {
  type BackendChoice,
  type BodyDetection,
  type Detections,
  type Detector,
  type FaceDetection,
  faceLineage,
  type ModelInfo,
  type PeopleModelName,
  peopleModel,
  peopleModels,
  startDetector,
} from './detector.ts';
export { bodyScoreThreshold, peopleInFrame } from './people.ts';
export { syntheticLineage } from './synthetic-source.ts';

export interface SensingOptions extends CameraOutputs {
  branch: string;
  cameras: CameraConfig[];
  /** Which TensorFlow.js backend to run. Default `auto` (tfjs-node, else WASM, else CPU). */
  backend?: import('./detector.ts').BackendChoice;
  /**
   * Detector worker threads; cameras share them in turn. Default: one per camera, at most one
   * per core, since the WASM backend runs each model on a single thread.
   */
  detectorWorkers?: number;
}

export interface SensingStats {
  cameras: CameraStats[];
}

export interface Sensing {
  stats(): SensingStats;
  /**
   * Uses a camera's new zones and counting lines from its next frame on, without restarting
   * it: tracks go on, visits in a zone that is gone end where they were last seen, and the
   * minute records cover each zone for the frames it was watched. A camera that was offline
   * for a bad zone file starts. Throws SB_ERR_NOT_FOUND for an unknown camera and
   * SB_ERR_INVALID_REQUEST, naming the field, for zones that fail their schema.
   */
  applyZones(camera: string, zones: unknown): ZoneFile;
  /**
   * Simulated fault on a synthetic camera: it loses this share of its frames (0–1) for
   * `seconds` of clock time, or until called again with a share of 0. Throws SB_ERR_NOT_FOUND
   * for an unknown camera and SB_ERR_INVALID_REQUEST for a camera with real footage or a share
   * or duration out of range.
   */
  dropFrames(camera: string, share: number, seconds?: number): void;
  /** Closes every camera's open minute now, for a run that ends. */
  flush(): void;
  /** Closes every open minute, kills ffmpeg and the worker; leaves no process behind. */
  stop(): Promise<void>;
}

/** How often a minute with no new frames is checked for closing, in milliseconds. */
const minuteCheckMs = 5000;

export async function startSensing(
  options: SensingOptions,
  context: ModuleContext,
): Promise<Sensing> {
  const log = context.log.child({ module: 'sensing' });
  const moduleContext = { ...context, log };
  const metrics = sensingMetrics(context.registry, context.clock.now);
  const detector = detectorPool(options, log);
  const start = (config: CameraConfig, index: number, zones?: ZoneFile) =>
    startCamera(config, options, moduleContext, metrics, () => detector.get(index), zones);
  const cameras = options.cameras.map((config, index) => start(config, index));
  const minuteTimer = context.clock.every(minuteCheckMs, () => {
    for (const camera of cameras) camera.state.closeIfPast(context.clock.now());
  });

  return {
    stats: () => ({ cameras: cameras.map((camera) => ({ ...camera.state.stats })) }),
    applyZones(id, raw) {
      const index = cameras.findIndex((camera) => camera.config.id === id);
      const camera = cameras[index];
      if (!camera) throw new SmartBranchError('SB_ERR_NOT_FOUND', `no camera ${id}`);

      const zones = parseZones(raw);
      if (camera.analyser) {
        camera.state.setZones(zones, camera.analyser.setZones(zones));
      } else {
        // Nothing ran, so nothing is lost: the camera starts with the zones it lacked.
        cameras[index] = start(camera.config, index, zones);
      }
      log.info(
        { camera: id, zones: zones.zones.length, lines: zones.lines.length },
        'camera zones applied',
      );
      return zones;
    },
    dropFrames(id, share, seconds) {
      const camera = cameras.find((running) => running.config.id === id);
      if (!camera) throw new SmartBranchError('SB_ERR_NOT_FOUND', `no camera ${id}`);
      if (!camera.dropFrames) {
        throw new SmartBranchError(
          'SB_ERR_INVALID_REQUEST',
          `camera ${id} is not synthetic: only the simulator's camera drops frames on demand`,
        );
      }

      camera.dropFrames(share, seconds === undefined ? undefined : seconds * 1000);
      log.info({ camera: id, share, seconds }, 'simulated frame loss switched');
    },
    flush: () => {
      for (const camera of cameras) camera.state.flush();
    },
    async stop() {
      minuteTimer.cancel();
      await Promise.all(cameras.map((camera) => camera.runner.stop()));
      for (const camera of cameras) camera.state.flush();
      await detector.close();
    },
  };
}

/**
 * A camera's zone file, or the whole frame as one zone named after the camera. A file that
 * cannot be read or fails its schema is the camera's fault alone: it is reported, not thrown.
 */
function cameraZones(config: CameraConfig): { zones: ZoneFile; problem: string | null } {
  if (!config.zones) return { zones: wholeFrameZone(config.id), problem: null };

  try {
    return { zones: loadConfigFile(config.zones, ZoneFile), problem: null };
  } catch (err) {
    const message = isSmartBranchError(err) || err instanceof Error ? err.message : String(err);
    const problem = `zone file ${message.replace(/\n\s*/g, '; ')}`.slice(0, 300);
    return { zones: wholeFrameZone(config.id), problem };
  }
}

function parseZones(raw: unknown): ZoneFile {
  const result = ZoneFile.safeParse(raw);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.map(String).join('.') : '(root)';
  throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `${path}: ${issue?.message}`, path);
}

interface RunningCamera {
  config: CameraConfig;
  state: CameraState;
  /** Absent while the camera is offline for a zone file it could not use. */
  analyser: Analyser | null;
  runner: Runner;
  /** The frame-loss fault, on a synthetic camera only. */
  dropFrames?: (share: number, forMs?: number) => void;
}

function startCamera(
  config: CameraConfig,
  outputs: CameraOutputs,
  context: ModuleContext,
  metrics: SensingMetrics,
  detector: () => Promise<Detector>,
  given?: ZoneFile,
): RunningCamera {
  const source: CameraSourceName =
    config.source.kind === 'synthetic'
      ? 'synthetic'
      : config.source.kind === 'url'
        ? 'camera'
        : 'footage';
  const { zones, problem } = given ? { zones: given, problem: null } : cameraZones(config);
  const state = cameraState(config, source, zones, outputs, context, metrics);
  if (problem) {
    state.setState('offline', problem);
    return { config, state, analyser: null, runner: { stop: async () => {} } };
  }

  const analyser: Analyser = createAnalyser(zones, {
    frameSeconds: 1 / config.fps,
    history: false,
    demographics: liveFaceEffort,
    facePassesPerSecond: liveFacePassesPerSecond,
  });
  if (config.source.kind === 'synthetic') {
    metrics.backend(config.id, 'none');
    const seed = config.source.seed;
    const runner = runSyntheticCamera(seed, config.fps, state, analyser, context, metrics);
    return { config, state, analyser, runner, dropFrames: runner.dropFrames };
  }

  const runner = runFootageCamera({ config, state, detector, metrics, context, analyser });
  return { config, state, analyser, runner };
}

/**
 * Face work a live camera spends on one person: a few descriptions, after its first views only
 * of faces clearly better than those kept (the best views of a walker coming closer), and, for
 * someone who never turns to the camera, face detection on at most 20 frames while nobody
 * stands in a screen's viewing zone.
 */
export const liveFaceEffort = { maxDescriptions: 6, maxLooks: 20, betterBy: 0.2 };

/**
 * Face passes a live camera runs per second for attention alone, however fast it samples
 * people; a track still short of its views is looked at on every frame. Attention is carried per
 * person between passes. At one a second the face work of people who stay costs under 15 % of
 * the people model's own time (bench/RESULTS.md).
 */
export const liveFacePassesPerSecond = 1;

/** How many detector workers the cameras share: the configured count, else one per camera. */
export function detectorWorkerCount(options: Pick<SensingOptions, 'cameras' | 'detectorWorkers'>) {
  const wanted =
    options.detectorWorkers ?? Math.min(options.cameras.length, availableParallelism());
  return Math.max(1, Math.min(wanted, options.cameras.length || 1));
}

/** Detector workers started on first use, camera n on worker n mod count; a failed start retries. */
function detectorPool(options: SensingOptions, log: ModuleContext['log']) {
  const starting: (Promise<Detector> | null)[] = Array(detectorWorkerCount(options)).fill(null);
  let closed = false;

  const get = (camera: number) => {
    if (closed) return Promise.reject(new Error('sensing stopped'));

    const slot = camera % starting.length;
    const started = starting[slot] ?? startWorker(slot);
    starting[slot] = started;
    return started;
  };

  const startWorker = (slot: number) =>
    startDetector({ backend: options.backend ?? 'auto' }).then(
      (detector) => {
        const workers = starting.length;
        log.info(
          { backend: detector.backend, model: detector.model.name, slot, workers },
          'detector ready',
        );
        return detector;
      },
      (err: Error) => {
        starting[slot] = null;
        throw err;
      },
    );

  const close = async () => {
    closed = true;
    const detectors = await Promise.all(starting.map((slot) => slot?.catch(() => null)));
    await Promise.all(detectors.map((detector) => detector?.close()));
  };

  return { get, close };
}

export {
  type Aggregator,
  type AudienceRecord,
  aggregator,
  dwellMinutes,
  dwellSeconds,
  type FrameLineage,
} from './aggregates.ts';
export { type AnalyseOptions, analyseVideo, type VideoReport } from './analyse.ts';
export { anonymousAges, anonymousGenders, defaultK } from './anonymity.ts';
export { type Crossing, lineCounter, type Visit, visitKeeper } from './events.ts';
export { ageBand, ageBands, genderThreshold, minimumFaceWidth } from './faces.ts';
export {
  type Analyser,
  type AnalyserOptions,
  type AnalysisSummary,
  createAnalyser,
  type EndedTrack,
  type FrameOutcome,
} from './pipeline.ts';
export { cut, tiledDetector } from './tiling.ts';
export { createTracker, type Track, type Tracker } from './tracker.ts';
export { CountingLine, wholeFrame, wholeFrameZone, Zone, ZoneFile } from './zones.ts';
