import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputArguments, openFrames, probeClip } from '../../../devices/camera/index.ts';
import { clip, footageSkipReason } from '../../support/footage.ts';

describe('ffmpeg input arguments', () => {
  it('reads RTSP over TCP, a V4L2 device by its path and anything else as a file or URL', () => {
    expect(inputArguments('rtsp://127.0.0.1/cam')).toEqual([
      '-rtsp_transport',
      'tcp',
      '-i',
      'rtsp://127.0.0.1/cam',
    ]);
    expect(inputArguments('/dev/video0')).toEqual(['-f', 'v4l2', '-i', '/dev/video0']);
    expect(inputArguments('/tmp/a.gif')).toEqual(['-i', '/tmp/a.gif']);
  });
});

describe.skipIf(footageSkipReason)(`ffmpeg frames ${footageSkipReason ?? ''}`, () => {
  it('decodes a clip into RGB frames of the asked size at the asked rate', async () => {
    const stream = openFrames({
      input: clip('people-detection.gif'),
      width: 160,
      height: 90,
      fps: 4,
    });
    const times: number[] = [];
    for (let frame = await stream.next(); frame; frame = await stream.next()) {
      expect(frame.pixels.length).toBe(160 * 90 * 3);
      times.push(frame.t);
    }
    // 23 frames at 12 fps last 1.92 s: 8 frames at 4 fps.
    expect(times).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75]);
  });

  it("reads a clip's own rate and length", () => {
    const info = probeClip(clip('classroom.gif'));
    expect(info.fps).toBeCloseTo(15, 0);
    expect(info.seconds).toBeCloseTo(3, 0);
  });

  it('rejects with a source error naming the file when a clip does not decode', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sb-frames-'));
    const broken = join(folder, 'broken.gif');
    writeFileSync(broken, 'GIF89a this is not a picture');
    const stream = openFrames({ input: broken, width: 160, height: 90, fps: 2 });
    await expect(stream.next()).rejects.toMatchObject({ code: 'SB_ERR_SOURCE_FAILED' });
    await expect(stream.next()).rejects.toThrow(/broken\.gif/);
  });
});
