import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { SmartBranchError } from '../../core/index.ts';

export const ffmpegMissingLine = 'ffmpeg not found: apt-get install -y ffmpeg';

let installed: boolean | undefined;

/** Whether the ffmpeg binary runs on this machine; checked once per process. */
export function ffmpegInstalled(): boolean {
  installed ??= spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
  return installed;
}

/** What ffmpeg is asked to read: a file, a network stream, or a V4L2 device. */
export function inputArguments(input: string): string[] {
  if (input.startsWith('rtsp://')) return ['-rtsp_transport', 'tcp', '-i', input];
  if (/^\/dev\/video\d+$/.test(input)) return ['-f', 'v4l2', '-i', input];
  return ['-i', input];
}

export interface DecodeOptions {
  input: string;
  width: number;
  height: number;
  /** Output rate in frames per second; frames are resampled by their timestamps. */
  fps: number;
}

/** ffmpeg turning any input into raw RGB frames of one size at one rate on its stdout. */
export function spawnDecoder(options: DecodeOptions): ChildProcess {
  const filter = `fps=${options.fps},scale=${options.width}:${options.height}`;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...inputArguments(options.input),
    '-an',
    '-vf',
    filter,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ];
  return spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ClipInfo {
  /** The clip's own frame rate. */
  fps: number;
  /** Its length in seconds, or null for a live stream. */
  seconds: number | null;
}

/** Reads a clip's frame rate and length with ffprobe, which ships with ffmpeg. */
export function probeClip(input: string): ClipInfo {
  const args = [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=avg_frame_rate,r_frame_rate:format=duration',
    '-of',
    'json',
    ...probeInput(input),
  ];
  const probe = spawnSync('ffprobe', args, { encoding: 'utf8', timeout: 15_000 });
  if (probe.status !== 0) {
    const reason = lastLine(probe.stderr ?? '') || 'ffprobe failed';
    throw new SmartBranchError('SB_ERR_SOURCE_FAILED', `${input}: ${reason}`);
  }

  const info = JSON.parse(probe.stdout) as ProbeOutput;
  const stream = info.streams?.[0];
  if (!stream) throw new SmartBranchError('SB_ERR_SOURCE_FAILED', `${input}: no video stream`);

  const fps = rate(stream.avg_frame_rate) ?? rate(stream.r_frame_rate) ?? 25;
  const seconds = Number(info.format?.duration);
  return { fps, seconds: Number.isFinite(seconds) ? seconds : null };
}

interface ProbeOutput {
  streams?: { avg_frame_rate?: string; r_frame_rate?: string }[];
  format?: { duration?: string };
}

function probeInput(input: string): string[] {
  return inputArguments(input).filter(
    (arg) =>
      arg !== '-i' && arg !== '-rtsp_transport' && arg !== 'tcp' && arg !== '-f' && arg !== 'v4l2',
  );
}

function rate(text: string | undefined): number | null {
  const [numerator, denominator] = (text ?? '').split('/').map(Number);
  if (!numerator || !denominator) return null;

  const value = numerator / denominator;
  return value > 0 && value < 500 ? value : null;
}

export function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

/** ffmpeg's complaint in one line: its distinct error lines without the `[gif @ 0x...]` tags. */
export function ffmpegReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.replace(/^(\[[^\]]+\]\s*)+/, '').trim())
    .filter((line) => line.length > 0);
  return [...new Set(lines)].join('; ').slice(0, 240);
}
