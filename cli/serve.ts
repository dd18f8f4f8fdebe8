import type { Command } from 'commander';
import { loadConfigFile } from '../core/index.ts';
import { exitOnConfigError, processContext, startOrExplain, untilSignal } from './process.ts';
import { simulatorLine } from './status-line.ts';

export interface SimulateOptions {
  config?: string;
  branches?: string;
  speed: string;
  seed: string;
  cloudConfig?: string;
  embeddedCloud?: boolean;
  duration?: string;
  summary?: string;
  dataDir: string;
  statusEvery: string;
}

const fleetHelp = `
A fleet runs N fleet-mode gateways in this process on one clock sped up --speed times: each
has the real store, bus, queue, screens scheduler and uplink, a synthetic camera, and no web
pages, technician console, log ring or Node-RED; each is enrolled into the cloud. Each
branch's customers follow --seed. With --duration the doors close at a clock instant
(duration x speed of simulated time), the customers inside are served, and the totals are
the same on every run with the same seed, branches, speed and duration. The status line
shows the simulated time, the customers and tickets so far, and how far the clock stands
behind real time x speed (a machine too slow for the fleet shows here, not as late timers).

  smartbranch simulate --branches 100 --speed 60 --embedded-cloud --duration 120 \\
    --summary fleet.json
`;

const cloudHelp = `
Environment variables override the file (secrets need not sit in it):
  SB_CLOUD_STORE_URL        store.url         sqlite:./data/cloud.db or postgres://...
  SB_CLOUD_STORE_SCHEMA     store.schema      PostgreSQL schema of the tables
  SB_CLOUD_BROKER_URL       broker.url        mqtt://host:port of an external broker
  SB_CLOUD_BROKER_USERNAME  broker.username   and SB_CLOUD_BROKER_PASSWORD
  SB_CLOUD_BROKER_PORT      broker.port       the embedded broker's port
  SB_CLOUD_HTTP_HOST, SB_CLOUD_HTTP_PORT, SB_CLOUD_PUBLIC_URL, SB_CLOUD_BROKER_PUBLIC_URL
  SB_CLOUD_REPLICA_ID       replica.id        unique among replicas sharing one store

Several replicas share one PostgreSQL store and one external broker: each gateway's pull is
leased to one replica at a time, pushed status and alarms are spread over MQTT 5 shared
subscriptions.
`;

/**
 * `cloud`, `gateway` and `simulate`: each piece on its own, as a bank deploys them. Each loads
 * its modules only when it runs, so `--help` answers at once.
 */
export function registerServe(program: Command): void {
  program
    .command('cloud')
    .description('run the cloud control plane (HQ API and pages, cloud broker, puller)')
    .requiredOption('-c, --config <file>', 'cloud.json or .yaml, checked against its schema')
    .addHelpText('after', cloudHelp)
    .action(async (options: { config: string }) => {
      const { loadCloudConfig, startCloud } = await import('../cloud/index.ts');
      const config = loadOrExit(() => loadCloudConfig(options.config));
      const context = processContext('cloud');
      const cloud = await startOrExplain('cloud', options.config, () =>
        startCloud(config, context),
      );
      console.log(`HQ page ${cloud.httpUrl}/   cloud broker ${cloud.brokerUrl}`);
      await untilSignal(context.log, () => cloud.stop());
    });

  program
    .command('gateway')
    .description('run one branch gateway (bus, sensing, queue, screens, uplink, technician UI)')
    .requiredOption('-c, --config <file>', 'gateway.json or .yaml, checked against its schema')
    .action(async (options: { config: string }) => {
      const { GatewayConfig, startGateway } = await import('../edge/runtime.ts');
      const config = load(options.config, GatewayConfig);
      const context = processContext('gateway');
      const gateway = await startOrExplain('gateway', options.config, () =>
        startGateway(config, context, { configFile: options.config }),
      );
      console.log(`technician page ${gateway.httpUrl}/   local bus ${gateway.busUrl}`);
      await untilSignal(context.log, () => gateway.stop());
    });

  program
    .command('simulate')
    .description('play one virtual branch (--config), or a fleet of them against a cloud')
    .option('-c, --config <file>', 'one branch: sim.json or .yaml, checked against its schema')
    .option('--branches <n>', 'a fleet: this many fleet-mode gateways, each with its customers')
    .option('--speed <x>', 'fleet clock speed: this many times real time', '60')
    .option('--seed <n>', 'fleet seed; each branch plays its own seed derived from it', '1')
    .option(
      '--cloud-config <file>',
      'run the cloud from this cloud.json (its fleet-NNN branches ' + 'are added when missing)',
    )
    .option('--embedded-cloud', 'run a cloud with SQLite in the data folder (the default)')
    .option(
      '--duration <seconds>',
      'close the doors after this many seconds of real time at --speed (clock time), serve ' +
        'those inside, and stop',
    )
    .option('--summary <file>', "write the fleet's totals, lag and uplink drain as JSON at the end")
    .option('--data-dir <dir>', "the fleet's data folders, cloud database and log", './data/fleet')
    .option('--status-every <seconds>', 'real seconds between status lines', '5')
    .addHelpText('after', fleetHelp)
    .action(async (options: SimulateOptions) => {
      if (options.branches !== undefined) {
        return (await import('./fleet-command.ts')).runFleetCommand(options);
      }
      if (!options.config) {
        console.error('smartbranch: simulate needs --config <file> or --branches <n>');
        process.exit(2);
      }
      const { SimulatorConfig, startSimulator } = await import('../simulator/index.ts');
      const config = load(options.config, SimulatorConfig);
      const context = processContext('simulator');
      const simulator = await startSimulator(config, context);
      console.log(`simulating branch ${config.branch} on ${config.gateway.brokerUrl}`);
      const startedAt = Date.now();
      const status = setInterval(
        () => console.log(simulatorLine(simulator.stats(), startedAt)),
        Number(options.statusEvery) * 1000,
      );
      await untilSignal(context.log, async () => {
        clearInterval(status);
        await simulator.stop();
      });
    });
}

function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    return exitOnConfigError(err);
  }
}

function load<S extends Parameters<typeof loadConfigFile>[1]>(file: string, schema: S) {
  try {
    return loadConfigFile(file, schema);
  } catch (err) {
    return exitOnConfigError(err);
  }
}
