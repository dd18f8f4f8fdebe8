import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, tempDir } from '../../support/context.ts';
import { buttonProfile, startUiGateway, type UiHarness } from './harness.ts';

const folder = tempDir('sb-ui-logins-');
let gateway: UiHarness | null = null;

afterAll(async () => {
  await gateway?.stop();
  folder.remove();
});

describe('devices added earlier, at start', () => {
  it("skips a stored device holding a configured client's login, which keeps its own", async () => {
    // Stored before logins were checked: `evil` took the observer's login.
    const evil = {
      ...buttonProfile,
      device: 'evil',
      connection: { type: 'gpio', pin: 5 },
      bus: { username: 'observer', password: 'evil-pass' },
    };
    const other = { ...buttonProfile, device: 'button-9', bus: { username: 'b9', password: 'p' } };
    mkdirSync(join(folder.path, 'gateway'), { recursive: true });
    writeFileSync(
      join(folder.path, 'gateway', 'ui-devices.json'),
      JSON.stringify([evil, other, buttonProfile]),
    );

    // The harness logs its observer in with the configured password: it starts at all.
    gateway = await startUiGateway({ folder: folder.path });

    const skipped = gateway.context.lines.filter((line) => line.device === 'evil');
    expect(skipped).toEqual([
      expect.objectContaining({ level: 40, username: 'observer', device: 'evil' }),
    ]);
    const list = await (await gateway.api('/api/devices')).json();
    const managed = list
      .filter((entry: { managed: boolean }) => entry.managed)
      .map((entry: { device: string }) => entry.device);
    expect(managed).toEqual(['button-7', 'button-9']);

    // The bus keeps the stored device's password only as its scrypt hash, and still admits it.
    const plain = gateway.context.lines.filter(
      (line) => line.username === 'b9' && /plain text/.test(String(line.msg)),
    );
    expect(plain).toEqual([]);
    const nine = await eventually(async () => {
      const rows = await (await gateway?.api('/api/devices'))?.json();
      return rows.find(
        (entry: { device: string; state: string }) =>
          entry.device === 'button-9' && entry.state !== 'unknown',
      );
    }, 'button-9 on the bus');
    expect(nine.state).toBe('degraded');
  });
});
