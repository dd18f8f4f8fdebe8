import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../core/index.ts';
import { exitOnConfigError } from './process.ts';

interface BusFilesOptions {
  config: string;
  out: string;
  passwords?: string;
  listen?: string;
}

const help = `
Writes, for a Mosquitto the technician runs on the gateway box instead of the embedded bus:
  passwd          mosquitto_passwd format (PBKDF2-SHA512), for password_file
  acl             each bus client's publish and subscribe filters, for acl_file
  mosquitto.conf  a listener with allow_anonymous false and the two files
The gateway's own login is bus.external in gateway.json. Clients stored as scrypt hashes
need their plain passwords in --passwords, a JSON object of user name to password.

  smartbranch bus-files --config gateway.json --out /etc/mosquitto/smartbranch \\
    --passwords device-passwords.json
`;

/** `bus-files`: the local bus's users and ACL written for Mosquitto. */
export function registerBusFiles(program: Command): void {
  program
    .command('bus-files')
    .description("write Mosquitto's password, ACL and config files from gateway.json's bus")
    .requiredOption('-c, --config <file>', 'gateway.json or .yaml with bus.external set')
    .requiredOption('--out <dir>', 'folder to write passwd, acl and mosquitto.conf into')
    .option('--passwords <file>', 'JSON {"user": "plain password"} for scrypt-hashed clients')
    .option('--listen <host>', "the address Mosquitto binds (default: bus.external.url's host)")
    .addHelpText('after', help)
    .action(async (options: BusFilesOptions) => {
      const { GatewayConfig } = await import('../edge/config.ts');
      const { mosquittoFiles } = await import('../edge/bus/index.ts');
      const config = loadOrExit(() => loadConfigFile(options.config, GatewayConfig));
      const external = config.bus.external;
      if (!external) fail(`${options.config}: bus.external is not set`);

      const passwords = options.passwords ? readPasswords(options.passwords) : {};
      const files = explainFailure(() =>
        mosquittoFiles({
          branch: config.branch,
          clients: config.bus.clients,
          gateway: external,
          passwords,
        }),
      );
      const url = new URL(external.url);
      const listener = `${Number(url.port || 1883)} ${options.listen ?? url.hostname}`;
      writeAll(options.out, files, listener);
      console.log(
        `wrote passwd, acl and mosquitto.conf for ${config.bus.clients.length + 1} users` +
          ` into ${options.out}`,
      );
    });
}

function writeAll(out: string, files: { passwords: string; acl: string }, listener: string) {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'passwd'), files.passwords, { mode: 0o600 });
  chmodSync(join(out, 'passwd'), 0o600);
  writeFileSync(join(out, 'acl'), files.acl);
  const conf = [
    `listener ${listener}`,
    'allow_anonymous false',
    `password_file ${join(out, 'passwd')}`,
    `acl_file ${join(out, 'acl')}`,
    '',
  ];
  writeFileSync(join(out, 'mosquitto.conf'), conf.join('\n'));
}

function readPasswords(file: string): Record<string, string> {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const valid =
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.values(value).every((entry) => typeof entry === 'string');
    if (!valid) fail(`${file}: must be a JSON object of user name to password`);
    return value as Record<string, string>;
  } catch (err) {
    return fail(`${file}: ${(err as Error).message}`);
  }
}

function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    return exitOnConfigError(err);
  }
}

function explainFailure<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    return fail((err as Error).message);
  }
}

function fail(message: string): never {
  console.error(`smartbranch: ${message}`);
  process.exit(2);
}
