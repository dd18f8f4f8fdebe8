import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRegistry, manualClock, silentLogger } from '../../../core/index.ts';
import { type Bus, startBus } from '../../../edge/bus/index.ts';
import { CameraConfig, type Sensing, startSensing } from '../../../edge/sensing/index.ts';
import { openStore, outbox, type Store } from '../../../edge/store/index.ts';
import { answerPull } from '../../../edge/uplink/index.ts';
import {
  type Channel,
  decodeMessage,
  encodeMessage,
  type PullResponse,
  parseTopic,
  Stream,
  UplinkRecord,
} from '../../../protocol/index.ts';
import { footageDir, footageSkipReason } from '../../support/footage.ts';

/** What the gateway may publish from sensing, and the only records the uplink may carry. */
const sensingChannels = new Set<Channel>(['audienceCount', 'zoneAudience', 'deviceState']);
const aggregateKinds = new Set([
  'audience.minute',
  'audience.zone-minute',
  'audience.line-minute',
  'audience.demographics-hour',
  'audience.flow-hour',
]);
/** Field names that would mean a person, a picture or a descriptor got out. */
const forbidden =
  /^(track|tracks|box|boxes|keypoints|descriptor|embedding|pixels|frame|crop|image|face|faces|path|points)$/i;

interface Walked {
  problems: string[];
}

/** Walks a message and notes every field that could carry a frame, a crop or a descriptor. */
function walk(value: unknown, where: string, found: Walked) {
  if (typeof value === 'string') {
    if (value.length > 120) found.problems.push(`${where}: a string of ${value.length} characters`);
    return;
  }

  if (Array.isArray(value)) {
    if (value.length > 64) found.problems.push(`${where}: an array of ${value.length} items`);
    for (const [index, item] of value.entries()) walk(item, `${where}.${index}`, found);
    return;
  }

  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (forbidden.test(key)) found.problems.push(`${where}.${key}: a forbidden field`);
      walk(inner, `${where}.${key}`, found);
    }
  }
}

const state = {
  folder: '',
  store: null as Store | null,
  bus: null as Bus | null,
  client: null as mqtt.MqttClient | null,
  sensing: null as Sensing | null,
  messages: [] as { topic: string; payload: Buffer }[],
  pulled: [] as PullResponse[],
};

async function runGateway() {
  state.folder = mkdtempSync(join(tmpdir(), 'sb-privacy-'));
  const context = { clock: manualClock(), log: silentLogger(), registry: createRegistry({}) };
  state.store = openStore(join(state.folder, 'gateway.db'), context);
  const box = outbox(state.store.db);
  const auditor = { username: 'auditor', password: 'audit', publish: [], subscribe: ['#'] };
  const bus = await startBus({ branch: 'b1', port: 0, clients: [auditor] }, context);
  state.bus = bus;
  state.client = await mqtt.connectAsync(bus.url, { username: 'auditor', password: 'audit' });
  state.client.on('message', (topic, payload) => state.messages.push({ topic, payload }));
  await state.client.subscribeAsync('#', { qos: 1 });

  state.sensing = await startSensing(
    {
      branch: 'b1',
      cameras: [
        CameraConfig.parse({
          id: 'lobby',
          source: { kind: 'folder', path: footageDir },
          fps: 2,
          zones: zonesFile(state.folder),
        }),
      ],
      publishCount: (count) => void bus.publish('audienceCount', { camera: count.camera }, count),
      recordMinute: (data) =>
        void box.append({ kind: 'audience.minute', at: context.clock.now(), data }),
      record: (record) => void box.append(record),
      publishZone: (zone) => void bus.publish('zoneAudience', { zone: zone.zone }, zone),
      reportState: (device, name, reason) =>
        void bus.publish(
          'deviceState',
          { device },
          { device, at: context.clock.now(), state: name, ...(reason ? { reason } : {}) },
        ),
    },
    context,
  );
  await playEveryClip(state.sensing, context.clock);
  await state.sensing.stop();
  state.sensing = null;
  await vi.waitFor(() => expect(state.messages.length).toBeGreaterThan(20), { timeout: 15_000 });

  for (const stream of Stream.options) {
    const request = { pullId: `p-${stream}`, stream, after: 0, limit: 5000, at: 0 };
    const answer = answerPull({ outbox: box, gateway: 'g1' }, request, context.clock.now());
    state.pulled.push(decodeOrThrow(encodeMessage('pullResponse', answer)));
  }
}

