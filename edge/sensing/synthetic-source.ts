import type { ModuleContext } from '../../core/index.ts';
import { syntheticCamera } from '../../simulator/camera/index.ts';
import type { CameraState } from './camera-state.ts';
import type { Runner } from './footage-camera.ts';
import type { SensingMetrics } from './metrics.ts';
import type { Analyser } from './pipeline.ts';

/** Synthetic figures are marked as such wherever they go, so nobody mistakes them for footage. */
export const syntheticLineage = { model: 'synthetic', modelVersion: '1', backend: 'none' };

/** A synthetic camera, with the simulator's frame-loss fault reachable on demand. */
export interface SyntheticRunner extends Runner {
  /** Loses this share of frames (0–1) for `forMs` of clock time, or until a share of 0. */
  dropFrames(share: number, forMs?: number): void;
}

/** Frames (taken or lost) over which the camera judges its loss rate. */
const lossWindow = 20;

/** Above this share of lost frames the camera reports itself degraded. */
export const degradedLossShare = 0.2;

/**
 * A camera with no footage: the simulator's seeded people, sampled at the camera's rate and
 * fed to the same tracker, zones and aggregates as a real camera's detections. A lost frame
 * never reaches the analyser, so the tracker sees the same gap it would on a real camera.
 */
export function runSyntheticCamera(
  seed: number,
  fps: number,
  state: CameraState,
  analyser: Analyser,
  context: ModuleContext,
  metrics: SensingMetrics,
): SyntheticRunner {
  const camera = syntheticCamera({ seed, clock: context.clock });
  const startedAt = context.clock.now();
  const lineage = { people: syntheticLineage, faces: syntheticLineage };
  const lost: boolean[] = [];
  state.setState('online');

  const judgeLoss = (dropped: boolean) => {
    lost.push(dropped);
    if (lost.length > lossWindow) lost.shift();
    const count = lost.filter(Boolean).length;
    const share = count / lost.length;
    if (share > degradedLossShare) {
      const percent = Math.round(share * 100);
      state.setState('degraded', `dropping frames: ${percent}% of the last ${lost.length}`);
    } else if (state.stats.state === 'degraded') {
      state.setState('online');
    }
  };

  const timer = context.clock.every(1000 / fps, () => {
    const at = context.clock.now();
    const delivered = camera.delivers(at);
    judgeLoss(!delivered);
    if (!delivered) {
      state.stats.framesDropped += 1;
      metrics.dropped(state.stats.id);
      return;
    }

    const bodies = camera.boxesAt(at).map((box) => ({ box, score: 1 }));
    const outcome = analyser.frame((at - startedAt) / 1000, { bodies, faces: [], ms: 0 });
    state.observe(outcome, lineage, at);
  });

  return {
    dropFrames: (share, forMs) => camera.dropFrames(share, forMs),
    async stop() {
      timer.cancel();
    },
  };
}
