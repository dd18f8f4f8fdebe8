import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import type { Clock } from '../core/index.ts';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildHandle {
  readonly pid: number | undefined;
  readonly exited: Promise<ChildExit>;
  /** SIGTERM, then SIGKILL after `graceMs` of the clock. */
  stop(graceMs: number): Promise<ChildExit>;
}

export interface ChildOptions {
  node: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `inherit` (journald under systemd) or a file the output is appended to. */
  output: 'inherit' | string;
  clock: Clock;
}

export function startChild(options: ChildOptions): ChildHandle {
  const stdio = options.output === 'inherit' ? 'inherit' : openSync(options.output, 'a');
  const child: ChildProcess = spawn(options.node, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', stdio, stdio],
  });
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });

  return {
    pid: child.pid,
    exited,
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;

      child.kill('SIGTERM');
      const timer = options.clock.after(graceMs, () => child.kill('SIGKILL'));
      const exit = await exited;
      timer.cancel();
      return exit;
    },
  };
}

/** Whether `url` answers 2xx within `timeoutMs` of the clock. */
export async function probeHealth(url: string, timeoutMs: number, clock: Clock): Promise<boolean> {
  const abort = new AbortController();
  const timer = clock.after(timeoutMs, () => abort.abort());
  try {
    const response = await fetch(url, { signal: abort.signal });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  } finally {
    timer.cancel();
  }
}

export type Notify = (state: string) => void;

/**
 * sd_notify through `systemd-notify`, a child of ours: the unit has `NotifyAccess=all` so
 * systemd takes it, and `--pid` names the supervisor as the sender. Outside systemd (no
 * NOTIFY_SOCKET) it does nothing.
 */
export function systemdNotify(env: NodeJS.ProcessEnv = process.env): Notify {
  if (!env.NOTIFY_SOCKET) return () => undefined;

  return (state) => {
    execFile('systemd-notify', [`--pid=${process.pid}`, state], () => undefined);
  };
}

/** The watchdog period systemd asks for (`WATCHDOG_USEC`), in ms, or null without one. */
export function watchdogPeriodMs(env: NodeJS.ProcessEnv = process.env): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  return Number.isFinite(usec) && usec > 0 ? Math.round(usec / 1000) : null;
}
