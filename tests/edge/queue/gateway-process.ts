import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach } from 'vitest';

const script = new URL('./fixtures/gateway-process.ts', import.meta.url).pathname;

export interface GatewayProcess {
  child: ChildProcess;
  /** Each kiosk screen's pairing code, as the technician UI would show it. */
  codes: Map<string, string>;
  httpPort: number;
}

/** Gateway processes started by a test file, killed after each test. */
export function gatewayProcesses() {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  /**
   * Starts the gateway process under `LANG=C` and resolves once its bus and HTTP server
   * listen; `httpPort` 0 (the default) picks a free one.
   */
  return async (
    folder: string,
    port: number,
    options: { httpPort?: number; configFile?: string } = {},
  ): Promise<GatewayProcess> => {
    const args = [
      '--import',
      'tsx',
      script,
      folder,
      String(port),
      String(options.httpPort ?? 0),
      ...(options.configFile ? [options.configFile] : []),
    ];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LANG: 'C', LC_ALL: 'C' },
    });
    children.push(child);
    const codes = new Map<string, string>();
    const httpPort = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        for (const [, screen, code] of output.matchAll(/^pairing (\S+) (\d+)$/gm))
          codes.set(screen as string, code as string);
        const ready = /^ready \d+ (\d+)$/m.exec(output);
        if (ready) resolve(Number(ready[1]));
      });
      child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    });
    return { child, codes, httpPort };
  };
}
