import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach } from 'vitest';

const script = new URL('./fixtures/gateway-process.ts', import.meta.url).pathname;

/** Gateway processes started by a test file, killed after each test. */
export function gatewayProcesses() {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  /** Starts the gateway process under `LANG=C` and resolves once its bus listens. */
  return async (folder: string, port: number, configFile?: string): Promise<ChildProcess> => {
    const args = [
      '--import',
      'tsx',
      script,
      folder,
      String(port),
      ...(configFile ? [configFile] : []),
    ];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LANG: 'C', LC_ALL: 'C' },
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    });
    return child;
  };
}
