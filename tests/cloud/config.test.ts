import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CloudConfig, loadCloudConfig } from '../../cloud/index.ts';
import { ConfigError, parseConfig } from '../../core/index.ts';
import { tempFolder } from './support.ts';

describe('cloud config', () => {
  it('fills in every default from an empty file', () => {
    const config = parseConfig('cloud.json', {}, CloudConfig);

    expect(config.http).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.broker).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.store.url).toBe('sqlite:./data/cloud.db');
    expect(config.admin.username).toBe('admin');
    expect(config.pull).toEqual({ intervalMs: 2000, limit: 500, timeoutMs: 5000 });
    expect(config.enrolment.tokenTtlMs).toBe(86_400_000);
    expect(config.fleet.offlineAfterMs).toBe(120_000);
    expect(config.branches).toEqual([]);
  });

  it('names the path of every field that fails', () => {
    const bad = {
      pull: { intervalMs: -1 },
      store: { url: 'mysql://x' },
      branches: [{ id: 'a', name: 'A', timeZone: 'Mars/Olympus' }],
      extra: true,
    };

    let error: unknown;
    try {
      parseConfig('cloud.json', bad, CloudConfig);
    } catch (err) {
      error = err;
    }

    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((problem) => problem.split(':')[0]);
    expect(problems).toEqual(
      expect.arrayContaining(['pull.intervalMs', 'store.url', 'branches.0.timeZone', '(root)']),
    );
  });

  it('refuses two branches with one id', () => {
    const branch = { id: 'b1', name: 'B', timeZone: 'UTC' };
    const result = CloudConfig.safeParse({ branches: [branch, branch] });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['branches', 1, 'id']);
  });

  it('reads cloud.json from disk and names the path of a bad field in it', () => {
    const folder = tempFolder();
    const file = join(folder.path, 'cloud.json');
    writeFileSync(file, JSON.stringify({ http: { port: 70_000 } }));

    expect(() => loadCloudConfig(file)).toThrow(/http\.port: /);
    writeFileSync(file, JSON.stringify({ http: { port: 8080 } }));
    expect(loadCloudConfig(file).http).toEqual({ host: '127.0.0.1', port: 8080 });
    folder.remove();
  });
});
