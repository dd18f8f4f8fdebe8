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
    expect(config.broker).toEqual({ host: '127.0.0.1', port: 0, shareGroup: 'sb-cloud' });
    expect(config.replica).toEqual({ leaseTtlMs: 15_000 });
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

  it('selects PostgreSQL and an external broker with credentials from one file', () => {
    const config = parseConfig(
      'cloud.json',
      {
        store: { url: 'postgres://cloud@db.bank.example:5432/hq', schema: 'smartbranch' },
        broker: { url: 'mqtt://broker.bank.example:1883', username: 'hq', password: 'secret' },
        replica: { id: 'hq-a', leaseTtlMs: 10_000 },
      },
      CloudConfig,
    );

    expect(config.store).toEqual({
      url: 'postgres://cloud@db.bank.example:5432/hq',
      schema: 'smartbranch',
    });
    expect(config.broker.url).toBe('mqtt://broker.bank.example:1883');
    expect(config.broker.username).toBe('hq');
    expect(config.replica).toEqual({ id: 'hq-a', leaseTtlMs: 10_000 });
  });

  it('refuses a broker URL that is not mqtt:// or mqtts://, naming broker.url', () => {
    const result = CloudConfig.safeParse({ broker: { url: 'http://broker:1883' } });

    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['broker', 'url']);
  });

  it('lets SB_CLOUD_* variables override the file', () => {
    const folder = tempFolder();
    const file = join(folder.path, 'cloud.json');
    writeFileSync(file, JSON.stringify({ store: { url: 'sqlite:./a.db' }, http: { port: 8080 } }));
    const env = {
      SB_CLOUD_STORE_URL: 'postgres://127.0.0.1/hq',
      SB_CLOUD_BROKER_URL: 'mqtt://127.0.0.1:1883',
      SB_CLOUD_BROKER_PASSWORD: 'from the vault',
      SB_CLOUD_HTTP_PORT: '9090',
      SB_CLOUD_REPLICA_ID: 'hq-b',
    };

    const config = loadCloudConfig(file, env);

    expect(config.store.url).toBe('postgres://127.0.0.1/hq');
    expect(config.broker.url).toBe('mqtt://127.0.0.1:1883');
    expect(config.broker.password).toBe('from the vault');
    expect(config.http.port).toBe(9090);
    expect(config.replica.id).toBe('hq-b');
    expect(loadCloudConfig(file, {}).store.url).toBe('sqlite:./a.db');
    folder.remove();
  });

  it('names the variable when an overriding port is not a number', () => {
    const folder = tempFolder();
    const file = join(folder.path, 'cloud.json');
    writeFileSync(file, '{}');

    expect(() => loadCloudConfig(file, { SB_CLOUD_HTTP_PORT: 'eighty' })).toThrow(
      /SB_CLOUD_HTTP_PORT: must be a whole number/,
    );
    expect(() => loadCloudConfig(file, { SB_CLOUD_STORE_URL: 'mysql://x' })).toThrow(
      /store\.url: /,
    );
    folder.remove();
  });
});
