import type { BodyDetection, Box, Detections, Detector, FaceWork, Frame } from './detector.ts';

export interface TilingConfig {
  region: [number, number, number, number];
  everyFrames: number;
}

/**
 * Small people (the far edge of a fisheye, the pavement through a window) are below what the
 * people model finds at full-frame input. One configured region is cut out, scaled up to the
 * model's input size and searched again, every few frames only, because it costs a second
 * model run. Between searches the region's last people are carried, as a slower sensor would.
 */
export function tiledDetector(tiling: TilingConfig | undefined) {
  let frames = 0;
  let carried: BodyDetection[] = [];

  return async (
    detector: Detector,
    frame: Frame,
    faces: FaceWork,
    stream = 'default',
  ): Promise<Detections> => {
    const tile = tiling && frames % tiling.everyFrames === 0 ? cut(frame, tiling.region) : null;
    frames += 1;
    const detections = await detector.detect(frame, faces, stream);
    if (!tiling) return detections;

    if (tile) {
      // Its own stream, so the camera's frame stays the one its faces are described on.
      const found = await detector.detect(tile, 'none', `${stream}:tile`);
      carried = found.bodies.map((body) => ({ ...body, box: intoFrame(body.box, tiling.region) }));
      detections.ms += found.ms;
    }
    return { ...detections, bodies: [...detections.bodies, ...carried] };
  };
}

function intoFrame(box: Box, region: TilingConfig['region']): Box {
  const [x, y, width, height] = region;
  return [x + box[0] * width, y + box[1] * height, box[2] * width, box[3] * height];
}

/** The region scaled to the frame's own size, bilinear, packed RGB. */
export function cut(frame: Frame, region: TilingConfig['region']): Frame {
  const { width, height, pixels } = frame;
  const out = new Uint8Array(width * height * 3);
  const left = region[0] * (width - 1);
  const top = region[1] * (height - 1);
  const scaleX = (region[2] * (width - 1)) / Math.max(1, width - 1);
  const scaleY = (region[3] * (height - 1)) / Math.max(1, height - 1);
  for (let row = 0; row < height; row++) {
    const sy = Math.min(height - 1, top + row * scaleY);
    const y0 = Math.floor(sy);
    const y1 = Math.min(height - 1, y0 + 1);
    const fy = sy - y0;
    for (let column = 0; column < width; column++) {
      const sx = Math.min(width - 1, left + column * scaleX);
      const x0 = Math.floor(sx);
      const x1 = Math.min(width - 1, x0 + 1);
      const fx = sx - x0;
      for (let channel = 0; channel < 3; channel++) {
        const at = (x: number, y: number) => pixels[(y * width + x) * 3 + channel] as number;
        const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
        const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
        out[(row * width + column) * 3 + channel] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return { width, height, pixels: out };
}
