import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doctor, type Finding, formatFinding } from '../../deploy/index.ts';
import { tempDir } from '../support/context.ts';

const dir = tempDir('sb-doctor-');
afterAll(() => dir.remove());

/** A stand-in for the cloud's /healthz, on 127.0.0.1 only. */
async function fakeCloud(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_request, response) => response.end('{"status":"ok"}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function gatewayFile(name: string, extra: Record<string, unknown>) {
  const dataDir = join(dir.path, name, 'data');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dir.path, name, 'gateway.json');
  writeFileSync(
    file,
    JSON.stringify({
      gateway: 'gw-1',
      branch: 'b-1',
      branchName: 'B1',
      dataDir,
      http: { port: 0 },
      bus: { port: 0 },
      queue: {
        timeZone: 'Asia/Shanghai',
        services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
        counters: [{ id: '1', name: 'C1', services: ['cash'] }],
      },
      ...extra,
    }),
  );
  return { file, dataDir };
}

const byCheck = (findings: Finding[], check: string) =>
  findings.filter((finding) => finding.check === check);

describe('smartbranch doctor', () => {
  it('finds the cloud it is pointed at, and says what to do once it is gone', async () => {
    const cloud = await fakeCloud();
    const { file } = gatewayFile('cloud', {
      uplink: { cloudUrl: cloud.url, enrolmentToken: 'one-time' },
    });

    const up = await doctor({ role: 'gateway', configFile: file, root: join(dir.path, 'cloud') });
    await cloud.close();
    const down = await doctor({ role: 'gateway', configFile: file, root: join(dir.path, 'cloud') });

    expect(byCheck(up, 'cloud')[0]).toMatchObject({ status: 'ok' });
    expect(byCheck(down, 'cloud')[0]).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/uplink.cloudUrl/),
    });
    expect(byCheck(up, 'credentials')[0]?.detail).toMatch(/token enrols it/);
  });

  it('fails a configured camera that is missing, naming the device', async () => {
    const root = join(dir.path, 'camera-root');
    mkdirSync(join(root, 'dev'), { recursive: true });
    const { file } = gatewayFile('camera', {
      cameras: [{ id: 'cam-1', source: { kind: 'url', url: '/dev/video7' } }],
    });

    const findings = await doctor({ role: 'gateway', configFile: file, root });

    expect(byCheck(findings, 'camera')[0]).toMatchObject({
      status: 'fail',
      detail: '/dev/video7 is missing',
    });
  });

  it('finds serial and GPIO devices and a node version out of range', async () => {
    const root = join(dir.path, 'devices-root');
    mkdirSync(join(root, 'dev'), { recursive: true });
    writeFileSync(join(root, 'dev/ttyUSB0'), '');
    writeFileSync(join(root, 'dev/gpiochip0'), '');
    const { file } = gatewayFile('devices', {});

    const findings = await doctor({
      role: 'gateway',
      configFile: file,
      root,
      nodeVersion: 'v22.11.0',
    });

    expect(byCheck(findings, 'node')[0]).toMatchObject({ status: 'fail' });
    expect(byCheck(findings, 'serial')[0]?.detail).toBe('/dev/ttyUSB0 usable');
    expect(byCheck(findings, 'gpio')[0]?.detail).toBe('/dev/gpiochip0 usable');
    expect(byCheck(findings, 'credentials')[0]).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/no uplink|not enrolled/),
    });
  });

  it('warns of credentials others can read and of little free disk', async () => {
    const { file, dataDir } = gatewayFile('loose', { uplink: { cloudUrl: 'http://127.0.0.1:9' } });
    writeFileSync(join(dataDir, 'credentials.json'), '{}');
    chmodSync(join(dataDir, 'credentials.json'), 0o644);

    const findings = await doctor({
      role: 'gateway',
      configFile: file,
      minFreeBytes: Number.MAX_SAFE_INTEGER,
    });

    expect(byCheck(findings, 'credentials').map((finding) => finding.status)).toEqual([
      'fail',
      'warn',
    ]);
    expect(byCheck(findings, 'disk')[0]).toMatchObject({ status: 'fail' });
  });

  it('prints each finding on one line with what to do', async () => {
    const { file } = gatewayFile('lines', {});

    const lines = (await doctor({ role: 'gateway', configFile: file, nodeVersion: 'v18.0.0' })).map(
      formatFinding,
    );

    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
    expect(lines[0]).toMatch(/^FAIL node {9}v18\.0\.0 is not in .* -> install Node\.js 20/);
  });

  it('refuses a config failing its schema with the field named', async () => {
    const file = join(dir.path, 'broken.json');
    writeFileSync(file, JSON.stringify({ gateway: 'gw-1' }));

    await expect(doctor({ role: 'gateway', configFile: file })).rejects.toMatchObject({
      code: 'SB_ERR_INVALID_CONFIG',
    });
  });
});