/** Lets the paced camera play each clip of the folder once, one frame per half second. */
async function playEveryClip(sensing: Sensing, clock: ReturnType<typeof manualClock>) {
  const camera = () => sensing.stats().cameras[0];
  const lastClipFrames = () => camera()?.clips['people-detection.gif']?.frames ?? 0;
  for (let step = 0; step < 80 && lastClipFrames() < 3; step++) {
    const before = camera()?.framesProcessed ?? 0;
    await vi.waitFor(() => expect(camera()?.framesProcessed).toBeGreaterThan(before), {
      timeout: 30_000,
    });
    await clock.advance(500);
  }
}

function decodeOrThrow(payload: Buffer): PullResponse {
  const decoded = decodeMessage('pullResponse', payload);
  if (!decoded.ok) throw new Error(`pull response refused: ${decoded.error.path}`);
  return decoded.message;
}

/** A waiting zone with a screen on the left, a counter on the right, a line between them. */
function zonesFile(folder: string): string {
  const file = join(folder, 'zones.json');
  writeFileSync(
    file,
    JSON.stringify({
      zones: [
        {
          name: 'waiting',
          kind: 'waiting',
          screen: 'tv',
          polygon: [
            [0, 0],
            [0.5, 0],
            [0.5, 1],
            [0, 1],
          ],
        },
        {
          name: 'counter',
          kind: 'service-point',
          polygon: [
            [0.5, 0],
            [1, 0],
            [1, 1],
            [0.5, 1],
          ],
        },
        {
          name: 'window',
          kind: 'passing',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 0.3],
            [0, 0.3],
          ],
        },
      ],
      lines: [{ name: 'door', from: [0.5, 1], to: [0.5, 0] }],
    }),
  );
  return file;
}

beforeAll(async () => {
  if (!footageSkipReason) await runGateway();
}, 600_000);

afterAll(async () => {
  await state.sensing?.stop();
  await state.client?.endAsync();
  await state.bus?.close();
  state.store?.close();
  if (state.folder) rmSync(state.folder, { recursive: true, force: true });
});

describe.skipIf(footageSkipReason)(`privacy on real footage ${footageSkipReason ?? ''}`, () => {
  it('publishes on the bus only sensing channels whose payloads pass their strict schemas', () => {
    const problems: string[] = [];
    for (const message of state.messages) {
      const parsed = parseTopic(message.topic);
      if (!parsed || !sensingChannels.has(parsed.channel)) {
        problems.push(`${message.topic}: not a sensing channel`);
        continue;
      }

      const decoded = decodeMessage(parsed.channel, message.payload);
      if (!decoded.ok)
        problems.push(`${message.topic}: ${decoded.error.path} ${decoded.error.message}`);
      walk(JSON.parse(message.payload.toString()), message.topic, { problems });
    }
    expect(problems).toEqual([]);
    const channels = new Set(state.messages.map((message) => parseTopic(message.topic)?.channel));
    expect(channels).toEqual(new Set(['audienceCount', 'zoneAudience', 'deviceState']));
  });

  it('sends up only aggregate records, each passing its strict schema, with no per-person field', () => {
    const records = state.pulled.flatMap((response) => response.records);
    const problems: string[] = [];
    for (const record of records) {
      if (!aggregateKinds.has(record.kind)) problems.push(`${record.kind}: not an aggregate kind`);
      if (!UplinkRecord.safeParse(record).success)
        problems.push(`${record.kind}: fails its schema`);
      walk(record, `${record.kind}#${record.seq}`, { problems });
    }
    expect(problems).toEqual([]);

    const kinds = new Set(records.map((record) => record.kind));
    for (const kind of [
      'audience.minute',
      'audience.zone-minute',
      'audience.line-minute',
      'audience.demographics-hour',
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it('lets no demographic bucket of fewer than 5 people leave the gateway', () => {
    const hours = state.pulled
      .flatMap((response) => response.records)
      .flatMap((record) => (record.kind === 'audience.demographics-hour' ? [record.data] : []));
    expect(hours.length).toBeGreaterThan(0);
    for (const hour of hours) {
      expect(hour.ages.every((range) => range.people >= hour.k)).toBe(true);
      expect([hour.genders.male, hour.genders.female].every((n) => n === 0 || n >= hour.k)).toBe(
        true,
      );
      expect(hour.lineage.model).toBe('blazeface-back+faceres');
    }
    // The clips hold fewer than five people a zone: every age and gender is suppressed.
    expect(hours.some((hour) => hour.agesSuppressed + hour.gendersSuppressed > 0)).toBe(true);
  });

  it('writes no frame, crop or descriptor to disk: the store is the only file', () => {
    const files = readdirSync(state.folder).filter((name) => name !== 'zones.json');
    expect(files.every((name) => /^gateway\.db(-wal|-shm)?$/.test(name))).toBe(true);
  });
});
