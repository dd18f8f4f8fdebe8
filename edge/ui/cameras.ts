import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { issueMessage, type ModuleContext, SmartBranchError } from '../../core/index.ts';
import { ffmpegInstalled, ffmpegMissingLine, inputArguments } from '../../devices/camera/index.ts';
import type { Bus } from '../bus/index.ts';
import { type CameraConfig, ZoneFile } from '../sensing/index.ts';
import { issuePath } from './api.ts';

export interface CameraDeskOptions {
  cameras: readonly CameraConfig[];
  bus: Bus;
  dataDir: string;
  /** Hands saved zones to sensing at once, where sensing offers it; else they wait for a restart. */
  applyZones?: (camera: string, zones: ZoneFile) => void;
}

export interface LiveCounts {
  people: number | null;
  at: number | null;
  zones: Record<string, number>;
}

const stillTimeoutMs = 15_000;
const clipExtensions = /\.(gif|mp4|m4v|mkv|avi|mov|webm|mpg|mpeg|ts)$/i;
const maxStillBytes = 8 * 1024 * 1024;

/**
 * Cameras for set-up: one still frame on demand (kept in memory, sent to the asking browser
 * only), the zone file drawn on it, and the live counts beside it.
 */
export async function cameraDesk(options: CameraDeskOptions, context: ModuleContext) {
  const log = context.log.child({ module: 'ui' });
  const live = new Map<string, LiveCounts>();
  const entry = (camera: string) => {
    const found = live.get(camera) ?? { people: null, at: null, zones: {} };
    live.set(camera, found);
    return found;
  };
  const zoneCamera = new Map<string, string>();
  for (const camera of options.cameras) {
    // A bad zone file is the camera's fault alone: sensing reports it offline, naming the
    // file and the field; the page still starts, and a good drawing replaces the file.
    try {
      for (const zone of readZones(options, camera.id).zones) zoneCamera.set(zone.name, camera.id);
    } catch (err) {
      log.warn({ camera: camera.id, err: (err as Error).message }, 'camera zone file unusable');
    }
  }

  const offs = [
    await options.bus.subscribe('audienceCount', {}, (count) => {
      Object.assign(entry(count.camera), { people: count.people, at: count.at });
    }),
    await options.bus.subscribe('zoneAudience', {}, (zone) => {
      const camera = zoneCamera.get(zone.zone);
      if (camera) entry(camera).zones[zone.zone] = zone.people;
    }),
  ];

  // The live counts beside the picture show the zones just saved, and no longer the old ones.
  const followZones = (id: string, zones: ZoneFile) => {
    const names = new Set(zones.zones.map((zone) => zone.name));
    for (const [zone, owner] of zoneCamera) {
      if (owner === id && !names.has(zone)) zoneCamera.delete(zone);
    }
    for (const zone of names) zoneCamera.set(zone, id);
    const counts = entry(id).zones;
    for (const zone of Object.keys(counts)) if (!names.has(zone)) delete counts[zone];
  };

  const camera = (id: string) => {
    const found = options.cameras.find((entry) => entry.id === id);
    if (!found) throw new SmartBranchError('SB_ERR_NOT_FOUND', `no camera ${id}`);
    return found;
  };

  return {
    list: () =>
      options.cameras.map((config) => ({
        id: config.id,
        source: config.source.kind,
        width: config.width,
        height: config.height,
      })),
    still: async (id: string, username: string) => {
      const config = camera(id);
      log.info({ camera: id, username }, 'camera still sent to a technician');
      return grabStill(config, context.clock);
    },
    zones: (id: string) => readZones(options, camera(id).id),
    saveZones: (id: string, raw: unknown) => {
      const config = camera(id);
      const zones = parseZones(raw);
      writeAtomically(zoneFileOf(options, config), `${JSON.stringify(zones, null, 2)}\n`);
      followZones(config.id, zones);
      options.applyZones?.(config.id, zones);
      log.info(
        {
          camera: id,
          zones: zones.zones.length,
          lines: zones.lines.length,
          applied: Boolean(options.applyZones),
        },
        'camera zones saved',
      );
      return { zones, applied: Boolean(options.applyZones) };
    },
    live: (id: string): LiveCounts => entry(camera(id).id),
    stop: async () => {
      await Promise.all(offs.map((off) => off()));
    },
  };
}

