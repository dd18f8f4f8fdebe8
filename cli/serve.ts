import type { Command } from 'commander';
import { loadConfigFile } from '../core/index.ts';
import { exitOnConfigError, processContext, untilSignal } from './process.ts';

/**
 * `cloud`, `gateway` and `simulate`: each piece on its own, as a bank deploys them. Each loads
 * its modules only when it runs, so `--help` answers at once.
 */
export function registerServe(program: Command): void {
  program
    .command('cloud')
    .description('run the cloud control plane (HQ API and pages, cloud broker, puller)')
    .requiredOption('-c, --config <file>', 'cloud.json or .yaml, checked against its schema')
    .action(async (options: { config: string }) => {
      const { CloudConfig, startCloud } = await import('../cloud/index.ts');
      const config = load(options.config, CloudConfig);
      const context = processContext('cloud');
      const cloud = await startCloud(config, context);
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
      const gateway = await startGateway(config, context);
      console.log(`technician page ${gateway.httpUrl}/   local bus ${gateway.busUrl}`);
      await untilSignal(context.log, () => gateway.stop());
    });

  program
    .command('simulate')
    .description('play a virtual branch: customers, kiosk, counters and door sensor')
    .requiredOption('-c, --config <file>', 'sim.json or .yaml, checked against its schema')
    .action(async (options: { config: string }) => {
      const { SimulatorConfig, startSimulator } = await import('../simulator/index.ts');
      const config = load(options.config, SimulatorConfig);
      const context = processContext('simulator');
      const simulator = await startSimulator(config, context);
      await untilSignal(context.log, () => simulator.stop());
    });
}

function load<S extends Parameters<typeof loadConfigFile>[1]>(file: string, schema: S) {
  try {
    return loadConfigFile(file, schema);
  } catch (err) {
    return exitOnConfigError(err);
  }
}
