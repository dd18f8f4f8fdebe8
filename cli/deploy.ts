import type { Command } from 'commander';
import {
  buildBundle,
  defaultSource,
  doctor,
  formatFinding,
  installService,
  type Role,
  startService,
  uninstallService,
} from '../deploy/index.ts';
import { exitOnConfigError, processContext, untilSignal } from './process.ts';

interface InstallFlags {
  config: string;
  root: string;
  start: boolean;
  linkDependencies?: boolean;
}

/**
 * The life cycle of a box: install and uninstall as a systemd service, check it, run under
 * the supervisor, and pack a release for HQ to publish.
 */
export function registerDeploy(program: Command): void {
  for (const role of ['gateway', 'cloud'] as const) registerInstall(program, role);

  program
    .command('doctor')
    .description('check this box: Node.js, ffmpeg, devices, disk, clock, ports, cloud, credentials')
    .option('-c, --config <file>', 'the config to check against', '/etc/smartbranch/gateway.json')
    .option('--cloud', 'check a cloud box (the config is a cloud.json)')
    .option('--root <dir>', 'where /dev is looked for', '/')
    .action(async (flags: { config: string; cloud?: boolean; root: string }) => {
      const role: Role = flags.cloud ? 'cloud' : 'gateway';
      const findings = await doctor({ role, configFile: flags.config, root: flags.root }).catch(
        exitOnConfigError,
      );
      for (const finding of findings) console.log(formatFinding(finding));
      if (findings.some((finding) => finding.status === 'fail')) process.exitCode = 1;
    });

  program
    .command('supervise')
    .description('run a role under its supervisor: health, watchdog, upgrades and roll-back')
    .requiredOption('--role <role>', 'gateway or cloud')
    .requiredOption('-c, --config <file>', 'the installed config')
    .option('--root <dir>', 'where the installed layout lives', '/')
    .action(async (flags: { role: string; config: string; root: string }) => {
      if (flags.role !== 'gateway' && flags.role !== 'cloud')
        program.error('--role: gateway or cloud');

      const context = processContext(`supervisor-${flags.role}`);
      const service = await startService(
        { role: flags.role as Role, configFile: flags.config, root: flags.root },
        context,
      ).catch(exitOnConfigError);
      await untilSignal(context.log, () => service.stop());
    });

  program
    .command('release-build')
    .description('pack this package as a release bundle and print its version, sha256, migrations')
    .option('-o, --out <dir>', 'where the .tgz goes', '.')
    .option('--with-dependencies', 'include node_modules, built for this Node.js')
    .action(async (flags: { out: string; withDependencies?: boolean }) => {
      const info = await buildBundle(defaultSource, flags.out, flags.withDependencies ?? false);
      console.log(JSON.stringify(info, null, 2));
    });
}

function registerInstall(program: Command, role: Role) {
  program
    .command(`install-${role}`)
    .description(`install the ${role} as a systemd service (run as root) and start it`)
    .requiredOption('-c, --config <file>', `${role}.json or .yaml, checked against its schema`)
    .option('--root <dir>', 'write under this folder instead of / (commands are only listed)', '/')
    .option('--no-start', 'write everything but do not enable or start the unit')
    .option('--link-dependencies', 'link node_modules instead of copying them')
    .action(async (flags: InstallFlags) => {
      const result = await installService({
        role,
        configFile: flags.config,
        root: flags.root,
        start: flags.start,
        dependencies: flags.linkDependencies ? 'link' : 'copy',
      }).catch(exitOnConfigError);
      for (const command of result.commands) console.log(`  ${command}`);
      console.log(`smartbranch ${result.version} installed as ${result.layout.local.unitFile}`);
    });

  program
    .command(`uninstall-${role}`)
    .description(`stop and remove the ${role} service; the data stays unless --purge`)
    .option('--root <dir>', 'the folder it was installed under', '/')
    .option('--purge', 'also delete the data folder and the config')
    .action(async (flags: { root: string; purge?: boolean }) => {
      const commands = await uninstallService({
        role,
        root: flags.root,
        purge: flags.purge ?? false,
      });
      for (const command of commands) console.log(`  ${command}`);
      console.log(flags.purge ? `${role} removed with its data` : `${role} removed; data kept`);
    });
}
