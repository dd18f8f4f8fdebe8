import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./support/start-detector.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the detector worker', () => {
  it('starts in a process that loads TypeScript the way bin/smartbranch.js does', () => {
    const loader = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script)}); })`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', loader], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout.trim())).toEqual({ backend: 'wasm' });
  });
});
