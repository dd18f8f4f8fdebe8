import type { ModuleContext } from '../../core/index.ts';
import type {
  AudienceCount,
  AudienceMinute,
  CameraSourceName,
  Lineage,
} from '../../protocol/index.ts';
import type { CameraConfig } from './config.ts';
import type { SensingMetrics } from './metrics.ts';
import { type MinuteAggregator, minuteAggregator } from './minutes.ts';

export type DeviceStateName = 'online' | 'degraded' | 'offline';

export interface ClipStats {
  frames: number;
  maxPeople: number;
}

export interface CameraStats {
  id: string;
  source: CameraSourceName;
  backend: string;
  framesProcessed: number;
  /** Processed frames per second over the last frames, by the clock. */
  fps: number;
  /** People in view on the latest processed frame. */
  people: number;
  state: DeviceStateName;
  reason: string | null;
  /** Attempts that failed since the camera last delivered a frame. */
  failures: number;
  /** Per clip name, for folder and file sources. */
  clips: Record<string, ClipStats>;
}

export interface CameraOutputs {
  publishCount: (count: AudienceCount) => void;
  recordMinute: (minute: AudienceMinute) => void;
  reportState: (device: string, state: DeviceStateName, reason?: string) => void;
}

/** What one camera knows about itself, and the one place its figures leave from. */
export interface CameraState {
  readonly stats: CameraStats;
  setState(state: DeviceStateName, reason?: string): void;
  counted(people: number, confidence: number, lineage: Lineage, clip?: string): void;
  minutes: MinuteAggregator;
}

const fpsWindow = 20;

export function cameraState(
  config: CameraConfig,
  source: CameraSourceName,
  outputs: CameraOutputs,
  context: ModuleContext,
  metrics: SensingMetrics,
): CameraState {
  const stats: CameraStats = {
    id: config.id,
    source,
    backend: source === 'synthetic' ? 'none' : 'pending',
    framesProcessed: 0,
    fps: 0,
    people: 0,
    state: 'offline',
    reason: 'starting',
    failures: 0,
    clips: {},
  };
  const recent: number[] = [];
  const minutes = minuteAggregator(config.id, source, outputs.recordMinute);
  const log = context.log.child({ camera: config.id });

  const setState = (state: DeviceStateName, reason?: string) => {
    if (stats.state === state && stats.reason === (reason ?? null)) return;

    stats.state = state;
    stats.reason = reason ?? null;
    if (state === 'online') log.info({ state }, 'camera state');
    else log.warn({ state, reason }, 'camera state');
    outputs.reportState(config.id, state, reason);
  };

  const counted = (people: number, confidence: number, lineage: Lineage, clip?: string) => {
    const at = context.clock.now();
    stats.framesProcessed += 1;
    stats.people = people;
    stats.failures = 0;
    recent.push(at);
    if (recent.length > fpsWindow) recent.shift();
    stats.fps = frameRate(recent);
    if (clip) recordClip(stats.clips, clip, people);

    metrics.counted(config.id, people);
    minutes.add(at, people, lineage);
    outputs.publishCount({ camera: config.id, at, people, source, confidence, lineage });
  };

  return { stats, setState, counted, minutes };
}

function frameRate(times: readonly number[]): number {
  const first = times[0];
  const last = times.at(-1);
  if (times.length < 2 || first === undefined || last === undefined || last <= first) return 0;

  return Math.round(((times.length - 1) / ((last - first) / 1000)) * 100) / 100;
}

function recordClip(clips: Record<string, ClipStats>, clip: string, people: number) {
  const entry = clips[clip] ?? { frames: 0, maxPeople: 0 };
  clips[clip] = entry;
  entry.frames += 1;
  entry.maxPeople = Math.max(entry.maxPeople, people);
}
