import type { ModuleContext } from '../../core/index.ts';
import { syntheticCamera } from '../../simulator/camera/index.ts';
import type { CameraState } from './camera-state.ts';
import type { Runner } from './footage-camera.ts';

/** Synthetic figures are marked as such wherever they go, so nobody mistakes them for footage. */
export const syntheticLineage = { model: 'synthetic', modelVersion: '1', backend: 'none' };

/** A camera with no footage: the simulator's seeded people count, sampled at the camera's rate. */
export function runSyntheticCamera(
  seed: number,
  fps: number,
  state: CameraState,
  context: ModuleContext,
): Runner {
  const camera = syntheticCamera({ seed, clock: context.clock });
  state.setState('online');
  const timer = context.clock.every(1000 / fps, () => {
    state.counted(camera.people(), 1, syntheticLineage);
  });

  return {
    async stop() {
      timer.cancel();
    },
  };
}
