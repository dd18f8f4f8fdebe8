import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/index.ts';
import {
  layout,
  linkedVersion,
  pointLink,
  releaseFolder,
  type Supervisor,
  startSupervisor,
  stateStore,
} from '../../deploy/index.ts';
import { eventually, tempDir, testContext } from '../support/context.ts';
import { freePort } from '../support/services.ts';
import { type Behaviour, tinyPackage } from './fixtures.ts';

const running: Supervisor[] = [];
const folders: Array<{ remove: () => void }> = [];

afterEach(async () => {
  for (const supervisor of running.splice(0)) await supervisor.stop();
  for (const folder of folders.splice(0)) folder.remove();
});

async function box(
  releases: Record<string, Behaviour>,
  notes: string[] = [],
  healthTimeoutMs = 3000,
) {
  const dir = tempDir('sb-supervisor-');
  folders.push(dir);
  const where = layout('gateway', dir.path);
  for (const [version, behaviour] of Object.entries(releases)) {
    tinyPackage(releaseFolder(where.local, version), version, behaviour);
  }
  const first = Object.keys(releases)[0] as string;
  pointLink(where.local.current, releaseFolder(where.local, first));
  pointLink(where.local.good, releaseFolder(where.local, first));

  const port = await freePort();
  const configFile = join(dir.path, 'gateway.json');
  writeFileSync(configFile, JSON.stringify({ http: { port } }));
  const database = join(dir.path, 'gateway.db');
  const state = stateStore(where.local.stateFile);
  const supervisor = startSupervisor(
    {
      layout: where,
      configFile,
      state,
      database,
      healthUrl: `http://127.0.0.1:${port}/healthz`,
      checkIntervalMs: 100,
      watchdogMs: 600,
      notify: (note) => notes.push(note),
      output: join(dir.path, 'runtime.log'),
      trial: { healthTimeoutMs, healthyChecks: 3, maxExits: 3 },
    },
    testContext(systemClock),
  );
  running.push(supervisor);
  await supervisor.start();
  await eventually(() => supervisor.status().healthy, 'the first release healthy', 15_000);
  return { where, state, supervisor, port, database };
}

async function versionAnswering(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return ((await response.json()) as { version: string }).version;
}

const request = (version: string, irreversible = false) => ({
  version,
  rollout: 'r-1',
  release: `${version}-abc`,
  irreversible,
});

describe('supervisor', () => {
  it('switches to a release that proves healthy and keeps the previous one', async () => {
    const { where, state, supervisor, port } = await box({
      '1.0.0': 'healthy',
      '2.0.0': 'healthy',
    });

    expect(await supervisor.upgrade(request('2.0.0'))).toBe('applied');

    expect(linkedVersion(where.local.current)).toBe('2.0.0');
    expect(linkedVersion(where.local.good)).toBe('2.0.0');
    expect(linkedVersion(where.local.previous)).toBe('1.0.0');
    expect(await versionAnswering(port)).toBe('2.0.0');
    expect(state.read().trial).toBeNull();
    expect(state.read().reports.map((report) => report.state)).toEqual(['switching', 'applied']);
  });

  it('switches back by itself when the new release keeps exiting, saying why', async () => {
    // A long window: the exits, not the clock, must end this trial even on a loaded machine.
    const { where, state, supervisor, port } = await box(
      { '1.0.0': 'healthy', '3.0.0': 'crash' },
      [],
      60_000,
    );

    expect(await supervisor.upgrade(request('3.0.0'))).toBe('rolled-back');

    expect(linkedVersion(where.local.current)).toBe('1.0.0');
    expect(linkedVersion(where.local.good)).toBe('1.0.0');
    await eventually(() => supervisor.status().healthy, 'the old release healthy again', 15_000);
    expect(await versionAnswering(port)).toBe('1.0.0');
    const last = state.read().reports.at(-1);
    expect(last).toMatchObject({ state: 'rolled-back', version: '3.0.0', running: '1.0.0' });
    expect(last?.reason).toMatch(/exited 3 times, last with code 3/);
    expect(state.read().failed).toEqual(['3.0.0-abc']);
  });

  it('switches back when the new release never answers healthy in time', async () => {
    const { where, state, supervisor } = await box({ '1.0.0': 'healthy', '4.0.0': 'hang' });

    expect(await supervisor.upgrade(request('4.0.0'))).toBe('rolled-back');

    expect(linkedVersion(where.local.current)).toBe('1.0.0');
    expect(state.read().reports.at(-1)?.reason).toMatch(/no healthy answer within 3 s/);
    expect(state.read().history.at(-1)).toMatchObject({ version: '4.0.0', result: 'rolled-back' });
  });

  it('restores the database copied before an irreversible release that fails', async () => {
    const { supervisor, database, state } = await box(
      { '1.0.0': 'healthy', '3.0.0': 'crash' },
      [],
      60_000,
    );
    writeFileSync(database, 'before');
    const original = supervisor.upgrade(request('3.0.0', true));
    await eventually(() => state.read().trial?.backup, 'the copy taken');
    writeFileSync(database, 'changed by the new release');

    expect(await original).toBe('rolled-back');

    expect(readFileSync(database, 'utf8')).toBe('before');
    expect(existsSync(join(database, '..', 'backups', 'gateway.db.before-3.0.0'))).toBe(false);
    expect(state.read().reports.at(-1)?.reason).toMatch(/database restored/);
  });

  it('refuses a second upgrade while one is on trial', async () => {
    const { supervisor } = await box({ '1.0.0': 'healthy', '4.0.0': 'hang', '2.0.0': 'healthy' });
    const first = supervisor.upgrade(request('4.0.0'));
    await eventually(() => supervisor.status().trial, 'the trial');

    await expect(supervisor.upgrade(request('2.0.0'))).rejects.toMatchObject({
      code: 'SB_ERR_CONFLICT',
    });
    await first;
  });

  it('tells systemd it is ready and pings the watchdog only while the runtime answers', async () => {
    const notes: string[] = [];
    const { supervisor } = await box({ '1.0.0': 'healthy' }, notes);
    await eventually(() => notes.includes('WATCHDOG=1'), 'a watchdog ping');

    expect(notes[0]).toBe('READY=1');
    await supervisor.stop();
    const after = notes.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(notes.slice(after).filter((note) => note === 'WATCHDOG=1')).toEqual([]);
    expect(notes).toContain('STOPPING=1');
  });
});
