import { isDeepStrictEqual } from 'node:util';
import type { Cloud } from '../cloud/index.ts';
import type { CameraStats, Gateway } from '../edge/runtime.ts';
import { Stream, type StreamName } from '../protocol/index.ts';
import type { Prospects, Simulator } from '../simulator/index.ts';
import type { CameraChoice } from './demo-config.ts';

export interface Check {
  part: string;
  ok: boolean;
  detail: string;
}

interface Parts {
  cloud: Cloud;
  gateway: Gateway;
  simulator: Simulator | null;
  prospects: Prospects | null;
  camera: CameraChoice;
}

/** Waits until the cloud has confirmed every record the gateway wrote, or the time is up. */
export async function waitForDrain(cloud: Cloud, gateway: Gateway, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const stats = await cloud.stats();
    const drained = Stream.options.every((stream) => {
      const cursor = cursorOf(stats.streams, gateway.stats().gateway, stream);
      return cursor >= gateway.outbox.position(stream).lastSeq;
    });
    if (drained) return true;

    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

type StreamFigures = Awaited<ReturnType<Cloud['stats']>>['streams'];

function cursorOf(figures: StreamFigures, gateway: string, stream: StreamName) {
  return figures.find((entry) => entry.gateway === gateway && entry.stream === stream)?.cursor ?? 0;
}

/** What every part did in the run, and whether each did its work. */
export async function buildSummary(
  parts: Parts,
  startedAt: number,
  versions: Record<string, string>,
) {
  const gateway = parts.gateway.stats();
  const queue = gateway.queue ?? { issued: 0, served: 0, waiting: 0 };
  const camera = gateway.cameras[0];
  const simulator = parts.simulator?.stats() ?? null;
  const records = await compareRecords(parts);
  const checks = [
    ...cameraChecks(parts.camera, camera),
    {
      part: 'queue',
      ok: queue.issued > 0 && queue.served > 0,
      detail: `tickets issued ${queue.issued}, served ${queue.served}`,
    },
    ...records.checks,
  ];

  return {
    ok: checks.every((check) => check.ok),
    seconds: Math.round((Date.now() - startedAt) / 1000),
    camera: camera && {
      source: camera.source,
      backend: camera.backend,
      framesProcessed: camera.framesProcessed,
      fps: Number(camera.fps.toFixed(2)),
      clips: camera.clips,
    },
    peoplePerClip: Object.fromEntries(
      Object.entries(camera?.clips ?? {}).map(([clip, figures]) => [clip, figures.maxPeople]),
    ),
    tickets: { issued: queue.issued, served: queue.served, waiting: queue.waiting },
    simulator,
    prospects: parts.prospects?.totals() ?? null,
    bus: gateway.bus,
    records: records.figures,
    versions,
    checks,
  };
}

function cameraChecks(choice: CameraChoice, camera: CameraStats | undefined): Check[] {
  if (!camera) return [{ part: 'sensing', ok: false, detail: 'no camera ran' }];

  const frames = {
    part: 'sensing',
    ok: camera.framesProcessed > 0,
    detail: `${camera.framesProcessed} frames from ${camera.source} at ${camera.fps.toFixed(2)} fps`,
  };
  if (choice.kind === 'synthetic' || choice.kind === 'url') return [frames];

  const clips = Object.entries(camera.clips);
  const empty = clips.filter(([, figures]) => figures.frames > 0 && figures.maxPeople === 0);
  return [
    frames,
    {
      part: 'people',
      ok: clips.length > 0 && empty.length === 0,
      detail: empty.length
        ? `no person seen in ${empty.map(([clip]) => clip).join(', ')}`
        : `people seen in ${clips.map(([clip, f]) => `${clip} (${f.maxPeople})`).join(', ')}`,
    },
  ];
}

/** The cloud must hold exactly the gateway's records up to its cursor: same seqs, same data. */
async function compareRecords(parts: Parts) {
  const stats = await parts.cloud.stats();
  const gatewayId = parts.gateway.stats().gateway;
  const checks: Check[] = [];
  const figures: Record<string, { stored: number; pulled: number; cursor: number }> = {};

  for (const stream of Stream.options) {
    const cursor = cursorOf(stats.streams, gatewayId, stream);
    const local = parts.gateway.outbox.after(stream, 0, Math.max(cursor, 1));
    const pulled = await parts.cloud.records(gatewayId, stream);
    const stored = parts.gateway.outbox.position(stream).lastSeq;
    const same = pulled.length === cursor && isDeepStrictEqual(pulled, local.slice(0, cursor));

    figures[stream] = { stored, pulled: pulled.length, cursor };
    checks.push({
      part: `uplink ${stream}`,
      ok: same && cursor === stored,
      detail: `gateway stored ${stored}, cloud pulled ${pulled.length} up to cursor ${cursor}`,
    });
  }

  const total = Object.values(figures).reduce((sum, entry) => sum + entry.stored, 0);
  checks.push({ part: 'uplink', ok: total > 0, detail: `${total} records stored in all` });
  return { checks, figures };
}
