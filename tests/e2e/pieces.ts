import { type ChildProcess, fork } from 'node:child_process';
import type { SharedClock } from './fixtures/piece.ts';

export type { SharedClock } from './fixtures/piece.ts';

const script = new URL('./fixtures/piece.ts', import.meta.url).pathname;

/** A cloud or gateway process the test can question over IPC and kill. */
export interface Piece {
  readonly child: ChildProcess;
  readonly ready: Record<string, string>;
  ask<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  /** SIGKILL: no shutdown, no flush; resolves once the process is gone. */
  kill(): Promise<void>;
  /** A clean stop through the process's own shutdown. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// A test runner that exits early (a timeout, a crash) must not leave gateways behind.
process.once('exit', () => killAll());

/** Kills every piece still running; for afterAll. */
export function killAll() {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export async function startPiece(
  role: 'cloud' | 'gateway',
  config: unknown,
  clock: SharedClock,
  logFile: string,
): Promise<Piece> {
  const child = fork(script, [role, JSON.stringify(config), JSON.stringify(clock), logFile], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const ready = await new Promise<Record<string, string>>((resolve, reject) => {
    child.on('message', (message: { ready?: Record<string, string> }) => {
      if (message.ready) resolve(message.ready);
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code} before ready`)));
  });

  let next = 0;
  const ask = <T>(op: string, args: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = ++next;
      const onMessage = (message: { id?: number; result?: T; error?: string }) => {
        if (message.id !== id) return;

        child.off('message', onMessage);
        if (message.error) reject(new Error(message.error));
        else resolve(message.result as T);
      };
      child.on('message', onMessage);
      child.send({ id, op, ...args });
    });

  return {
    child,
    ready,
    ask,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      await ask('stop').catch(() => undefined);
      await exited;
    },
  };
}
