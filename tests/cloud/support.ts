import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, onTestFinished, TestRunner } from 'vitest';
import { createLogger, createRegistry, manualClock, silentLogger } from '../../core/index.ts';
import { pgUrl, serviceAvailable } from '../support/services.ts';

/** Where a test file's cloud store lives: a SQLite file in a temp folder, or a PG schema. */
export interface StoreTarget {
  dialect: 'sqlite' | 'postgres';
  url: string;
  schema?: string;
}

export function testContext(startAt?: number) {
  return { clock: manualClock(startAt), log: silentLogger(), registry: createRegistry({}) };
}

/** A context whose log lines (with the product's redaction) land in `lines`, parsed. */
export function loggingContext(startAt?: number) {
  const lines: Array<Record<string, unknown>> = [];
  const text: string[] = [];
  const destination = {
    write(line: string) {
      text.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  const log = createLogger({ level: 'debug', destination });
  return { clock: manualClock(startAt), log, registry: createRegistry({}), lines, text };
}

/**
 * Runs `task` when the running test ends, or after the file's tests when called outside a test.
 * An `afterAll` registered inside a running test lands on a suite vitest has already collected,
 * so it never runs: stores stayed open and PostgreSQL schemas were never dropped.
 */
export function cleanupAfter(task: () => unknown) {
  if (TestRunner.getCurrentTest()) onTestFinished(async () => void (await task()));
  else afterAll(async () => void (await task()));
}

/** A fresh temp folder, removed by the returned cleanup. */
export function tempFolder(prefix = 'sb-cloud-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function sqliteTarget(folder: string, name = 'cloud.db'): StoreTarget {
  return { dialect: 'sqlite', url: `sqlite:${join(folder, name)}` };
}

/** A PostgreSQL schema no other test file uses; `drop` removes it and all it holds. */
export function postgresTarget(): StoreTarget & { drop: () => Promise<void> } {
  const schema = `sb_cloud_test_${randomBytes(6).toString('hex')}`;
  const drop = async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  };
  return { dialect: 'postgres', url: pgUrl, schema, drop };
}

/** Both dialects where PostgreSQL answers; SQLite alone (with a warning) where it does not. */
export async function storeDialects(): Promise<Array<'sqlite' | 'postgres'>> {
  const withPostgres = await serviceAvailable('PostgreSQL', pgUrl);
  return withPostgres ? ['sqlite', 'postgres'] : ['sqlite'];
}

export const testBranches = [
  {
    id: 'north#1',
    name: 'North <Main> Street',
    timeZone: 'Asia/Shanghai',
    region: 'east',
    tags: ['mall'],
  },
  { id: 'south/2', name: 'South Harbour', timeZone: 'Asia/Shanghai', region: 'south', tags: [] },
];

export const adminPassword = 'correct horse battery';

/** A cloud config for tests: port 0 everywhere, a known admin, the given store. */
export function testConfig(target: StoreTarget, overrides: Record<string, unknown> = {}) {
  return {
    store: target.schema ? { url: target.url, schema: target.schema } : { url: target.url },
    admin: { username: 'admin', password: adminPassword },
    pull: { intervalMs: 1000, limit: 500, timeoutMs: 5000 },
    branches: testBranches,
    ...overrides,
  };
}
