import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/context.ts';

const folder = tempDir('sb-loading-');
afterAll(() => folder.remove());
const devicesIndex = fileURLToPath(new URL('../../devices/index.ts', import.meta.url));
const profiles = fileURLToPath(new URL('../../firmware-config/index.ts', import.meta.url));
const core = fileURLToPath(new URL('../../core/index.ts', import.meta.url));

/**
 * Starts devices for one connection in a fresh process and lists the hardware libraries
 * that process loaded: each must load only when a profile names it.
 */
function librariesLoadedFor(connection: Record<string, unknown>, kind: string): string[] {
  const script = join(folder.path, `${kind}.mts`);
  writeFileSync(
    script,
    `
import { createRequire } from 'node:module';
import { startDevices } from ${JSON.stringify(devicesIndex)};
import { DeviceProfile } from ${JSON.stringify(profiles)};
import { createRegistry, silentLogger, systemClock } from ${JSON.stringify(core)};
const profile = DeviceProfile.parse({ device: 'd1', kind: ${JSON.stringify(kind)}, model: 'm',
  version: 1, connection: ${JSON.stringify(connection)}, bus: { username: 'd1', password: 'p' },
  firmware: { name: 'StandardFirmata', minVersion: '2.5' } });
const devices = await startDevices({ branch: 'b', profiles: [profile], busUrl: 'mqtt://127.0.0.1:9' },
  { clock: systemClock, log: silentLogger(), registry: createRegistry({}) });
const loaded = Object.keys(createRequire(import.meta.url).cache)
  .map((file) => /node_modules\\/(onoff|johnny-five|serialport|firmata-io|epoll)\\//.exec(file)?.[1])
  .filter(Boolean);
await devices.stop();
console.log(JSON.stringify([...new Set(loaded)].sort()));
process.exit(0);
`,
  );
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  if (!last.startsWith('[')) throw new Error(`no answer: ${result.stderr.slice(0, 500)}`);
  return JSON.parse(last);
}

describe('hardware libraries', () => {
  it('loads no library for a printer, onoff for GPIO, and only serialport while a board is absent', () => {
    writeFileSync(join(folder.path, 'lp0'), '');

    expect(
      librariesLoadedFor({ type: 'usb', device: join(folder.path, 'lp0') }, 'printer'),
    ).toEqual([]);
    expect(librariesLoadedFor({ type: 'gpio', pin: 4 }, 'door')).toEqual(['epoll', 'onoff']);
    expect(
      librariesLoadedFor({ type: 'firmata', port: '/dev/ttyNONE', pin: 'A0' }, 'light-sensor'),
    ).toEqual(['serialport']);
  });
});
