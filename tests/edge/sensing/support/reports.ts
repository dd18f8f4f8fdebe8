import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analyseVideo,
  type Detector,
  startDetector,
  type VideoReport,
} from '../../../../edge/sensing/index.ts';
import { clip } from '../../../support/footage.ts';

const reports = new Map<string, Promise<VideoReport>>();
let detector: Promise<Detector> | null = null;
let copies: string | null = null;

/** The sense report of a clip, run once per clip and test file with one shared detector. */
export function reportOf(name: string): Promise<VideoReport> {
  return cached(name, () => clip(name));
}

/**
 * The report of a copy made in a temporary folder under a random name, so nothing can key on
 * the file: `flipped` mirrors it left to right, `re-encoded` turns it into H.264 at `fps`.
 */
export function reportOfCopy(name: string, kind: 'flipped' | 're-encoded', fps = 10) {
  return cached(`${name}:${kind}:${fps}`, () => {
    copies ??= mkdtempSync(join(tmpdir(), 'sb-footage-'));
    const target = join(
      copies,
      `${Math.random().toString(36).slice(2)}.${kind === 'flipped' ? 'gif' : 'mp4'}`,
    );
    const filter =
      kind === 'flipped' ? ['-vf', 'hflip'] : ['-r', String(fps), '-pix_fmt', 'yuv420p'];
    const run = spawnSync('ffmpeg', ['-v', 'error', '-i', clip(name), ...filter, target]);
    if (run.status !== 0) throw new Error(`ffmpeg could not make the copy: ${run.stderr}`);
    return target;
  });
}

function cached(key: string, input: () => string): Promise<VideoReport> {
  let report = reports.get(key);
  if (!report) {
    detector ??= startDetector();
    report = detector.then((shared) => analyseVideo(input(), { detector: shared }));
    reports.set(key, report);
  }
  return report;
}

export async function closeReports() {
  const shared = await detector;
  detector = null;
  await shared?.close();
  if (copies) rmSync(copies, { recursive: true, force: true });
  copies = null;
}