export type CameraDesk = Awaited<ReturnType<typeof cameraDesk>>;

/**
 * Writes a file whole or not at all: a sibling temporary file, flushed, renamed over the old
 * one, then the folder flushed, so a power cut leaves the old zones or the new, never half.
 */
function writeAtomically(file: string, content: string) {
  const folder = dirname(file);
  mkdirSync(folder, { recursive: true });
  const temporary = join(folder, `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, content, { flush: true });
    renameSync(temporary, file);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }

  try {
    const handle = openSync(folder, 'r');
    fsyncSync(handle);
    closeSync(handle);
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic there.
  }
}

function parseZones(raw: unknown): ZoneFile {
  const result = ZoneFile.safeParse(raw);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  const path = issuePath(issue, '(root)');
  throw new SmartBranchError(
    'SB_ERR_INVALID_REQUEST',
    `${path}: ${issue ? issueMessage(issue) : 'invalid'}`,
    path,
  );
}

/**
 * The cameras as sensing should start them: one without a zone file of its own uses the one
 * drawn in the technician UI, once there is one.
 */
export function camerasWithZones(cameras: readonly CameraConfig[], dataDir: string) {
  return cameras.map((config) => {
    const drawn = zoneFileOf({ dataDir }, config);
    return config.zones || !existsSync(drawn) ? config : { ...config, zones: drawn };
  });
}

/** The camera's own zone file where its config names one, else one in the data folder. */
function zoneFileOf(options: { dataDir: string }, config: CameraConfig): string {
  return config.zones ?? join(options.dataDir, 'zones', `${encodeURIComponent(config.id)}.json`);
}

function readZones(options: CameraDeskOptions, id: string): ZoneFile {
  const config = options.cameras.find((entry) => entry.id === id) as CameraConfig;
  const file = zoneFileOf(options, config);
  if (!existsSync(file)) return { zones: [], lines: [] };

  try {
    return parseZones(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const path = err instanceof SmartBranchError ? err.path : '(root)';
    throw new SmartBranchError('SB_ERR_INVALID_CONFIG', `${file}: ${reason}`, path);
  }
}

/** What ffmpeg reads for a still: the stream, the file, or a folder's first clip. */
function stillInput(config: CameraConfig): string {
  const source = config.source;
  if (source.kind === 'url') return source.url;
  if (source.kind === 'file') return source.path;
  if (source.kind === 'synthetic') {
    throw new SmartBranchError('SB_ERR_NOT_FOUND', 'a synthetic camera has no picture');
  }

  const first = existsSync(source.path)
    ? readdirSync(source.path)
        .filter((name) => clipExtensions.test(name))
        .sort()[0]
    : undefined;
  if (!first) throw new SmartBranchError('SB_ERR_SOURCE_FAILED', `${source.path}: no clip`);
  return join(source.path, first);
}

/** One JPEG frame, decoded by ffmpeg into memory at the size sensing analyses. */
function grabStill(config: CameraConfig, clock: ModuleContext['clock']): Promise<Buffer> {
  const input = stillInput(config);
  if (!ffmpegInstalled()) throw new SmartBranchError('SB_ERR_UNAVAILABLE', ffmpegMissingLine);

  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    ...inputArguments(input),
    '-frames:v',
    '1',
    '-vf',
    `scale=${config.width}:${config.height}`,
    '-f',
    'image2',
    '-c:v',
    'mjpeg',
    '-',
  ];
  return new Promise((resolve, reject) => {
    const ffmpeg = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = clock.after(stillTimeoutMs, () => ffmpeg.kill('SIGKILL'));
    ffmpeg.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxStillBytes) ffmpeg.kill('SIGKILL');
      else chunks.push(chunk);
    });
    ffmpeg.on('close', (code) => {
      timer.cancel();
      if (code === 0 && size > 0 && size <= maxStillBytes) return resolve(Buffer.concat(chunks));
      reject(new SmartBranchError('SB_ERR_SOURCE_FAILED', `${config.id}: no still frame`));
    });
  });
}
