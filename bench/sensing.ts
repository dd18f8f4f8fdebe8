// Sensing benchmark: the detector's own time per frame (the floor), the whole pipeline's frames
// per second per backend, and the threshold table, on the shared clips. Run:
//   npx tsx bench/sensing.ts   (appends nothing; prints the section to paste into RESULTS.md)
import { cpus } from 'node:os';
import { openFrames } from '../devices/camera/index.ts';
import { analyseVideo, type BackendChoice, peopleInFrame, startDetector } from '../edge/sensing/index.ts';
import { clip } from '../tests/support/footage.ts';

const clips = ['classroom.gif', 'face-demographics-walking.gif', 'people-detection.gif',
  'head-pose-face-detection-female.gif'];

async function detectorFloor(backend: BackendChoice, limit: number) {
  const detector = await startDetector({ backend, faces: false });
  const times: number[] = [];
  const stream = openFrames({ input: clip('classroom.gif'), width: 480, height: 270, fps: 15 });
  for (let frame = await stream.next(); frame && times.length < limit; frame = await stream.next()) {
    times.push((await detector.detect(frame, 'none')).ms);
  }
  stream.close();
  await detector.close();
  return { backend: detector.backend, ms: percentile(times, 50), p95: percentile(times, 95) };
}

async function pipeline(backend: BackendChoice, names: string[]) {
  const detector = await startDetector({ backend });
  const rows = [];
  for (const name of names) {
    const started = performance.now();
    const report = await analyseVideo(clip(name), { detector });
    const seconds = (performance.now() - started) / 1000;
    rows.push({ name, frames: report.frames, fps: report.frames / seconds, maxPeople: report.maxPeople,
      faces: report.faces.map((face) => face.gender).join('/') });
  }
  await detector.close();
  return rows;
}

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function scores() {
  const detector = await startDetector({ faces: false });
  const rows = [];
  for (const name of clips) {
    const stream = openFrames({ input: clip(name), width: 480, height: 270, fps: 4 });
    const all: number[] = [];
    const counted: number[] = [];
    for (let frame = await stream.next(); frame; frame = await stream.next()) {
      const { bodies } = await detector.detect(frame, 'none');
      all.push(...bodies.map((body) => body.score));
      counted.push(peopleInFrame(bodies).length);
    }
    rows.push({ name, min: Math.min(...all), max: Math.max(...all), counted });
  }
  await detector.close();
  return rows;
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
const wasmFloor = await detectorFloor('wasm', 30);
const cpuFloor = await detectorFloor('cpu', 3);
const wasmRows = await pipeline('wasm', clips);
const table = await scores();
console.log(`machine: ${machine}`);
console.log('detector floor (movenet-multipose, 480x270):', wasmFloor, cpuFloor);
console.table(wasmRows);
console.table(table.map((row) => ({ ...row, counted: row.counted.join(' ') })));
