// Sensing benchmark, side by side in one run: the detector's own time per frame (the floor),
// the live pipeline's processed frames per second per backend, frame-to-bus latency, two
// cameras at 2 fps, RSS with one camera, time for a face's verdict to settle, precision and
// recall of the people model on the clips, and tiling of the fisheye edge. Run:
//   node --import tsx bench/sensing.ts [--models | --live]   (prints the figures for RESULTS.md)
import { cpus, loadavg, totalmem } from 'node:os';
import { createRegistry, silentLogger, systemClock } from '../core/index.ts';
import { openFrames, type RawFrame } from '../devices/camera/index.ts';
import { startBus } from '../edge/bus/index.ts';
import {
  type BackendChoice,
  CameraConfig,
  createAnalyser,
  type Detector,
  liveFaceEffort,
  liveFacePassesPerSecond,
  peopleInFrame,
  peopleModels,
  startDetector,
  startSensing,
  tiledDetector,
  wholeFrameZone,
} from '../edge/sensing/index.ts';
import { clip, footageDir } from '../tests/support/footage.ts';

const clips = [
  'classroom.gif',
  'face-demographics-walking.gif',
  'people-detection.gif',
  'head-pose-face-detection-female.gif',
];
/** People per frame a person counts, where the clip's README makes it exact. */
const truth: Record<string, (t: number, seconds: number) => number | null> = {
  'classroom.gif': () => 4,
  'face-demographics-walking.gif': () => 2,
  'head-pose-face-detection-female.gif': () => 1,
  // People leave through the left edge in the first second; the empty room after 1.2 s.
  'people-detection.gif': (t) => (t >= 1.2 ? 0 : null),
};

async function frames(name: string, fps: number): Promise<RawFrame[]> {
  const stream = openFrames({ input: clip(name), width: 480, height: 270, fps });
  const list: RawFrame[] = [];
  for (let frame = await stream.next(); frame; frame = await stream.next()) list.push(frame);
  stream.close();
  return list;
}

const copy = (frame: RawFrame) => ({ ...frame, pixels: frame.pixels.slice() });

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

async function detectorFloor(backend: BackendChoice, limit: number) {
  const detector = await startDetector({ backend, faces: false });
  const times: number[] = [];
  for (const frame of (await frames('classroom.gif', 15)).slice(0, limit)) {
    times.push((await detector.detect(copy(frame), 'none')).ms);
  }
  await detector.close();
  return {
    backend: detector.backend,
    p50: round(percentile(times, 50)),
    p95: round(percentile(times, 95)),
    frames: times.length,
  };
}

/**
 * One camera's live loop on a list of clips through one detector, unpaced, with its costs.
 * Before each frame the people model alone runs on the same frame (its own stream, outside the
 * loop's figures): the floor under the same load at the same moment. Time is taken twice: by
 * the wall clock, and as the CPU time of the process (the loop and its worker take turns, so on
 * a free core that is the wall time it would take), which a shared box's load barely moves.
 */
async function liveLoop(detector: Detector, clipFrames: RawFrame[][]) {
  const spent = { frames: 0, facePasses: 0, descriptions: 0, modelMs: 0, describeMs: 0 };
  const times: number[] = [];
  const cpu: number[] = [];
  const floor: number[] = [];
  const floorCpu: number[] = [];
  for (const list of clipFrames) {
    const analyser = createAnalyser(wholeFrameZone('bench'), {
      frameSeconds: 0.25,
      history: false,
      demographics: liveFaceEffort,
      facePassesPerSecond: liveFacePassesPerSecond,
    });
    for (const frame of list) {
      let cpuStarted = process.cpuUsage();
      floor.push((await detector.detect(copy(frame), 'none', 'floor')).ms);
      floorCpu.push(cpuMs(cpuStarted));
      cpuStarted = process.cpuUsage();
      const started = performance.now();
      const work = analyser.nextFaceWork();
      const detections = await detector.detect(copy(frame), work);
      spent.modelMs += detections.ms;
      analyser.frame(frame.t, detections);
      const wanted = analyser.facesToDescribe();
      if (wanted.length) {
        const described = await detector.describeLast('default', wanted);
        spent.modelMs += described.ms;
        spent.describeMs += described.ms;
        spent.descriptions += described.faces.length;
        analyser.described(described);
      }
      spent.frames += 1;
      if (work !== 'none') spent.facePasses += 1;
      times.push(performance.now() - started);
      cpu.push(cpuMs(cpuStarted));
    }
  }
  return { ...spent, times, cpu, floor, floorCpu };
}

function cpuMs(since: NodeJS.CpuUsage) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const mean = (values: readonly number[]) => sum(values) / values.length;

/**
 * Processed frames per second and time per frame, by the wall clock and by CPU time, each
 * against the people model alone on the same frames.
 */
