import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { SmartBranchError } from '../../core/index.ts';
import { posterPng } from './poster.ts';

/** The one line a caller sees when the cloud host has no ffmpeg to encode share videos. */
export const ffmpegMissingLine = 'ffmpeg not found: apt-get install -y ffmpeg';

export interface ShareVideoOptions {
  /** Length in seconds; a phone-shared clip is short. */
  seconds?: number;
  /** Portrait frame for phone sharing. */
  width?: number;
  height?: number;
  /** The ffmpeg binary; a host may keep it off the PATH. */
  ffmpeg?: string;
}

export interface ShareVideo {
  stream: Readable;
  bytes: number;
}

const installed = new Map<string, boolean>();

/** Whether ffmpeg runs on this host; checked once per process. */
export function ffmpegInstalled(ffmpeg = 'ffmpeg'): boolean {
  if (!installed.has(ffmpeg)) {
    installed.set(ffmpeg, spawnSync(ffmpeg, ['-version'], { stdio: 'ignore' }).status === 0);
  }
  return installed.get(ffmpeg) === true;
}

/**
 * A share video: the campaign poster with the manager's tracking QR, held still on a portrait
 * H.264 frame. ffmpeg writes an MP4 to a temporary folder (its index goes at the front, so a
 * phone plays it while it downloads); the folder is removed once the stream is read or fails.
 */
export async function shareVideo(url: string, options: ShareVideoOptions = {}) {
  const { seconds = 8, width = 720, height = 1280, ffmpeg = 'ffmpeg' } = options;
  if (!ffmpegInstalled(ffmpeg)) throw new SmartBranchError('SB_ERR_UNAVAILABLE', ffmpegMissingLine);

  const folder = await mkdtemp(join(tmpdir(), 'sb-share-video-'));
  const cleanup = () => rm(folder, { recursive: true, force: true });
  try {
    const poster = join(folder, 'poster.png');
    const video = join(folder, 'share.mp4');
    await writeFile(poster, await posterPng(url));
    await encode(poster, video, { seconds, width, height, ffmpeg });

    const bytes = (await stat(video)).size;
    const stream = createReadStream(video);
    stream.once('close', () => void cleanup());
    return { stream, bytes } satisfies ShareVideo;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function encode(poster: string, video: string, size: Required<ShareVideoOptions>) {
  // The poster is scaled to fit and padded white, never cropped: the QR stays whole and sharp.
  const filter =
    `scale=${size.width}:${size.height}:force_original_aspect_ratio=decrease:flags=neighbor,` +
    `pad=${size.width}:${size.height}:(ow-iw)/2:(oh-ih)/2:color=white,format=yuv420p`;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-loop',
    '1',
    '-framerate',
    '25',
    '-i',
    poster,
    '-t',
    String(size.seconds),
    '-vf',
    filter,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'stillimage',
    '-movflags',
    '+faststart',
    '-an',
    '-y',
    video,
  ];
  return new Promise<void>((resolve, reject) => {
    const ffmpeg = spawn(size.ffmpeg, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    ffmpeg.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    ffmpeg.once('error', (error) =>
      reject(new SmartBranchError('SB_ERR_UNAVAILABLE', `ffmpeg: ${error.message}`)),
    );
    ffmpeg.once('close', (code) => {
      if (code === 0) return resolve();
      const reason = stderr.trim().split('\n').at(-1) ?? `exit ${code}`;
      reject(new SmartBranchError('SB_ERR_INTERNAL', `ffmpeg could not make the video: ${reason}`));
    });
  });
}
