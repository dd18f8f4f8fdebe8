import type { Command } from 'commander';

export interface DemoOptions {
  duration?: string;
  summary?: string;
  footage?: string;
  seed: string;
  dataDir: string;
  statusEvery: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo', { isDefault: false })
    .description('run cloud, one branch gateway and the simulator together (what npm start runs)')
    .option('--duration <seconds>', 'stop by itself after this many seconds')
    .option('--summary <file>', 'write a JSON summary when the run ends')
    .option('--footage <dir|file|url>', 'camera source: a folder of clips, a clip or a camera URL')
    .option('--seed <n>', 'seed of the simulated customers', '7')
    .option('--data-dir <dir>', 'where the SQLite files, logs and demo logins live', './data/demo')
    .option('--status-every <seconds>', 'seconds between status lines', '5')
    .action(async (options: DemoOptions) => (await import('./demo-run.ts')).runDemo(options));
}
