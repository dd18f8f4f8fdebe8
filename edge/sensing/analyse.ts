import { existsSync } from 'node:fs';
import { SmartBranchError } from '../../core/index.ts';
import { openFrames, probeClip } from '../../devices/camera/index.ts';
import type { BackendChoice, Detector, ModelInfo } from './detector.ts';
import { startDetector } from './detector.ts';
import type { Visit } from './events.ts';
import type { Demographics } from './faces.ts';
import { createAnalyser, type FrameOutcome } from './pipeline.ts';
import { wholeFrame, type ZoneFile } from './zones.ts';

export interface AnalyseOptions {
  /** Frames analysed per second. Default: the clip's own rate, at most 15 (5 for streams). */
  fps?: number;
  zones?: ZoneFile;
  backend?: BackendChoice;
  /** A detector already running, reused across clips (tests, benchmarks). */
  detector?: Detector;
  /** Called after each processed frame with the count so far and the expected total. */
  progress?: (done: number, total: number | null) => void;
  /** Stop after this many seconds of a stream. Default: the end of the input. */
  maxSeconds?: number;
}

/** What `smartbranch sense --json` prints: a diagnostic for the person at the keyboard. */
export interface VideoReport {
  frames: number;
  seconds: number;
  fps: number;
  backend: string;
  maxPeople: number;
  occupancy: number[];
  tracks: number;
  visits: { zone: string; start: number; end: number; dwell: number }[];
  faces: { track: number; gender: string; ageBand: string; confidence: number }[];
  attentionSeconds: number;
  timeline: { t: number; people: number; looking: number }[];
  model: ModelInfo;
}

let nextRun = 0;

const isStream = (input: string) =>
  /^(rtsps?|https?):\/\//.test(input) || input.startsWith('/dev/');

/** Runs the whole pipeline on one video or stream, frame by frame, as fast as the model goes. */
export async function analyseVideo(
  input: string,
  options: AnalyseOptions = {},
): Promise<VideoReport> {
  if (!isStream(input) && !existsSync(input)) {
    throw new SmartBranchError('SB_ERR_SOURCE_FAILED', `${input}: file not found`);
  }

  const info = isStream(input) ? { fps: 5, seconds: options.maxSeconds ?? null } : probeClip(input);
  const fps = options.fps ?? Math.min(15, Math.round(info.fps * 1000) / 1000);
  const total = info.seconds === null ? null : Math.max(1, Math.round(info.seconds * fps));
  const detector =
    options.detector ?? (await startDetector({ backend: options.backend ?? 'auto' }));
  try {
    return await run(input, fps, total, detector, options);
  } finally {
    if (!options.detector) await detector.close();
  }
}

async function run(
  input: string,
  fps: number,
  total: number | null,
  detector: Detector,
  options: AnalyseOptions,
): Promise<VideoReport> {
  const analyser = createAnalyser(options.zones ?? wholeFrame);
  const stream = openFrames({ input, width: 480, height: 270, fps, live: isStream(input) });
  const outcomes: FrameOutcome[] = [];
  // Runs sharing one detector interleave their frames; each describes only its own.
  nextRun += 1;
  const runKey = `video-${nextRun}`;
  try {
    for (let frame = await stream.next(); frame; frame = await stream.next()) {
      const t = isStream(input) ? outcomes.length / fps : frame.t;
      if (options.maxSeconds !== undefined && t >= options.maxSeconds) break;

      outcomes.push(analyser.frame(t, await detector.detect(frame, 'detect', runKey)));
      const wanted = analyser.facesToDescribe();
      if (wanted.length) analyser.described(await detector.describeLast(runKey, wanted));
      options.progress?.(outcomes.length, total);
    }
  } finally {
    stream.close();
    detector.forget(runKey);
  }

  if (outcomes.length === 0)
    throw new SmartBranchError('SB_ERR_SOURCE_FAILED', `${input}: no frames`);

  const summary = analyser.finish();
  return report(outcomes, fps, detector, summary.tracks, summary.visits, summary.faces);
}

function report(
  outcomes: FrameOutcome[],
  fps: number,
  detector: Detector,
  tracks: number,
  visits: Visit[],
  faces: Demographics[],
): VideoReport {
  const round = (value: number) => Math.round(value * 1000) / 1000;
  const looking = outcomes.reduce((sum, outcome) => sum + outcome.looking, 0);
  return {
    frames: outcomes.length,
    seconds: round(outcomes.length / fps),
    fps: round(fps),
    backend: detector.backend,
    maxPeople: Math.max(...outcomes.map((outcome) => outcome.people)),
    occupancy: perSecond(outcomes),
    tracks,
    visits: visits.map(({ zone, start, end, dwell }) => ({
      zone,
      start: round(start),
      end: round(end),
      dwell,
    })),
    faces: faces.map(({ track, gender, ageBand, confidence }) => ({
      track,
      gender,
      ageBand,
      confidence,
    })),
    attentionSeconds: round(looking / fps),
    timeline: outcomes.map(({ t, people, looking: seen }) => ({
      t: round(t),
      people,
      looking: seen,
    })),
    model: detector.model,
  };
}

/** People per second of video: the median of that second's frames, so one blip cannot move it. */
function perSecond(outcomes: readonly FrameOutcome[]): number[] {
  const seconds: number[][] = [];
  for (const outcome of outcomes) {
    const second = Math.floor(outcome.t + 1e-6);
    seconds[second] ??= [];
    seconds[second].push(outcome.people);
  }
  return [...seconds].map((counts) => median(counts ?? []));
}

function median(values: number[]): number {
  if (values.length === 0) return 0;

  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return Math.round(value);
}
