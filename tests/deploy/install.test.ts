import { existsSync, lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  installService,
  linkedVersion,
  plannedSystem,
  uninstallService,
} from '../../deploy/index.ts';
import { tempDir } from '../support/context.ts';
import { tinyPackage } from './fixtures.ts';

const dir = tempDir('sb-install-');
afterAll(() => dir.remove());

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

const gatewayJson = {
  gateway: 'gw-1',
  branch: 'b-1',
  branchName: 'Branch 1',
  dataDir: './data/gateway',
  http: { host: '0.0.0.0', port: 8080 },
  queue: {
    timeZone: 'Asia/Shanghai',
    services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
    counters: [{ id: '1', name: 'C1', services: ['cash'] }],
  },
};

function setUp(name: string) {
  const root = join(dir.path, name);
  const source = tinyPackage(join(dir.path, `${name}-source`), '1.4.2', 'healthy');
  const configFile = join(dir.path, `${name}.json`);
  writeFileSync(configFile, JSON.stringify(gatewayJson));
  return { root, source, configFile };
}

describe('install-gateway into a root folder', () => {
  it('writes a systemd unit with restart, watchdog, limits and journald', async () => {
    const { root, source, configFile } = setUp('unit');

    const result = await installService({
      role: 'gateway',
      configFile,
      root,
      source,
      node: '/usr/bin/node',
      dependencies: 'link',
    });

    const unit = readFileSync(join(root, 'etc/systemd/system/smartbranch-gateway.service'), 'utf8');
    expect(unit).toBe(result.unit);
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'WatchdogSec=60s',
      'Restart=on-failure',
      'User=smartbranch',
      'MemoryMax=1536M',
      'CPUQuota=180%',
      'StandardOutput=journal',
      'SupplementaryGroups=video dialout gpio',
      'ExecStart=/usr/bin/node /opt/smartbranch/good/bin/smartbranch.js supervise --role ' +
        'gateway --config /etc/smartbranch/gateway.json',
      'WorkingDirectory=/var/lib/smartbranch/gateway',
      'WantedBy=multi-user.target',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
  });

  it('makes the folders with their modes and lists the commands it did not run', async () => {
    const { root, source, configFile } = setUp('folders');

    const result = await installService({
      role: 'gateway',
      configFile,
      root,
      source,
      dependencies: 'link',
      system: plannedSystem(),
    });

    expect(mode(join(root, 'var/lib/smartbranch/gateway'))).toBe('750');
    expect(mode(join(root, 'etc/smartbranch'))).toBe('750');
    expect(mode(join(root, 'etc/smartbranch/gateway.json'))).toBe('640');
    expect(mode(join(root, 'opt/smartbranch/downloads'))).toBe('750');
    expect(mode(join(root, 'etc/systemd/system/smartbranch-gateway.service'))).toBe('644');
    expect(result.commands[0]).toMatch(/^useradd --system .* --user-group smartbranch$/);
    expect(result.commands).toContain(
      `chown smartbranch:smartbranch ${join(root, 'var/lib/smartbranch/gateway')}`,
    );
    expect(result.commands).toContain(
      `chown root:smartbranch ${join(root, 'etc/smartbranch/gateway.json')}`,
    );
    expect(result.commands.slice(-2)).toEqual([
      'systemctl daemon-reload',
      'systemctl enable --now smartbranch-gateway.service',
    ]);
  });

  it('installs the release beside future ones and points current and good at it', async () => {
    const { root, source, configFile } = setUp('release');

    await installService({ role: 'gateway', configFile, root, source, dependencies: 'link' });

    const home = join(root, 'opt/smartbranch');
    expect(linkedVersion(join(home, 'current'))).toBe('1.4.2');
    expect(linkedVersion(join(home, 'good'))).toBe('1.4.2');
    expect(existsSync(join(home, 'releases/1.4.2/bin/smartbranch.js'))).toBe(true);
    expect(lstatSync(join(home, 'releases/1.4.2/node_modules')).isSymbolicLink()).toBe(true);
  });

  it('moves the data folder of the installed config to /var/lib', async () => {
    const { root, source, configFile } = setUp('config');

    await installService({ role: 'gateway', configFile, root, source, dependencies: 'link' });

    const installed = JSON.parse(readFileSync(join(root, 'etc/smartbranch/gateway.json'), 'utf8'));
    expect(installed.dataDir).toBe('/var/lib/smartbranch/gateway');
    expect(installed.branch).toBe('b-1');
  });

  it('refuses a config failing its schema, naming the field, and writes nothing', async () => {
    const { root, source, configFile } = setUp('bad');
    writeFileSync(configFile, JSON.stringify({ ...gatewayJson, branch: '' }));

    await expect(
      installService({ role: 'gateway', configFile, root, source }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_INVALID_CONFIG',
      path: expect.stringMatching(/^branch/),
    });
    expect(existsSync(root)).toBe(false);
  });

  it('writes the cloud unit with its store and signing key in the data folder', async () => {
    const { root, source } = setUp('cloud');
    const configFile = join(dir.path, 'cloud.json');
    writeFileSync(configFile, JSON.stringify({ http: { port: 8000 } }));

    const result = await installService({
      role: 'cloud',
      configFile,
      root,
      source,
      dependencies: 'link',
    });

    const installed = JSON.parse(readFileSync(join(root, 'etc/smartbranch/cloud.json'), 'utf8'));
    expect(installed.store.url).toBe('sqlite:/var/lib/smartbranch/cloud/cloud.db');
    expect(installed.signing.keyFile).toBe('/var/lib/smartbranch/cloud/signing-key.pem');
    expect(result.unit).toMatch(/supervise --role cloud --config \/etc\/smartbranch\/cloud.json/);
    expect(result.unit).not.toMatch(/SupplementaryGroups/);
  });
});

describe('uninstall-gateway', () => {
  it('removes the unit and keeps the data unless purged', async () => {
    const { root, source, configFile } = setUp('uninstall');
    await installService({ role: 'gateway', configFile, root, source, dependencies: 'link' });
    const data = join(root, 'var/lib/smartbranch/gateway');
    writeFileSync(join(data, 'gateway.db'), 'records');

    const commands = await uninstallService({ role: 'gateway', root, system: plannedSystem() });

    expect(commands[0]).toBe('systemctl disable --now smartbranch-gateway.service');
    expect(existsSync(join(root, 'etc/systemd/system/smartbranch-gateway.service'))).toBe(false);
    expect(readFileSync(join(data, 'gateway.db'), 'utf8')).toBe('records');

    const purged = await uninstallService({
      role: 'gateway',
      root,
      purge: true,
      system: plannedSystem(),
    });

    expect(existsSync(data)).toBe(false);
    expect(existsSync(join(root, 'opt/smartbranch'))).toBe(false);
    expect(purged.at(-1)).toBe('userdel smartbranch');
  });
});
