/**
 * Camera drivers: every input (a video file, an RTSP or HTTP stream, a V4L2 USB camera) is
 * decoded by ffmpeg into raw RGB frames of one size at one rate.
 */
export {
  type ClipInfo,
  type DecodeOptions,
  ffmpegInstalled,
  ffmpegMissingLine,
  inputArguments,
  probeClip,
} from './ffmpeg.ts';
export { type FrameStream, type OpenOptions, openFrames, type RawFrame } from './frames.ts';
