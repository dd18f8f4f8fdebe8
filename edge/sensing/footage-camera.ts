import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ModuleContext, Timer } from '../../core/index.ts';
import {
  type FrameStream,
  ffmpegInstalled,
  ffmpegMissingLine,
  openFrames,
  type RawFrame,
} from '../../devices/camera/index.ts';
import type { CameraState } from './camera-state.ts';
import { type CameraConfig, clipExtensions } from './config.ts';
import { type Detector, faceLineage } from './detector.ts';
import type { SensingMetrics } from './metrics.ts';
import type { Analyser } from './pipeline.ts';
import { tiledDetector } from './tiling.ts';

const firstRetryMs = 1000;
const maxRetryMs = 60_000;

export interface FootageDeps {
  config: CameraConfig;
  state: CameraState;
  detector: () => Promise<Detector>;
  metrics: SensingMetrics;
  context: ModuleContext;
  /** The camera's tracker, zones and lines, fed at the camera's rate. */
  analyser: Analyser;
}

export interface Runner {
  stop(): Promise<void>;
}

/** Why one attempt at a clip or stream failed, and whether the frames it gave were any. */
class SourceFailure extends Error {}

/**
 * A camera fed by ffmpeg: clips of a folder or one file paced like a live camera on the clock,
 * or a live stream. Any failure is reported as a device state and retried with backoff; none
 * leaves this function.
 */
export function runFootageCamera(deps: FootageDeps): Runner {
  const { config, state, context } = deps;
  let stopped = false;
  let stream: FrameStream | null = null;
  let wake: { timer: Timer; resolve: () => void } | null = null;
  const startedAt = context.clock.now();
  const detect = tiledDetector(config.tiling);

  const sleepUntil = (at: number) =>
    new Promise<void>((resolve) => {
      if (at <= context.clock.now()) return resolve();

      const timer = context.clock.after(Math.max(0, at - context.clock.now()), () => resolve());
      wake = { timer, resolve };
    });

  const playOne = async (input: string, clip: string | undefined, live: boolean) => {
    const detector = await deps.detector();
    deps.metrics.backend(config.id, detector.backend);
    state.stats.backend = detector.backend;
    const { fps, width, height } = config;
    stream = openFrames({ input, fps, width, height, live });
    const clipStartedAt = context.clock.now();
    let frames = 0;
    for (;;) {
      const frame = await stream.next();
      if (!frame || stopped) break;

      const due = clipStartedAt + frame.t * 1000;
      // Behind by more than a frame: drop it, as a live camera would, rather than lag.
      if (!live && context.clock.now() - due > 1000 / fps) {
        state.stats.framesDropped += 1;
        deps.metrics.dropped(config.id);
        continue;
      }

      if (!live) await sleepUntil(due);
      if (stopped) break;

      await analyse(detector, frame, clip);
      frames += 1;
    }
    stream.close();
    return frames;
  };

  const analyse = async (detector: Detector, frame: RawFrame, clip: string | undefined) => {
    const arrivedAt = context.clock.now();
    const { analyser } = deps;
    const detections = await detect(detector, frame, analyser.nextFaceWork(), config.id);
    deps.metrics.detected(detections.ms / 1000);
    const outcome = analyser.frame((arrivedAt - startedAt) / 1000, detections);
    const people = {
      model: detector.model.name,
      modelVersion: detector.model.version,
      backend: detector.backend,
    };
    state.observe(outcome, { people, faces: faceLineage(detector) }, arrivedAt, clip);
    if (state.stats.state !== 'online' && !clipTrouble) state.setState('online');

    // After the figures are out: a description only sharpens the verdicts of later frames.
    const wanted = analyser.facesToDescribe();
    if (wanted.length) analyser.described(await detector.describeLast(config.id, wanted));
  };

  let clipTrouble = false;

  const pass = async () => {
    const source = config.source;
    if (source.kind === 'url') {
      if ((await playOne(source.url, undefined, true)) === 0) {
        throw new SourceFailure(`${source.url}: stream gave no frames`);
      }
      return true;
    }

    if (source.kind === 'synthetic') return false;

    const clips = listClips(source.kind === 'folder' ? source.path : null, source);
    let delivered = 0;
    clipTrouble = false;
    for (const clip of clips) {
      if (stopped) break;

      delivered += await playClip(clip, clips.length > 1);
    }
    if (delivered === 0 && !stopped) throw new SourceFailure('no clip gave a frame');

    return true;
  };

  // A playlist's next clip is another scene: whoever was in view of the last one is gone.
  let sceneShown = false;

  const playClip = async (clip: string, others: boolean) => {
    if (sceneShown) deps.analyser.cut();
    try {
      const frames = await playOne(clip, basename(clip), false);
      sceneShown ||= frames > 0;
      return frames;
    } catch (err) {
      if (!others) throw err;

      clipTrouble = true;
      state.setState('degraded', reasonOf(err));
      return 0;
    }
  };

  const loop = async () => {
    if (!ffmpegInstalled()) {
      context.log.warn({ camera: config.id }, ffmpegMissingLine);
      state.setState('offline', ffmpegMissingLine);
      return;
    }

    while (!stopped) {
      const ok = await pass().catch((err: Error) => {
        state.setState('offline', reasonOf(err));
        return false;
      });
      if (stopped) break;

      if (config.source.kind === 'file' && !config.source.loop && ok) {
        state.setState('offline', 'clip ended');
        break;
      }

      if (ok) continue;

      state.stats.failures += 1;
      const delay = Math.min(maxRetryMs, firstRetryMs * 2 ** (state.stats.failures - 1));
      await sleepUntil(context.clock.now() + delay);
    }
  };

  const running = loop();

  return {
    async stop() {
      stopped = true;
      stream?.close();
      const sleeping = wake as { timer: Timer; resolve: () => void } | null;
      sleeping?.timer.cancel();
      sleeping?.resolve();
      await running;
    },
  };
}

/** The clips to play this pass: a folder's clips in name order, or the one file. */
function listClips(folder: string | null, source: { path: string }): string[] {
  if (folder === null) {
    if (!existsSync(source.path)) throw new SourceFailure(`${source.path}: file not found`);

    return [source.path];
  }

  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new SourceFailure(`${folder}: folder not found`);
  }

  const clips = readdirSync(folder)
    .filter((name) => clipExtensions.test(name))
    .sort()
    .map((name) => join(folder, name));
  if (clips.length === 0) throw new SourceFailure(`${folder}: no video clips in the folder`);

  return clips;
}

/** The detail of a failure, without the catalogue's generic prefix. */
function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^camera source failed: /, '').slice(0, 300);
}
