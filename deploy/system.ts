import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * What the installer asks of the operating system beyond files: the service account, file
 * ownership and systemd. A root other than `/` uses the planned system, which only lists the
 * commands, so an image build or a test never touches the real /etc or creates users.
 */
export interface System {
  /** Runs a command (useradd, chown, systemctl...), failing with its standard error. */
  run(command: string, ...args: string[]): Promise<void>;
  userExists(name: string): Promise<boolean>;
  /** Every command run or planned, in order, as a technician would type it. */
  readonly commands: string[];
}

/** The real box, every command kept in `commands`. */
export function hostSystem(): System {
  const commands: string[] = [];
  return {
    commands,
    async run(command, ...args) {
      commands.push([command, ...args].join(' '));
      await exec(command, args);
    },
    userExists: (name) =>
      exec('id', ['-u', name]).then(
        () => true,
        () => false,
      ),
  };
}

/** Lists what would run and runs nothing: for `--root` installs and for tests. */
export function plannedSystem(): System {
  const commands: string[] = [];
  return {
    commands,
    async run(command, ...args) {
      commands.push([command, ...args].join(' '));
    },
    userExists: async () => false,
  };
}
