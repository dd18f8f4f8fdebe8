import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
