import { Command } from 'commander';
import { hashPassword, smartbranchVersion } from '../core/index.ts';
import { registerBusFiles } from './bus-files.ts';
import { registerDemo } from './demo.ts';
import { registerDeploy } from './deploy.ts';
import { registerHq } from './hq.ts';
import { registerSense } from './sense.ts';
import { registerServe } from './serve.ts';

// A reader that went away (`smartbranch cloud | head`) closes the pipe: what is still printed
// is dropped, and the process goes on until it is stopped, as it would on a terminal.
for (const output of [process.stdout, process.stderr]) {
  output.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

const program = new Command('smartbranch')
  .description('SmartBranch: the branch gateway, the HQ cloud control plane and the simulator')
  .version(smartbranchVersion)
  .showHelpAfterError();

registerDemo(program);
registerServe(program);
registerSense(program);
registerDeploy(program);
registerHq(program);
registerBusFiles(program);

program
  .command('hash-password')
  .description('print the scrypt hash of a password read from standard input, for config files')
  .action(async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const password = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
    if (!password) {
      // One line, not the whole program's usage: the command was right, its input was empty.
      process.stderr.write('smartbranch: no password on standard input\n');
      process.exitCode = 1;
      return;
    }

    console.log(await hashPassword(password));
  });

await program.parseAsync(process.argv);
