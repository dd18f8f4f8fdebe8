import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claimFolder } from '../../cli/folder-claim.ts';
import { verifyPassword } from '../../core/index.ts';
import { tempDir } from '../support/context.ts';
import { run, runToEnd } from './run.ts';

const dir = tempDir('sb-cli-');
afterAll(() => dir.remove());

const commands = [
  'demo',
  'cloud',
  'gateway',
  'simulate',
  'sense',
  'hash-password',
  'enrolment-token',
  'hq-user',
  'bus-files',
];

describe('the smartbranch command', () => {
  it.each(commands)('explains %s with --help', async (command) => {
    const { code, output } = await runToEnd([command, '--help']);

    expect(code).toBe(0);
    expect(output).toContain(`Usage: smartbranch ${command}`);
  });

  it('names every error of a gateway config by its path and exits 2', async () => {
    const file = join(dir.path, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        gateway: 'g1',
        branch: '',
        bus: { port: 'x' },
        queue: { timeZone: 'Mars/Base', services: [], counters: [] },
      }),
    );

    const { code, output } = await runToEnd(['gateway', '--config', file]);

    expect(code).toBe(2);
    expect(output).toContain('configuration fails its schema');
    for (const path of [
      'branch:',
      'branchName:',
      'bus.port:',
      'queue.timeZone:',
      'queue.services:',
    ]) {
      expect(output).toContain(path);
    }
  });

  it('refuses the example gateway config until its placeholders are filled in', async () => {
    const example = new URL('../../examples/gateway.json', import.meta.url).pathname;

    const { code, output } = await runToEnd(['gateway', '--config', example]);

    expect(code).toBe(2);
    expect(output).toContain('technicians.0.password: must be an scrypt hash');
    expect(output).toContain("uplink.enrolmentToken: is the example's placeholder");
  });

  it('names the bad fields of a cloud and a simulator config', async () => {
    const cloud = join(dir.path, 'cloud.json');
    const sim = join(dir.path, 'sim.yaml');
    writeFileSync(cloud, JSON.stringify({ store: { url: 'mysql://x' }, branches: [{ id: 'b' }] }));
    writeFileSync(sim, 'seed: one\nbranch: b1\n');

    const cloudRun = await runToEnd(['cloud', '--config', cloud]);
    const simRun = await runToEnd(['simulate', '--config', sim]);

    expect(cloudRun.code).toBe(2);
    expect(cloudRun.output).toMatch(/store\.url: /);
    expect(cloudRun.output).toMatch(/branches\.0\.name: /);
    expect(simRun.code).toBe(2);
    expect(simRun.output).toMatch(/seed: /);
    expect(simRun.output).toMatch(/gateway: /);
  });

  it('stops on SIGTERM after the reader of its output went away', async () => {
    const file = join(dir.path, 'piped-cloud.json');
    writeFileSync(
      file,
      JSON.stringify({
        http: { host: '127.0.0.1', port: 0 },
        broker: { host: '127.0.0.1', port: 0 },
        store: { url: `sqlite:${join(dir.path, 'piped-cloud.db')}` },
        admin: { username: 'admin' },
      }),
    );
    const cloud = run(['cloud', '--config', file], { env: { SB_LOG_LEVEL: 'info' } });
    await cloud.waitFor(/store ready/);

    // `smartbranch cloud | head -1`: the reader closes while the cloud still starts, and every
    // later line meets a closed pipe.
    cloud.child.stdout?.destroy();
    cloud.child.stderr?.destroy();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const exited = new Promise<number | null>((resolve) => cloud.child.once('exit', resolve));
    const hung = new Promise<string>((resolve) =>
      setTimeout(() => resolve('still running'), 20_000),
    );
    cloud.child.kill('SIGTERM');

    const outcome = await Promise.race([exited, hung]);
    if (cloud.child.exitCode === null) cloud.child.kill('SIGKILL');
    expect(outcome).toBe(0);
  }, 60_000);

  it('names a port already in use in one line instead of a stack trace', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    const file = join(dir.path, 'busy.json');
    writeFileSync(
      file,
      JSON.stringify({
        gateway: 'g1',
        branch: 'b1',
        branchName: 'B',
        dataDir: join(dir.path, 'busy'),
        bus: { port },
        queue: {
          timeZone: 'Europe/Berlin',
          services: [{ id: 'cash', name: 'Cash', prefix: 'A', targetWaitMinutes: 5 }],
          counters: [{ id: '1', name: 'C1', services: ['cash'] }],
        },
      }),
    );

    const { code, output } = await runToEnd(['gateway', '--config', file]);
    holder.close();

    expect(code).toBe(2);
    expect(output).toContain(`127.0.0.1:${port} is already in use: pick another port in ${file}`);
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('says which config file it cannot read', async () => {
    const { code, output } = await runToEnd(['cloud', '--config', join(dir.path, 'none.json')]);

    expect(code).toBe(2);
    expect(output).toContain('none.json');
    expect(output).toContain('ENOENT');
  });

  it('hashes a password from standard input for a config file', async () => {
    const { code, output } = await runToEnd(['hash-password'], { input: 'tech secret\n' });

    expect(code).toBe(0);
    expect(await verifyPassword('tech secret', output.trim())).toBe(true);
  });

  it('says in one line that standard input held no password', async () => {
    const { code, output } = await runToEnd(['hash-password'], { input: '' });

    expect([code, output.trim()]).toEqual([1, 'smartbranch: no password on standard input']);
  });

  it('exits 2 naming the field of a zone file that fails its schema', async () => {
    const zones = join(dir.path, 'zones.json');
    writeFileSync(zones, JSON.stringify({ zones: [{ name: 'a', kind: 'lobby', polygon: [] }] }));

    const { code, output } = await runToEnd(['sense', 'clip.mp4', '--zones', zones]);

    expect(code).toBe(2);
    expect(output).toContain('zones.0.kind:');
    expect(output).toContain('zones.0.polygon:');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('asks for the HQ password by its variable and checks the token lifetime', async () => {
    const cloud = ['--cloud', 'http://127.0.0.1:9', '--branch', 'b1'];
    const env = { ...process.env, SB_HQ_PASSWORD: undefined };
    const noPassword = await runToEnd(['enrolment-token', ...cloud], { env });
    const badHours = await runToEnd(['enrolment-token', ...cloud, '--ttl-hours', 'soon'], {
      input: 'secret\n',
      env,
    });

    expect([noPassword.code, noPassword.output.trim()]).toEqual([
      1,
      'smartbranch: no HQ password: set SB_HQ_PASSWORD or give it on standard input',
    ]);
    expect([badHours.code, badHours.output.trim()]).toEqual([
      1,
      'smartbranch: --ttl-hours must be a positive number of hours, not "soon"',
    ]);

    const badCloud = await runToEnd(['enrolment-token', '--cloud', 'notaurl', '--branch', 'b1'], {
      env: { ...env, SB_HQ_PASSWORD: 'x' },
    });
    expect([badCloud.code, badCloud.output.trim()]).toEqual([
      1,
      'smartbranch: --cloud must be the cloud\'s http:// or https:// address, not "notaurl"',
    ]);
  });

  it('refuses a second demo on a data folder a running one holds, naming its pid', async () => {
    const folder = join(dir.path, 'held');
    mkdirSync(folder);
    writeFileSync(join(folder, '.in-use'), `${process.pid}\n`);

    const { code, output } = await runToEnd(['demo', '--data-dir', folder]);

    expect([code, output.trim()]).toEqual([
      2,
      `smartbranch: ${folder} is in use by another demo (pid ${process.pid}); stop it, or ` +
        'give this one its own --data-dir',
    ]);
  });

  it('takes over a data folder whose demo is gone, and gives it back when done', () => {
    const folder = join(dir.path, 'stale');
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
    mkdirSync(folder);
    writeFileSync(join(folder, '.in-use'), `${gone}\n`);

    const release = claimFolder(folder, 'demo');
    expect(readFileSync(join(folder, '.in-use'), 'utf8')).toBe(`${process.pid}\n`);
    release();
    expect(existsSync(join(folder, '.in-use'))).toBe(false);
  });
});
