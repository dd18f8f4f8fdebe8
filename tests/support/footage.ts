import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared clips sit beside the checkout; tests read them there and never copy them in. */
export const footageDir = fileURLToPath(new URL('../../../shared/data/video/', import.meta.url));

export const footageAvailable = existsSync(footageDir);

export const ffmpegAvailable = spawnSync('ffmpeg', ['-version']).status === 0;

export const footageSkipReason = !footageAvailable
  ? `footage folder ${footageDir} is absent`
  : !ffmpegAvailable
    ? 'ffmpeg is not installed (apt-get install -y ffmpeg)'
    : null;

export const clip = (name: string) => `${footageDir}${name}`;
