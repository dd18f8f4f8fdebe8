import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, tempDir } from '../../support/context.ts';
import { startUiGateway, type UiHarness } from './harness.ts';

const folder = tempDir('sb-ui-zones-');
let gateway: UiHarness | null = null;

afterAll(async () => {
  await gateway?.stop();
  folder.remove();
});

const square = (left: number, right: number) => [
  [left, 0],
  [right, 0],
  [right, 1],
  [left, 1],
];

const drawn = {
  zones: [
    { name: 'left-half', kind: 'waiting', polygon: square(0, 0.5) },
    { name: 'right-half', kind: 'service-point', polygon: square(0.5, 1) },
  ],
  lines: [{ name: 'door', from: [0.5, 1], to: [0.5, 0] }],
};

describe('zones saved on the technician page', () => {
  it('are used by the running camera at once, without restarting it', async () => {
    gateway = await startUiGateway({ folder: folder.path });
    const zones = await gateway.observe('zoneAudience');
    await eventually(() => zones.some((zone) => zone.zone === 'cam-1'), 'the whole-frame zone');
    const framesBefore = gateway.gateway.stats().cameras[0]?.framesProcessed ?? 0;

    const saved = await gateway.api('/api/cameras/cam-1/zones', {
      method: 'PUT',
      body: JSON.stringify(drawn),
    });
    expect(await saved.json()).toMatchObject({ applied: true });
    const heard = zones.length;
    await eventually(
      () => zones.slice(heard).some((zone) => zone.zone === 'right-half'),
      'the new zone on the bus',
    );
    await eventually(async () => {
      const live = await (await gateway?.api('/api/cameras/cam-1/live'))?.json();
      return Object.keys(live.zones).sort().join() === 'left-half,right-half';
    }, 'the live counts of the new zones');

    // One run throughout: frames went on counting and the camera never went offline.
    const camera = gateway.gateway.stats().cameras[0];
    expect(camera?.framesProcessed).toBeGreaterThan(framesBefore);
    expect(camera?.state).toBe('online');
    const starts = gateway.context.lines.filter((line) => line.msg === 'camera zones applied');
    expect(starts).toEqual([expect.objectContaining({ camera: 'cam-1', zones: 2, lines: 1 })]);
    // Written whole: no temporary file is left beside it.
    const zoneFolder = join(gateway.dataDir, 'zones');
    expect(readdirSync(zoneFolder)).toEqual(['cam-1.json']);
    expect(JSON.parse(readFileSync(join(zoneFolder, 'cam-1.json'), 'utf8'))).toMatchObject({
      zones: drawn.zones,
    });
  });

  it('refuses a bad zone file with the field named and keeps the saved one in use', async () => {
    const harness = gateway as UiHarness;
    const refused = await harness.api('/api/cameras/cam-1/zones', {
      method: 'PUT',
      body: JSON.stringify({ zones: [{ name: 'x', kind: 'queue', polygon: square(0, 1) }] }),
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'zones.0.kind',
    });
    const kept = await (await harness.api('/api/cameras/cam-1/zones')).json();
    expect(kept.zones.map((zone: { name: string }) => zone.name)).toEqual([
      'left-half',
      'right-half',
    ]);
  });

  it('are still used after the gateway restarts', async () => {
    await gateway?.stop();
    gateway = await startUiGateway({ folder: folder.path });
    expect(existsSync(join(gateway.dataDir, 'zones', 'cam-1.json'))).toBe(true);
    const zones = await gateway.observe('zoneAudience');
    await eventually(
      () => new Set(zones.map((zone) => zone.zone)).size === 2 && zones,
      'both drawn zones on the bus',
    );
    expect(new Set(zones.map((zone) => zone.zone))).toEqual(new Set(['left-half', 'right-half']));
  });
});

describe('a zone file named in the gateway config that is unusable', () => {
  const files = tempDir('sb-ui-bad-zones-');
  let started: UiHarness | null = null;
  afterAll(async () => {
    await started?.stop();
    files.remove();
  });

  it('takes only its camera offline, naming the file and the field, and the gateway runs', async () => {
    const offFrame = join(files.path, 'off-frame.json');
    writeFileSync(
      offFrame,
      JSON.stringify({
        zones: [
          {
            ...drawn.zones[0],
            polygon: [
              [1.5, 0],
              [1, 0],
              [1, 1],
            ],
          },
        ],
      }),
    );
    const broken = join(files.path, 'broken.json');
    writeFileSync(broken, '{"zones": [');
    started = await startUiGateway({
      cameras: [
        { id: 'cam-off', source: { kind: 'synthetic', seed: 3 }, fps: 2, zones: offFrame },
        { id: 'cam-broken', source: { kind: 'synthetic', seed: 3 }, fps: 2, zones: broken },
        { id: 'cam-good', source: { kind: 'synthetic', seed: 3 }, fps: 2 },
      ],
    });

    const cameras = started.gateway.stats().cameras;
    const off = cameras.find((camera) => camera.id === 'cam-off');
    expect(off?.state).toBe('offline');
    expect(off?.reason).toContain('off-frame.json');
    expect(off?.reason).toContain('zones.0.polygon.0');
    const unparsable = cameras.find((camera) => camera.id === 'cam-broken');
    expect(unparsable?.state).toBe('offline');
    expect(unparsable?.reason).toContain('broken.json');
    await eventually(
      () =>
        started?.gateway.stats().cameras.find((camera) => camera.id === 'cam-good')?.state ===
        'online',
      'the good camera online',
    );

    const zones = await started.api('/api/cameras/cam-off/zones');
    expect(zones.status).toBe(400);
    expect((await zones.json()).error).toMatchObject({
      code: 'SB_ERR_INVALID_CONFIG',
      path: 'zones.0.polygon.0.0',
    });
    expect((await started.api('/api/status')).status).toBe(200);
  });
});
