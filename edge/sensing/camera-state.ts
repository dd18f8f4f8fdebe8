import type { ModuleContext } from '../../core/index.ts';
import type {
  AudienceCount,
  AudienceMinute,
  CameraSourceName,
  ZoneAudience,
} from '../../protocol/index.ts';
import {
  type Aggregator,
  type AudienceRecord,
  aggregator,
  type FrameLineage,
} from './aggregates.ts';
import type { CameraConfig } from './config.ts';
import type { ZoneEvents } from './events.ts';
import { zonePublisher } from './live.ts';
import type { SensingMetrics } from './metrics.ts';
import { type MinuteAggregator, minuteAggregator } from './minutes.ts';
import type { FrameOutcome } from './pipeline.ts';
import type { ZoneFile } from './zones.ts';

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
  /** Decoded frames skipped because the detector was still busy with an earlier one. */
  framesDropped: number;
  /** Processed frames per second over the last frames, by the clock. */
  fps: number;
  /** People in view on the latest processed frame. */
  people: number;
  /** From a frame leaving ffmpeg to its figures handed to the bus, over the last 200 frames. */
  latencyMs: { p50: number; p95: number };
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
  /**
   * Every other aggregate for the uplink (zone and line minutes, hourly demographics and
   * flows), ready for the outbox. Default: dropped, and only `recordMinute` is fed.
   */
  record?: (record: AudienceRecord) => void;
  /** Live zone figures for screens and queue (the `zoneAudience` channel). Default: none. */
  publishZone?: (zone: ZoneAudience) => void;
  /** How often a zone's unchanged figures are published, in milliseconds. Default 1000. */
  liveZoneIntervalMs?: number;
}

/** What one camera knows about itself, and the one place its figures leave from. */
export interface CameraState {
  readonly stats: CameraStats;
  setState(state: DeviceStateName, reason?: string): void;
  /** One processed frame; `arrivedAt` is when it left the decoder, by the clock. */
  observe(outcome: FrameOutcome, lineage: FrameLineage, arrivedAt: number, clip?: string): void;
  closeIfPast(now: number): void;
  flush(): void;
  /** Zones drawn anew: aggregates and live figures follow them from now on. */
  setZones(zones: ZoneFile, ended: ZoneEvents): void;
}

const fpsWindow = 20;
const latencyWindow = 200;

export function cameraState(
  config: CameraConfig,
  source: CameraSourceName,
  zones: ZoneFile,
  outputs: CameraOutputs,
  context: ModuleContext,
  metrics: SensingMetrics,
): CameraState {
  const stats = initialStats(config.id, source);
  const recent: number[] = [];
  const latencies: number[] = [];
  const minutes: MinuteAggregator = minuteAggregator(config.id, source, outputs.recordMinute);
  const aggregates: Aggregator = aggregator({
    camera: config.id,
    source,
    zones,
    frameSeconds: 1 / config.fps,
    record: outputs.record ?? (() => {}),
  });
  const publishZones = zonePublisher(
    zones,
    outputs.liveZoneIntervalMs ?? 1000,
    outputs.publishZone ?? (() => {}),
  );
  const log = context.log.child({ camera: config.id });
  let lastAt: number | null = null;

  const setState = (state: DeviceStateName, reason?: string) => {
    if (stats.state === state && stats.reason === (reason ?? null)) return;

    stats.state = state;
    stats.reason = reason ?? null;
    if (state === 'online') log.info({ state }, 'camera state');
    else log.warn({ state, reason }, 'camera state');
    outputs.reportState(config.id, state, reason);
  };

  const observe = (
    outcome: FrameOutcome,
    lineage: FrameLineage,
    arrivedAt: number,
    clip?: string,
  ) => {
    const at = context.clock.now();
    const seconds =
      lastAt === null ? 1 / config.fps : Math.min((at - lastAt) / 1000, 3 / config.fps);
    lastAt = at;
    countFrame(stats, recent, at, outcome.people, clip);
    metrics.counted(config.id, outcome.people);
    minutes.add(at, outcome.people, lineage.people);
    aggregates.add(at, outcome, lineage);
    outputs.publishCount({
      camera: config.id,
      at,
      people: outcome.people,
      source,
      confidence: Math.min(1, outcome.confidence),
      lineage: lineage.people,
    });
    publishZones(at, outcome, seconds);
    noteLatency(stats, latencies, context.clock.now() - arrivedAt);
  };

  return {
    stats,
    setState,
    observe,
    closeIfPast(now) {
      minutes.closeIfPast(now);
      aggregates.closeIfPast(now);
    },
    flush() {
      minutes.flush();
      aggregates.flush(context.clock.now());
    },
    setZones(next, ended) {
      aggregates.setZones(next, ended, context.clock.now());
      publishZones.setZones(next);
    },
  };
}

function initialStats(id: string, source: CameraSourceName): CameraStats {
  return {
    id,
    source,
    backend: source === 'synthetic' ? 'none' : 'pending',
    framesProcessed: 0,
    framesDropped: 0,
    fps: 0,
    people: 0,
    latencyMs: { p50: 0, p95: 0 },
    state: 'offline',
    reason: 'starting',
    failures: 0,
    clips: {},
  };
}

function countFrame(
  stats: CameraStats,
  recent: number[],
  at: number,
  people: number,
  clip: string | undefined,
) {
  stats.framesProcessed += 1;
  stats.people = people;
  stats.failures = 0;
  recent.push(at);
  if (recent.length > fpsWindow) recent.shift();
  stats.fps = frameRate(recent);
  if (clip) recordClip(stats.clips, clip, people);
}

function noteLatency(stats: CameraStats, latencies: number[], ms: number) {
  latencies.push(ms);
  if (latencies.length > latencyWindow) latencies.shift();
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (share: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
  stats.latencyMs = { p50: at(0.5) ?? 0, p95: at(0.95) ?? 0 };
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
