import type { ModuleContext } from '../../core/index.ts';
import { syntheticCamera } from '../../simulator/camera/index.ts';
import type { CameraState } from './camera-state.ts';
import type { Runner } from './footage-camera.ts';
import type { Analyser } from './pipeline.ts';

/** Synthetic figures are marked as such wherever they go, so nobody mistakes them for footage. */
export const syntheticLineage = { model: 'synthetic', modelVersion: '1', backend: 'none' };

/**
 * A camera with no footage: the simulator's seeded people, sampled at the camera's rate and
 * fed to the same tracker, zones and aggregates as a real camera's detections.
 */
export function runSyntheticCamera(
  seed: number,
  fps: number,
  state: CameraState,
  analyser: Analyser,
  context: ModuleContext,
): Runner {
  const camera = syntheticCamera({ seed, clock: context.clock });
  const startedAt = context.clock.now();
  const lineage = { people: syntheticLineage, faces: syntheticLineage };
  state.setState('online');
  const timer = context.clock.every(1000 / fps, () => {
    const at = context.clock.now();
    const bodies = camera.boxesAt(at).map((box) => ({ box, score: 1 }));
    const outcome = analyser.frame((at - startedAt) / 1000, { bodies, faces: [], ms: 0 });
    state.observe(outcome, lineage, at);
  });

  return {
    async stop() {
      timer.cancel();
    },
  };
}
