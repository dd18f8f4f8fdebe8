import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { type CloudConfigInput, startCloud } from '../../cloud/index.ts';
import { ConfigError } from '../../core/index.ts';
import { sqliteTarget, tempFolder, testConfig, testContext } from './support.ts';

const folder = tempFolder();

afterAll(() => folder.remove());

describe('starting the cloud', () => {
  it('refuses a config failing its schema, naming the field', async () => {
    const config = { ...testConfig(sqliteTarget(folder.path)), pull: { intervalMs: 'often' } };

    // Deliberately ill-typed: this is what a hand-edited cloud.json can hold.
    const bad = config as unknown as CloudConfigInput;
    const error = await startCloud(bad, testContext()).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^pull\.intervalMs: /);
  });

  it('stops what it started when the broker port is taken, and starts cleanly after', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const target = sqliteTarget(folder.path, 'port.db');

    const failed = startCloud({ ...testConfig(target), broker: { port } }, testContext());

    await expect(failed).rejects.toThrow(/EADDRINUSE/);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const cloud = await startCloud({ ...testConfig(target), broker: { port } }, testContext());
    expect(cloud.brokerUrl).toBe(`mqtt://127.0.0.1:${port}`);
    await cloud.stop();
    await cloud.stop();
  });
});
