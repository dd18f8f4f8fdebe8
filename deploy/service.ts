import { join } from 'node:path';
import { CloudConfig } from '../cloud/index.ts';
import { loadConfigFile, type ModuleContext, SmartBranchError } from '../core/index.ts';
import { GatewayConfig } from '../edge/runtime.ts';
import { type Notify, systemdNotify, watchdogPeriodMs } from './child.ts';
import { layout, type Role } from './layout.ts';
import { stateStore } from './state.ts';
import { type Supervisor, startSupervisor, type TrialOptions } from './supervisor.ts';
import { startUpdater, type Updater } from './updater.ts';

export interface ServiceOptions {
  role: Role;
  configFile: string;
  /** Like the installer's: where the layout lives. Default `/`. */
  root?: string;
  trial?: Partial<TrialOptions>;
  /** How often HQ is asked for a release, in ms. Default 300000. */
  pollIntervalMs?: number;
  /** How often the runtime's /healthz is asked, in ms. Default 2000. */
  checkIntervalMs?: number;
  output?: 'inherit' | string;
  notify?: Notify;
  env?: NodeJS.ProcessEnv;
}

export interface Service {
  supervisor: Supervisor;
  /** Null for the cloud, and for a gateway without an uplink. */
  updater: Updater | null;
  stop(): Promise<void>;
}

/** What the supervisor needs from the role's config: where to ask health, the data files. */
export function serviceTargets(role: Role, configFile: string) {
  const local = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
  if (role === 'cloud') {
    const config = loadConfigFile(configFile, CloudConfig);
    return {
      port: config.http.port,
      healthUrl: `http://${local(config.http.host)}:${config.http.port}/healthz`,
      database: null,
      cloudUrl: null,
      credentialsFile: null,
    };
  }

  const config = loadConfigFile(configFile, GatewayConfig);
  return {
    port: config.http.port,
    healthUrl: `http://${local(config.http.host)}:${config.http.port}/healthz`,
    database: join(config.dataDir, 'gateway.db'),
    cloudUrl: config.uplink?.cloudUrl ?? null,
    credentialsFile: join(config.dataDir, 'credentials.json'),
  };
}

/** `smartbranch supervise`: the process systemd runs, the runtime being its child. */
export async function startService(
  options: ServiceOptions,
  context: ModuleContext,
): Promise<Service> {
  const targets = serviceTargets(options.role, options.configFile);
  if (targets.port === 0) {
    throw new SmartBranchError(
      'SB_ERR_INVALID_CONFIG',
      'http.port must be fixed (not 0) ' + "for the supervisor to ask the runtime's health",
      'http.port',
    );
  }

  const where = layout(options.role, options.root ?? '/');
  const state = stateStore(where.local.stateFile);
  if (state.damaged)
    context.log.warn({ file: where.local.stateFile }, 'upgrade state unreadable; starting afresh');

  const supervisor = startSupervisor(
    {
      layout: where,
      configFile: options.configFile,
      healthUrl: targets.healthUrl,
      state,
      database: targets.database,
      watchdogMs: watchdogPeriodMs(),
      notify: options.notify ?? systemdNotify(),
      ...(options.trial ? { trial: options.trial } : {}),
      ...(options.checkIntervalMs ? { checkIntervalMs: options.checkIntervalMs } : {}),
      ...(options.output ? { output: options.output } : {}),
      ...(options.env ? { env: options.env } : {}),
    },
    context,
  );
  await supervisor.start();

  const updater =
    targets.cloudUrl && targets.credentialsFile && targets.database
      ? startUpdater(
          {
            cloudUrl: targets.cloudUrl,
            credentialsFile: targets.credentialsFile,
            database: targets.database,
            layout: where,
            state,
            supervisor,
            ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
          },
          context,
        )
      : null;

  return {
    supervisor,
    updater,
    stop: async () => {
      updater?.stop();
      await supervisor.stop();
    },
  };
}
