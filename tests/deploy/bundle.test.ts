import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildBundle,
  describeBundle,
  extractBundle,
  migrationReversible,
  satisfiesEngines,
} from '../../deploy/index.ts';
import { tempDir } from '../support/context.ts';
import { tinyPackage } from './fixtures.ts';

const dir = tempDir('sb-bundle-');
afterAll(() => dir.remove());

describe('migration reversibility', () => {
  it.each([
    ['CREATE TABLE a (x INTEGER);', true],
    ['ALTER TABLE a ADD COLUMN y TEXT;', true],
    ['-- drop table in a comment only\nCREATE INDEX i ON a (x);', true],
    ['DROP TABLE a;', false],
    ['ALTER TABLE a DROP COLUMN y;', false],
    ['ALTER TABLE a RENAME TO b;', false],
    ['-- irreversible: rewrites every amount\nUPDATE a SET x = x * 100;', false],
  ])('%s is reversible: %s', (sql, expected) => {
    expect(migrationReversible(sql)).toBe(expected);
  });
});

describe('engines', () => {
  it.each([
    ['v20.20.2', true],
    ['v20.19.0', true],
    ['v20.18.3', false],
    ['v22.11.0', false],
    ['v24.0.0', true],
    ['v24.22.3', true],
    ['v25.1.0', false],
  ])('%s satisfies the package range: %s', (version, expected) => {
    expect(satisfiesEngines('>=20.19 <21 || >=24 <25', version)).toBe(expected);
  });

  it('refuses a range it does not understand', () => {
    expect(satisfiesEngines('^20 || lts', 'v20.20.2')).toBe(false);
  });
});

describe('release bundles', () => {
  it('packs a package under package/ and reads its version, hash and migrations back', async () => {
    const source = tinyPackage(join(dir.path, 'pkg'), '2.1.0', 'healthy', {
      '2026-01-01T0000-a.sql': 'CREATE TABLE a (x INTEGER);',
      '2026-02-01T0000-b.sql': 'DROP TABLE a;',
    });

    const built = await buildBundle(source, join(dir.path, 'out'));
    const described = await describeBundle(built.file);

    expect(described).toEqual(built);
    expect(built.version).toBe('2.1.0');
    expect(built.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(built.migrations).toEqual([
      { name: '2026-01-01T0000-a.sql', reversible: true },
      { name: '2026-02-01T0000-b.sql', reversible: false },
    ]);
  });

  it('unpacks a bundle whole into its release folder', async () => {
    const source = tinyPackage(join(dir.path, 'pkg2'), '2.2.0', 'healthy');
    const built = await buildBundle(source, join(dir.path, 'out2'));
    const target = join(dir.path, 'releases/2.2.0');

    await extractBundle(built.file, target);

    expect(JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')).version).toBe('2.2.0');
    expect(existsSync(`${target}.partial`)).toBe(false);
  });

  it('refuses a bundle with a member outside package/, writing nothing', async () => {
    const evil = join(dir.path, 'evil');
    mkdirSync(evil, { recursive: true });
    writeFileSync(join(evil, 'passwd'), 'x');
    const file = join(dir.path, 'evil.tgz');
    execFileSync('tar', ['-czf', file, '--transform', 's,^,package/../../,', '-C', evil, 'passwd']);
    const target = join(dir.path, 'releases/evil');

    await expect(extractBundle(file, target)).rejects.toMatchObject({
      code: 'SB_ERR_RELEASE_REFUSED',
    });
    expect(existsSync(target)).toBe(false);
  });
});
