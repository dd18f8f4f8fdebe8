import { openFrames } from '../../../../devices/camera/index.ts';
import { type Detections, type Detector, startDetector } from '../../../../edge/sensing/index.ts';
import { clip } from '../../../support/footage.ts';

export interface FrameDetections extends Detections {
  t: number;
}

const runs = new Map<string, Promise<FrameDetections[]>>();
let detector: Promise<Detector> | null = null;

/** The people model's output on every frame of a clip, run once per clip and test file. */
export function clipDetections(name: string, fps: number): Promise<FrameDetections[]> {
  const key = `${name}@${fps}`;
  let run = runs.get(key);
  if (!run) {
    run = detectAll(name, fps);
    runs.set(key, run);
  }
  return run;
}

async function detectAll(name: string, fps: number): Promise<FrameDetections[]> {
  detector ??= startDetector({ faces: false });
  const model = await detector;
  const stream = openFrames({ input: clip(name), width: 480, height: 270, fps });
  const frames: FrameDetections[] = [];
  for (let frame = await stream.next(); frame; frame = await stream.next()) {
    frames.push({ t: frame.t, ...(await model.detect(frame)) });
  }
  return frames;
}

export async function closeDetector() {
  const model = await detector;
  detector = null;
  await model?.close();
}
