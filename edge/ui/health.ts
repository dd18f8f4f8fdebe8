import { statfsSync } from 'node:fs';
import os from 'node:os';
import { componentVersions, packageVersion } from '../../core/index.ts';

export interface Health {
  cpu: { cores: number; load1: number; load5: number; processPercent: number };
  memory: { totalBytes: number; freeBytes: number; processRssBytes: number };
  disk: { path: string; totalBytes: number; freeBytes: number } | null;
  processUptimeSeconds: number;
  versions: Record<string, string>;
}

/**
 * The box's health for the overview: CPU (load and this process's share since the last
 * reading), memory, the data folder's disk, and the versions of what runs.
 */
export function healthReader(dataDir: string) {
  let last = { at: process.hrtime.bigint(), usage: process.cpuUsage() };
  const versions = { ...componentVersions(), 'node-red': nodeRedVersion() };

  return (): Health => {
    const now = { at: process.hrtime.bigint(), usage: process.cpuUsage() };
    const elapsedMicros = Number(now.at - last.at) / 1000;
    const usedMicros = now.usage.user - last.usage.user + now.usage.system - last.usage.system;
    last = now;
    const [load1 = 0, load5 = 0] = os.loadavg();
    return {
      cpu: {
        cores: os.availableParallelism(),
        load1,
        load5,
        processPercent:
          elapsedMicros > 0 ? Math.round((usedMicros / elapsedMicros) * 1000) / 10 : 0,
      },
      memory: {
        totalBytes: os.totalmem(),
        freeBytes: os.freemem(),
        processRssBytes: process.memoryUsage.rss(),
      },
      disk: diskOf(dataDir),
      processUptimeSeconds: Math.round(process.uptime()),
      versions,
    };
  };
}

function diskOf(path: string): Health['disk'] {
  try {
    const stats = statfsSync(path);
    return { path, totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
  } catch {
    return null;
  }
}

function nodeRedVersion(): string {
  try {
    return packageVersion('node-red');
  } catch {
    return 'missing';
  }
}
