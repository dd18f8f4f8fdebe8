import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry, hashPassword, manualClock, silentLogger } from '../../../core/index.ts';
import { type Bus, connectExternalBus, mosquittoPasswordLine } from '../../../edge/bus/index.ts';
import { encodeMessage, topic } from '../../../protocol/index.ts';
import { runToEnd } from '../../cli/run.ts';
import { eventually, tempDir } from '../../support/context.ts';
import { freePort } from '../../support/services.ts';

const folder = tempDir('sb-mosquitto-');
const out = join(folder.path, 'mosquitto');
const branch = 'sz-futian';
const gatewayLogin = { username: 'gateway', password: 'gateway password 1' };
const passwords = { kiosk: 'kiosk password 1', door: 'door password 1' };
const stopping: Array<() => unknown> = [];

afterAll(async () => {
  for (const stop of stopping.reverse()) await stop();
  folder.remove();
});

async function writeGatewayConfig(port: number) {
  const config = {
    gateway: 'gw-futian',
    branch,
    branchName: 'Futian',
    bus: {
      external: { url: `mqtt://127.0.0.1:${port}`, ...gatewayLogin },
      clients: [
        {
          username: 'kiosk',
          password: passwords.kiosk,
          publish: [topic('queueIssue', { branch })],
          subscribe: [topic('reply', { branch, client: 'kiosk-1' })],
        },
        {
          username: 'door',
          password: await hashPassword(passwords.door),
          publish: [topic('deviceState', { branch, device: 'door-1' })],
        },
      ],
    },
    queue: {
      timeZone: 'Asia/Shanghai',
      services: [{ id: 'cash', name: 'Cash', prefix: 'A', targetWaitMinutes: 10 }],
    },
  };
  const file = join(folder.path, 'gateway.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

function startMosquitto(conf: string): Promise<ChildProcess> {
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  stopping.push(() => child.kill('SIGTERM'));
  let text = '';
  child.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (/running/.test(text)) {
        clearInterval(timer);
        resolve(child);
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`mosquitto exited: ${text}`));
      }
    }, 50);
  });
}

function login(port: number, username: string, password: string): Promise<MqttClient> {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    username,
    password,
    reconnectPeriod: 0,
    connectTimeout: 3000,
  });
}

describe('the local bus on a Mosquitto the technician runs', () => {
  let port = 0;
  let bus: Bus;

  it('writes password and ACL files that a private mosquitto -c accepts', async () => {
    port = await freePort();
    const config = await writeGatewayConfig(port);
    const passwordsFile = join(folder.path, 'passwords.json');
    writeFileSync(passwordsFile, JSON.stringify({ door: passwords.door }));

    const without = await runToEnd(['bus-files', '--config', config, '--out', out]);
    expect(without.code).toBe(2);
    expect(without.output).toMatch(/bus client door holds only an scrypt hash/);
    const args = ['bus-files', '--config', config, '--out', out, '--passwords', passwordsFile];
    const written = await runToEnd(args);
    expect(written.code).toBe(0);
    expect(written.output).toMatch(/wrote passwd, acl and mosquitto.conf for 3 users/);

    const acl = readFileSync(join(out, 'acl'), 'utf8');
    expect(acl).toContain(`user kiosk\ntopic write sb/v1/${branch}/queue/ticket/issue\n`);
    expect(acl).toContain(
      `user gateway\ntopic write sb/v1/${branch}/#\ntopic read sb/v1/${branch}/#`,
    );
    expect(readFileSync(join(out, 'passwd'), 'utf8')).toMatch(
      /^door:\$7\$101\$[^$]{16}\$[^$]{88}$/m,
    );
    // The broker runs as root here (the test's user), so it must not drop to `mosquitto`.
    appendFileSync(join(out, 'mosquitto.conf'), 'user root\npersistence false\n');
    await startMosquitto(join(out, 'mosquitto.conf'));

    const context = { clock: manualClock(), log: silentLogger(), registry: createRegistry({}) };
    bus = await connectExternalBus(
      { branch, url: `mqtt://127.0.0.1:${port}`, ...gatewayLogin },
      context,
    );
    stopping.push(() => bus.close());
  }, 60_000);

  it('refuses a wrong password and an unknown user', async () => {
    await expect(login(port, 'kiosk', 'not the password')).rejects.toThrow(/Not authorized|Bad/i);
    await expect(login(port, 'stranger', passwords.kiosk)).rejects.toThrow(/Not authorized|Bad/i);
  });

  it('delivers what a device may publish to the gateway, and drops what it may not', async () => {
    const issued: string[] = [];
    const states: string[] = [];
    await bus.subscribe('queueIssue', {}, (message) => void issued.push(message.requestId));
    await bus.subscribe('deviceState', {}, (message) => void states.push(message.device));
    const kiosk = await login(port, 'kiosk', passwords.kiosk);
    const door = await login(port, 'door', passwords.door);
    stopping.push(
      () => kiosk.endAsync(),
      () => door.endAsync(),
    );
    const state = (device: string) =>
      encodeMessage('deviceState', { device, at: 1, state: 'online' });

    await kiosk.publishAsync(
      topic('queueIssue', { branch }),
      encodeMessage('queueIssue', {
        requestId: 'r1',
        replyTo: 'kiosk-1',
        service: 'cash',
        source: 'kiosk',
      }),
      { qos: 1 },
    );
    await kiosk.publishAsync(topic('deviceState', { branch, device: 'door-1' }), state('door-1'), {
      qos: 1,
    });
    await door.publishAsync(topic('deviceState', { branch, device: 'door-1' }), state('door-1'), {
      qos: 1,
    });
    await door.publishAsync(topic('deviceState', { branch, device: 'door-2' }), state('door-2'), {
      qos: 1,
    });

    await eventually(() => issued.length === 1 && states.length === 1, 'the allowed messages');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(issued).toEqual(['r1']);
    expect(states).toEqual(['door-1']);
  });

  it('delivers a device only its own replies, even through a wider subscription', async () => {
    const kiosk = await login(port, 'kiosk', passwords.kiosk);
    stopping.push(() => kiosk.endAsync());
    const replies: string[] = [];
    kiosk.on('message', (name) => replies.push(name));

    const own = await kiosk.subscribeAsync(topic('reply', { branch, client: 'kiosk-1' }), {
      qos: 1,
    });
    const foreign = await kiosk.subscribeAsync(`sb/v1/${branch}/#`, { qos: 1 });
    await bus.publish('reply', { client: 'kiosk-1' }, { correlationId: 'r1', status: 'ok' });
    await bus.publish('reply', { client: 'counter-1' }, { correlationId: 'r2', status: 'ok' });

    expect(own[0]?.qos).toBe(1);
    // Mosquitto grants a wider filter and checks each delivery against `topic read` instead
    // (aedes refuses the filter with 0x80): either way nothing outside the ACL arrives.
    expect(foreign[0]?.qos).toBe(1);
    await eventually(() => replies.length === 1, 'the reply to the kiosk');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(replies).toEqual([topic('reply', { branch, client: 'kiosk-1' })]);
  });

  it('writes the hash mosquitto 2 checks: PBKDF2-SHA512, 101 rounds', () => {
    const salt = Buffer.from('000102030405060708090a0b', 'hex');
    const line = mosquittoPasswordLine('alice', 'secret', salt);

    expect(line.startsWith('alice:$7$101$AAECAwQFBgcICQoL$')).toBe(true);
    expect(line.split('$')[4]).toHaveLength(88);
  });
});
