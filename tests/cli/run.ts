import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const bin = fileURLToPath(new URL('../../bin/smartbranch.js', import.meta.url));

export interface Running {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the first match of `pattern` in the output so far or to come. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpMatchArray>;
  /** Sends SIGINT and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** Runs `smartbranch ...args` as its own process, as a technician would. */
export function run(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Running {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: { ...process.env, SB_LOG_LEVEL: 'warn', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk) => {
    text += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    text += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  return {
    child,
    output: () => text,
    waitFor: async (pattern, timeoutMs = 30_000) => {
      const started = Date.now();
      for (;;) {
        const match = text.match(pattern);
        if (match) return match;
        if (child.exitCode !== null || Date.now() - started > timeoutMs) {
          throw new Error(`no ${pattern} in the output of ${args[0]}:\n${text}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: () => {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

/** Runs a command to its end and gives its exit code and output. */
export async function runToEnd(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
) {
  const running = run(args, options);
  running.child.stdin?.end(options.input ?? '');
  const code = await new Promise<number | null>((resolve) => running.child.once('exit', resolve));
  return { code, output: running.output() };
}