function rates(loop: Awaited<ReturnType<typeof liveLoop>>, from = 0) {
  const part = (values: readonly number[]) => values.slice(from);
  return {
    fps: round(1000 / mean(part(loop.times)), 2),
    msPerFrame: round(mean(part(loop.times))),
    overFloor: round(mean(part(loop.times)) / mean(part(loop.floor)), 2),
    cpuFps: round(1000 / mean(part(loop.cpu)), 2),
    cpuMsPerFrame: round(mean(part(loop.cpu))),
    cpuOverFloor: round(mean(part(loop.cpu)) / mean(part(loop.floorCpu)), 2),
  };
}

/** The live loop's steps on every clip at 4 fps, unpaced: what one core sustains. */
async function livePipeline(backend: BackendChoice, limit = Number.POSITIVE_INFINITY) {
  const detector = await startDetector({ backend });
  const lists = await Promise.all(
    clips.map(async (name) => (await frames(name, 4)).slice(0, limit)),
  );
  const spent = await liveLoop(detector, lists);
  await detector.close();
  return {
    backend: detector.backend,
    processed: spent.frames,
    ...rates(spent),
    modelShare: round((spent.modelMs / sum(spent.times)) * 100),
    facePasses: spent.facePasses,
    descriptions: spent.descriptions,
    describeMs: Math.round(spent.describeMs),
  };
}

/**
 * People who stay (classroom.gif played four times in a row, as a waiting area seen for 12 s):
 * once their faces are settled only attention passes remain. Figures of the last two plays.
 */
async function steadyPipeline() {
  const detector = await startDetector();
  const play = await frames('classroom.gif', 4);
  const seconds = play.length / 4;
  const looped = [0, 1, 2, 3].flatMap((round) =>
    play.map((frame) => ({ ...frame, t: frame.t + round * seconds })),
  );
  const spent = await liveLoop(detector, [looped]);
  await detector.close();
  const from = 2 * play.length;
  return {
    frames: looped.length - from,
    ...rates(spent, from),
    facePasses: spent.facePasses,
    descriptions: spent.descriptions,
  };
}

/** The gateway's sensing on the real clock with a real bus, for `seconds`. */
async function gatewayRun(cameraCount: number, seconds: number) {
  const context = { clock: systemClock, log: silentLogger(), registry: createRegistry({}) };
  const bus = await startBus({ branch: 'bench', port: 0, clients: [] }, context);
  let rss = 0;
  const sampler = setInterval(() => {
    rss = Math.max(rss, process.memoryUsage().rss);
  }, 500);
  const cameras = [...Array(cameraCount)].map((_, index) =>
    CameraConfig.parse({
      id: `cam${index + 1}`,
      source: { kind: 'folder', path: footageDir },
      fps: 2,
    }),
  );
  const sensing = await startSensing(
    {
      branch: 'bench',
      cameras,
      publishCount: (count) => void bus.publish('audienceCount', { camera: count.camera }, count),
      publishZone: (zone) => void bus.publish('zoneAudience', { zone: zone.zone }, zone),
      recordMinute: () => {},
      record: () => {},
      reportState: () => {},
    },
    context,
  );
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const stats = sensing.stats().cameras;
  await sensing.stop();
  await bus.close();
  clearInterval(sampler);
  return {
    rssMb: Math.round(rss / 2 ** 20),
    cameras: stats.map((camera) => ({
      id: camera.id,
      processed: camera.framesProcessed,
      dropped: camera.framesDropped,
      fps: camera.fps,
      latencyP50: camera.latencyMs.p50,
      latencyP95: camera.latencyMs.p95,
    })),
  };
}

/** Seconds from a track's first usable face to its verdict's last change, at `fps`. */
async function settleTimes(detector: Detector, name: string, fps: number) {
  const analyser = createAnalyser(wholeFrameZone('bench'), {
    frameSeconds: 1 / fps,
    history: false,
    demographics: liveFaceEffort,
    facePassesPerSecond: liveFacePassesPerSecond,
  });
  const seen = new Map<number, { first: number | null; last: string; changedAt: number }>();
  for (const frame of await frames(name, fps)) {
    const detections = await detector.detect(copy(frame), analyser.nextFaceWork());
    analyser.frame(frame.t, detections);
    const wanted = analyser.facesToDescribe();
    if (wanted.length) analyser.described(await detector.describeLast('default', wanted));
    for (const verdict of analyser.verdicts()) {
      const said = `${verdict.gender} ${verdict.ageBand}`;
      const entry = seen.get(verdict.track) ?? {
        first: null,
        last: 'unknown unknown',
        changedAt: 0,
      };
      if (entry.first === null && verdict.views > 0) entry.first = frame.t;
      if (said !== entry.last) Object.assign(entry, { last: said, changedAt: frame.t });
      seen.set(verdict.track, entry);
    }
  }
  return [...seen.values()]
    .filter((entry) => entry.first !== null)
    .map((entry) => ({
      clip: name,
      fps,
      verdict: entry.last,
      settleSeconds: round(entry.changedAt - (entry.first ?? 0), 2),
    }));
}

