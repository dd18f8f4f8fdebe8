import { join } from 'node:path';
import { type Layout, type Role, serviceUser } from './layout.ts';

export interface UnitOptions {
  /** Absolute path of the node binary the box runs. Default: the one running the installer. */
  node: string;
  /** Watchdog period in seconds; the supervisor pings at a third of it. Default 60. */
  watchdogSeconds?: number;
  /** systemd `MemoryMax`. Default 1536M for the gateway (2-4 GB boxes), 2G for the cloud. */
  memoryMax?: string;
  /** systemd `CPUQuota`. Default 180% (of two cores, leaving the system some air). */
  cpuQuota?: string;
}

const description: Record<Role, string> = {
  gateway: 'SmartBranch gateway (branch runtime under its supervisor)',
  cloud: 'SmartBranch cloud control plane (under its supervisor)',
};

/**
 * The systemd unit of one role. The watchdog is systemd's own: `Type=notify` with
 * `WatchdogSec`, and `NotifyAccess=all` because the supervisor sends `READY=1` and
 * `WATCHDOG=1` through `systemd-notify`, a child process. It pings only while the runtime's
 * /healthz answers, so a hung runtime is killed and restarted by systemd.
 */
export function unitFile(layout: Layout, options: UnitOptions): string {
  const role = layout.role;
  const paths = layout.system;
  const watchdog = options.watchdogSeconds ?? 60;
  const entry = join(paths.good, 'bin/smartbranch.js');
  const groups = role === 'gateway' ? '\nSupplementaryGroups=video dialout gpio' : '';
  return `# Written by smartbranch install-${role}; changes are lost at the next install.
[Unit]
Description=${description[role]}
Documentation=file:${join(paths.current, 'deploy/README.md')}
After=network-online.target time-sync.target
Wants=network-online.target
StartLimitIntervalSec=10min
StartLimitBurst=10

[Service]
Type=notify
NotifyAccess=all
User=${serviceUser}
Group=${serviceUser}${groups}
WorkingDirectory=${paths.dataDir}
Environment=NODE_ENV=production
ExecStart=${options.node} ${entry} supervise --role ${role} --config ${paths.configFile}
Restart=on-failure
RestartSec=5s
WatchdogSec=${watchdog}s
TimeoutStartSec=180s
TimeoutStopSec=30s
KillMode=mixed
MemoryMax=${options.memoryMax ?? (role === 'gateway' ? '1536M' : '2G')}
CPUQuota=${options.cpuQuota ?? '180%'}
TasksMax=512
LimitNOFILE=16384
StandardOutput=journal
StandardError=journal
SyslogIdentifier=smartbranch-${role}
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=full
ProtectHome=yes
ReadWritePaths=${paths.dataDir} ${paths.home}

[Install]
WantedBy=multi-user.target
`;
}
