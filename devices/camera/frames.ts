import type { ChildProcess } from 'node:child_process';
import { SmartBranchError } from '../../core/index.ts';
import { type DecodeOptions, ffmpegReason, spawnDecoder } from './ffmpeg.ts';

export interface RawFrame {
  width: number;
  height: number;
  /** Packed RGB, 3 bytes a pixel. */
  pixels: Uint8Array;
  /** Time of the frame in the clip or stream, in seconds from its first frame. */
  t: number;
}

/**
 * Decoded frames pulled one at a time. A file is decoded only as fast as frames are taken
 * (stdout is paused while frames wait), so a clip paced by the clock never fills memory.
 */
export interface FrameStream {
  /** The next frame, or null when the input ended cleanly; rejects when ffmpeg fails. */
  next(): Promise<RawFrame | null>;
  /** Kills ffmpeg; safe to call twice. */
  close(): void;
}

/** Frames held before ffmpeg's output is paused. */
const bufferedFrames = 2;

export interface OpenOptions extends DecodeOptions {
  /**
   * A live stream cannot wait for its reader: ffmpeg is never paused and only the newest frame
   * is kept. Default false (a file, decoded as it is read).
   */
  live?: boolean;
}

export function openFrames(options: OpenOptions): FrameStream {
  const decoder = spawnDecoder(options);
  const frameBytes = options.width * options.height * 3;
  const ready: RawFrame[] = [];
  const waiters: { resolve: (f: RawFrame | null) => void; reject: (e: Error) => void }[] = [];
  let partial: Buffer[] = [];
  let partialBytes = 0;
  let index = 0;
  let ended: Error | null | undefined;
  let stderr = '';

  const flush = () => {
    while (waiters.length && ready.length) waiters.shift()?.resolve(ready.shift() as RawFrame);
    if (ended === undefined || ready.length) return;

    for (const waiter of waiters.splice(0)) {
      if (ended) waiter.reject(ended);
      else waiter.resolve(null);
    }
  };

  const onChunk = (chunk: Buffer) => {
    partial.push(chunk);
    partialBytes += chunk.length;
    while (partialBytes >= frameBytes) {
      const joined = Buffer.concat(partial);
      const pixels = new Uint8Array(joined.subarray(0, frameBytes));
      ready.push({ width: options.width, height: options.height, pixels, t: index / options.fps });
      index += 1;
      partial = [joined.subarray(frameBytes)];
      partialBytes = joined.length - frameBytes;
    }

    if (options.live) ready.splice(0, ready.length - 1);
    else if (ready.length >= bufferedFrames) decoder.stdout?.pause();
    flush();
  };

  decoder.stdout?.on('data', onChunk);
  decoder.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  watchExit(
    decoder,
    options.input,
    () => stderr,
    (error) => {
      ended = error;
      flush();
    },
  );

  return {
    next() {
      if (ready.length === 0 && ended === undefined) decoder.stdout?.resume();

      return new Promise((resolve, reject) => {
        waiters.push({ resolve, reject });
        flush();
      });
    },
    close() {
      if (decoder.exitCode === null && decoder.signalCode === null) decoder.kill('SIGKILL');
      ended ??= null;
      flush();
    },
  };
}

function watchExit(
  decoder: ChildProcess,
  input: string,
  stderr: () => string,
  done: (error: Error | null) => void,
) {
  decoder.once('error', (err: NodeJS.ErrnoException) => {
    const reason = err.code === 'ENOENT' ? 'ffmpeg not found' : err.message;
    done(new SmartBranchError('SB_ERR_SOURCE_FAILED', `${input}: ${reason}`));
  });
  decoder.once('close', (code, signal) => {
    if (code === 0 || signal === 'SIGKILL') return done(null);

    const reason = ffmpegReason(stderr()) || `ffmpeg exited with ${code ?? signal}`;
    done(new SmartBranchError('SB_ERR_SOURCE_FAILED', `${input} does not decode: ${reason}`));
  });
}