/** Each clip frame's detections where the clips make the people count exact, with its truth. */
async function labelledDetections(detector: Detector) {
  const labelled = [];
  for (const name of clips) {
    const list = await frames(name, 4);
    const seconds = list.length / 4;
    for (const frame of list) {
      const expected = truth[name]?.(frame.t, seconds) ?? null;
      if (expected === null) continue;

      labelled.push({ expected, detections: await detector.detect(copy(frame), 'none') });
    }
  }
  return labelled;
}

type Labelled = Awaited<ReturnType<typeof labelledDetections>>;

/** Precision and recall of the people counted per frame at one score threshold. */
function precisionRecall(labelled: Labelled, threshold: number) {
  let found = 0;
  let right = 0;
  let present = 0;
  for (const { expected, detections } of labelled) {
    const counted = peopleInFrame(detections.bodies, threshold).length;
    found += counted;
    present += expected;
    right += Math.min(counted, expected);
  }
  return {
    threshold,
    precision: round(found ? right / found : 1, 3),
    recall: round(present ? right / present : 1, 3),
  };
}

/** Every shipped people model on the same labelled frames: accuracy and cost side by side. */
async function modelTable() {
  const rows = [];
  for (const name of peopleModels) {
    const detector = await startDetector({ peopleModel: name, faces: false });
    const labelled = await labelledDetections(detector);
    const ms = labelled.map((frame) => frame.detections.ms);
    for (const threshold of [0.15, 0.2, 0.3, 0.4]) {
      rows.push({
        model: name,
        ...precisionRecall(labelled, threshold),
        p50Ms: round(percentile(ms, 50)),
        p95Ms: round(percentile(ms, 95)),
      });
    }
    await detector.close();
  }
  return rows;
}

/** People counted on the first second of people-detection.gif, with and without a tile. */
async function tiling(detector: Detector) {
  const list = (await frames('people-detection.gif', 4)).filter((frame) => frame.t < 1);
  const tiled = tiledDetector({ region: [0, 0.2, 0.35, 0.8], everyFrames: 1 });
  const rows = [];
  for (const frame of list) {
    const plain = peopleInFrame((await detector.detect(copy(frame), 'none')).bodies).length;
    const withTile = await tiled(detector, copy(frame), 'none');
    rows.push({
      t: frame.t,
      plain,
      tiled: peopleInFrame(withTile.bodies).length,
      ms: round(withTile.ms),
    });
  }
  return rows;
}

const machine =
  `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ` +
  `${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`;
console.log(`machine: ${machine}; load average ${loadavg().map((load) => load.toFixed(2))}`);
// `--models` prints only the model table, the part that decides which people model runs;
// `--live` only the one-stream figures (floor, live pipeline, steady state, face settling),
// the part to compare back to back when the face work changes.
if (process.argv.includes('--live')) await liveRun();
else if (!process.argv.includes('--models')) await wholeRun();
if (!process.argv.includes('--live')) console.table(await modelTable());
console.log(`load average at the end ${loadavg().map((load) => load.toFixed(2))}`);

async function liveRun() {
  const floor = await detectorFloor('wasm', 30);
  console.log('detector floor, movenet-multipose 480x270 (ms):', floor);
  console.log('live pipeline, 4 fps unpaced:', await livePipeline('wasm'));
  console.log('people who stay, 4 fps unpaced:', await steadyPipeline());
  console.table(await settleTable());
}

async function settleTable() {
  const detector = await startDetector();
  const rows = [
    ...(await settleTimes(detector, 'face-demographics-walking.gif', 2)),
    ...(await settleTimes(detector, 'face-demographics-walking.gif', 5)),
    ...(await settleTimes(detector, 'head-pose-face-detection-female.gif', 2)),
    ...(await settleTimes(detector, 'head-pose-face-detection-female.gif', 5)),
  ];
  await detector.close();
  return rows;
}

async function wholeRun() {
  const floor = await detectorFloor('wasm', 30);
  const cpuFloor = await detectorFloor('cpu', 3);
  console.log('detector floor, movenet-multipose 480x270 (ms):', floor, cpuFloor);
  console.log(
    'live pipeline, 4 fps unpaced:',
    await livePipeline('wasm'),
    await livePipeline('cpu', 2),
  );
  console.log('people who stay, 4 fps unpaced:', await steadyPipeline());
  console.log('one camera at 2 fps, 30 s:', JSON.stringify(await gatewayRun(1, 30)));
  console.log('two cameras at 2 fps, 30 s:', JSON.stringify(await gatewayRun(2, 30)));
  console.table(await settleTable());
  const detector = await startDetector();
  console.table(await tiling(detector));
  await detector.close();
}
