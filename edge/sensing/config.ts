import { z } from 'zod';
import { Id } from '../../protocol/index.ts';

const FolderSource = z.strictObject({
  kind: z.literal('folder'),
  /** Every clip in it (.gif, .mp4, .mkv, .avi, .mov, .webm), looped in name order. */
  path: z.string().min(1),
});

const FileSource = z.strictObject({
  kind: z.literal('file'),
  path: z.string().min(1),
  /** Start the clip again when it ends. Default true. */
  loop: z.boolean().default(true),
});

const UrlSource = z.strictObject({
  kind: z.literal('url'),
  /** rtsp:// or http(s):// stream, or a V4L2 device path such as /dev/video0. */
  url: z
    .string()
    .regex(
      /^(rtsps?:\/\/|https?:\/\/|\/dev\/video\d+$)/,
      'an rtsp:// or http:// URL, or /dev/videoN',
    ),
});

const SyntheticSource = z.strictObject({
  kind: z.literal('synthetic'),
  /** Same seed, same people over the same clock time. */
  seed: z.number().int(),
});

export const CameraSourceConfig = z.discriminatedUnion('kind', [
  FolderSource,
  FileSource,
  UrlSource,
  SyntheticSource,
]);

/** One camera of the gateway's config. */
export const CameraConfig = z.strictObject({
  id: Id,
  source: CameraSourceConfig,
  /** Frames analysed per second. Default 2. */
  fps: z.number().positive().max(30).default(2),
  /** Frame width fed to the model, in pixels. Default 480. */
  width: z.number().int().min(64).max(1920).default(480),
  /** Frame height fed to the model, in pixels. Default 270. */
  height: z.number().int().min(64).max(1080).default(270),
  /**
   * The camera's zone and counting-line file (JSON, coordinates 0..1). Default: none, and the
   * whole frame is one service-point zone named after the camera.
   */
  zones: z.string().min(1).optional(),
  /** Tiling for small people: one region of the frame, upscaled and searched again. */
  tiling: z
    .strictObject({
      /** x, y, width, height of the region, normalized to 0..1. */
      region: z.tuple([
        z.number().min(0).max(1),
        z.number().min(0).max(1),
        z.number().gt(0).max(1),
        z.number().gt(0).max(1),
      ]),
      /** Every how many processed frames the region is searched. Default 2. */
      everyFrames: z.number().int().min(1).max(30).default(2),
    })
    .optional(),
});

export type CameraConfig = z.output<typeof CameraConfig>;
export type CameraSourceConfig = z.output<typeof CameraSourceConfig>;

export const clipExtensions = /\.(gif|mp4|m4v|mkv|avi|mov|webm|mpg|mpeg|ts)$/i;
