import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRegistry, manualClock, silentLogger } from '../../../core/index.ts';
import {
  type AudienceRecord,
  CameraConfig,
  type Sensing,
  startSensing,
} from '../../../edge/sensing/index.ts';
import type { AudienceMinute, ZoneAudience } from '../../../protocol/index.ts';
import { AudienceZoneMinute } from '../../../protocol/index.ts';

const folder = mkdtempSync(join(tmpdir(), 'sb-zones-'));
let running: Sensing | null = null;

afterEach(async () => {
  await running?.stop();
  running = null;
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function zoneFile(name: string, content: unknown): string {
  const file = join(folder, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

async function start(cameras: unknown[]) {
  const clock = manualClock();
  const seen = {
    records: [] as AudienceRecord[],
    minutes: [] as AudienceMinute[],
    zones: [] as ZoneAudience[],
    states: [] as { device: string; state: string; reason: string | undefined }[],
  };
  running = await startSensing(
    {
      branch: 'b1',
      cameras: cameras.map((camera) => CameraConfig.parse(camera)),
      publishCount: () => {},
      recordMinute: (minute) => seen.minutes.push(minute),
      record: (record) => seen.records.push(record),
      publishZone: (zone) => seen.zones.push(zone),
      reportState: (device, state, reason) => seen.states.push({ device, state, reason }),
    },
    { clock, log: silentLogger(), registry: createRegistry({}) },
  );
  return { clock, seen, sensing: running };
}

describe('the live loop with zones', () => {
  it('writes a zone minute per zone of the camera and publishes the zones live', async () => {
    const zones = zoneFile('left-right.json', {
      zones: [
        {
          name: 'left',
          kind: 'waiting',
          polygon: [
            [0, 0],
            [0.5, 0],
            [0.5, 1],
            [0, 1],
          ],
        },
        {
          name: 'right',
          kind: 'service-point',
          polygon: [
            [0.5, 0],
            [1, 0],
            [1, 1],
            [0.5, 1],
          ],
        },
      ],
    });
    const { clock, seen } = await start([
      { id: 'cam1', source: { kind: 'synthetic', seed: 5 }, fps: 2, zones },
    ]);
    await clock.advance(60_000);

    const minutes = seen.records.filter((record) => record.kind === 'audience.zone-minute');
    expect(minutes.map((record) => (record.data as AudienceZoneMinute).zone)).toEqual([
      'left',
      'right',
    ]);
    for (const record of minutes) expect(AudienceZoneMinute.parse(record.data)).toBeTruthy();
    const left = minutes[0]?.data as AudienceZoneMinute;
    expect(left.frames).toBe(seen.minutes[0]?.frames);
    expect(left.lineage.model).toBe('synthetic');

    const names = new Set(seen.zones.map((zone) => zone.zone));
    expect(names).toEqual(new Set(['left', 'right']));
    // At most one message per zone per second while its count stays put.
    const perZone = seen.zones.filter((zone) => zone.zone === 'left').length;
    expect(perZone).toBeLessThanOrEqual(61);
    expect(perZone).toBeGreaterThanOrEqual(59);
  });

  it('sees the whole frame as one zone named after the camera without a zone file', async () => {
    const { clock, seen } = await start([
      { id: 'door-cam', source: { kind: 'synthetic', seed: 1 } },
    ]);
    await clock.advance(61_000);

    const zones = seen.records
      .filter((record) => record.kind === 'audience.zone-minute')
      .map((record) => (record.data as AudienceZoneMinute).zone);
    expect(zones).toEqual(['door-cam']);
    expect(seen.zones[0]?.zone).toBe('door-cam');
  });

  it('reports a camera whose zone file fails its schema, naming the field, and runs the others', async () => {
    const broken = zoneFile('broken.json', {
      zones: [
        {
          name: 'a',
          kind: 'lobby',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
        },
      ],
    });
    const { clock, seen, sensing } = await start([
      { id: 'cam-bad', source: { kind: 'synthetic', seed: 2 }, zones: broken },
      { id: 'cam-good', source: { kind: 'synthetic', seed: 2 } },
    ]);
    await clock.advance(5000);

    const bad = seen.states.filter((state) => state.device === 'cam-bad');
    expect(bad).toHaveLength(1);
    expect(bad[0]?.state).toBe('offline');
    expect(bad[0]?.reason).toContain('broken.json');
    expect(bad[0]?.reason).toContain('zones.0.kind');
    const [first, second] = sensing.stats().cameras;
    expect(first?.framesProcessed).toBe(0);
    expect(second?.framesProcessed).toBe(10);
  });

  it('applies zones saved while the camera runs from its next frame, without a restart', async () => {
    const { clock, seen, sensing } = await start([
      { id: 'cam1', source: { kind: 'synthetic', seed: 5 }, fps: 2 },
    ]);
    await clock.advance(10_000);
    const framesBefore = sensing.stats().cameras[0]?.framesProcessed;
    expect(framesBefore).toBe(20);

    const applied = sensing.applyZones('cam1', {
      zones: [
        {
          name: 'left',
          kind: 'waiting',
          polygon: [
            [0, 0],
            [0.5, 0],
            [0.5, 1],
            [0, 1],
          ],
        },
      ],
    });
    expect(applied.zones.map((zone) => zone.name)).toEqual(['left']);
    const heard = seen.zones.length;
    await clock.advance(5000);

    // The same run goes on: frames keep counting and no state change was reported.
    expect(sensing.stats().cameras[0]?.framesProcessed).toBe(30);
    expect(seen.states.map((state) => state.state)).toEqual(['online']);
    expect(new Set(seen.zones.slice(heard).map((zone) => zone.zone))).toEqual(new Set(['left']));
    await clock.advance(50_000);
    const minutes = seen.records
      .filter((record) => record.kind === 'audience.zone-minute')
      .map((record) => record.data as AudienceZoneMinute);
    // Minute 0 has frames at 0.5 … 59.5 s: the whole frame for 20, then the left half for 99.
    expect(minutes.map((minute) => [minute.zone, minute.frames])).toEqual([
      ['cam1', 20],
      ['left', 99],
    ]);
  });

  it('refuses zones for an unknown camera and zones that fail their schema, naming the field', async () => {
    const { clock, sensing } = await start([
      { id: 'cam1', source: { kind: 'synthetic', seed: 5 }, fps: 2 },
    ]);
    expect(() => sensing.applyZones('cam-9', { zones: [] })).toThrow(
      expect.objectContaining({ code: 'SB_ERR_NOT_FOUND' }),
    );
    expect(() =>
      sensing.applyZones('cam1', { zones: [{ name: 'a', kind: 'waiting', polygon: [[0, 0]] }] }),
    ).toThrow(expect.objectContaining({ code: 'SB_ERR_INVALID_REQUEST', path: 'zones.0.polygon' }));
    await clock.advance(2000);
    expect(sensing.stats().cameras[0]?.framesProcessed).toBe(4);
  });

  it('starts a camera that was offline for a bad zone file once good zones are saved', async () => {
    const broken = zoneFile('broken-2.json', { zones: [{ name: 'a' }] });
    const { clock, seen, sensing } = await start([
      { id: 'cam-bad', source: { kind: 'synthetic', seed: 2 }, zones: broken },
    ]);
    sensing.applyZones('cam-bad', {
      zones: [
        {
          name: 'all',
          kind: 'waiting',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        },
      ],
    });
    await clock.advance(2000);

    expect(seen.states.map((state) => state.state)).toEqual(['offline', 'online']);
    expect(sensing.stats().cameras[0]).toMatchObject({ state: 'online', framesProcessed: 4 });
    expect(seen.zones.some((zone) => zone.zone === 'all')).toBe(true);
  });

  it('reports a zone file that is missing as the camera being offline', async () => {
    const { seen } = await start([
      { id: 'cam-x', source: { kind: 'synthetic', seed: 2 }, zones: join(folder, 'none.json') },
    ]);
    expect(seen.states[0]?.state).toBe('offline');
    expect(seen.states[0]?.reason).toMatch(/none\.json/);
  });
});
