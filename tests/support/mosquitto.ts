import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** A Mosquitto of the test's own on 127.0.0.1, which the test may SIGKILL and start again. */
export interface PrivateMosquitto {
  readonly port: number;
  readonly url: string;
  /** The running broker's process id, for a bench reading its CPU time; 0 when stopped. */
  readonly pid: number;
  kill(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Starts `mosquitto -c` with a config of its own in `folder`: anonymous logins (the cloud's
 * external-broker mode leaves authentication to the broker), no persistence, so a restart
 * is a broker that lost every session, and room to queue 100,000 messages for a client that
 * falls behind (the cloud's one connection during a fan-out), where 1000 would drop some.
 * `settings` are further mosquitto.conf lines; one naming an option above replaces it.
 */
export async function privateMosquitto(
  port: number,
  folder: string,
  settings: readonly string[] = [],
): Promise<PrivateMosquitto> {
  const config = join(folder, `mosquitto-${port}.conf`);
  const defaults = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'max_queued_messages 100000',
  ];
  const option = (line: string) => line.split(' ')[0];
  const replaced = new Set(settings.map(option));
  const lines = [...defaults.filter((line) => !replaced.has(option(line))), ...settings];
  writeFileSync(config, `${lines.join('\n')}\n`);
  let child: ChildProcess | null = null;

  const start = async () => {
    child = spawn('mosquitto', ['-c', config], { stdio: 'ignore' });
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (await listening(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`mosquitto did not listen on ${port}`);
  };
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;

    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get pid() {
      return child?.exitCode === null ? (child.pid ?? 0) : 0;
    },
    kill,
    start,
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
