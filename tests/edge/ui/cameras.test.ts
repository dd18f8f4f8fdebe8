import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/index.ts';
import { type Bus, startBus } from '../../../edge/bus/index.ts';
import { CameraConfig } from '../../../edge/sensing/index.ts';
import { type CameraDesk, cameraDesk } from '../../../edge/ui/index.ts';
import { type CapturedContext, tempDir, testContext } from '../../support/context.ts';
import { clip, footageSkipReason } from '../../support/footage.ts';

const dir = tempDir('sb-ui-cameras-');
let bus: Bus;
let desk: CameraDesk;
let context: CapturedContext;

describe.skipIf(footageSkipReason !== null)('a camera still for a technician', () => {
  beforeAll(async () => {
    context = testContext();
    bus = await startBus({ branch: 'b1', port: 0, clients: [] }, context);
    const camera = parseConfig(
      'camera',
      {
        id: 'hall',
        source: { kind: 'file', path: clip('classroom.gif') },
        width: 320,
        height: 180,
      },
      CameraConfig,
    );
    desk = await cameraDesk({ cameras: [camera], bus, dataDir: dir.path }, context);
  });
  afterAll(async () => {
    await desk?.stop();
    await bus?.close();
    dir.remove();
  });

  it('is one JPEG of the analysed size, kept in memory, and the request is logged', async () => {
    const jpeg = await desk.still('hall', 'tech');
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const line = context.lines.find((entry) => entry.msg === 'camera still sent to a technician');
    expect(line).toMatchObject({ camera: 'hall', username: 'tech' });
  });

  it('shows live counts beside it, per camera and zone', async () => {
    desk.saveZones('hall', {
      zones: [
        {
          name: 'front',
          kind: 'waiting',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 0.5],
          ],
        },
      ],
    });
    await bus.publish(
      'audienceCount',
      { camera: 'hall' },
      {
        camera: 'hall',
        at: 5,
        people: 4,
        source: 'footage',
        confidence: 0.9,
        lineage: { model: 'm', modelVersion: '1', backend: 'wasm' },
      },
    );
    await bus.publish('zoneAudience', { zone: 'front' }, { zone: 'front', at: 5, people: 3 });
    expect(desk.live('hall')).toEqual({ people: 4, at: 5, zones: { front: 3 } });
  });
});
