import type { ModuleContext } from '../../core/index.ts';
import type { Db } from './index.ts';
import type { Outbox } from './outbox.ts';
import { type BacklogReport, backlogGuard, type OutboxLimits, reclaimSpace } from './retention.ts';

export interface StoreAlarm {
  code: 'backlog-near-limit' | 'backlog-dropped' | 'store-full' | 'store-writable';
  severity: 'warning' | 'critical';
  message: string;
}

export interface OutboxWatchOptions {
  db: Db;
  outbox: Outbox;
  limits: OutboxLimits;
  /** Confirmed records are kept this long before their space is given back, in hours. */
  confirmedRetentionHours: number;
  /** How the branch and HQ hear about it: the technician page and the uplink's alarms. */
  alarm: (alarm: StoreAlarm) => void;
}

/** How often the backlog is measured against its limits, in clock ms. */
const checkEveryMs = 600_000;
/** How often confirmed records are let go and their pages given back, in clock ms. */
const pruneEveryMs = 3_600_000;
/** How often records held in memory for a full disk are tried again, in clock ms. */
const retryEveryMs = 60_000;

/**
 * Looks after the outbox while the gateway runs: measures the backlog and alarms before a
 * limit lets anything go, gives back the space of confirmed records, and writes out what a
 * full disk made it hold once space returns.
 */
export function watchOutbox(options: OutboxWatchOptions, context: ModuleContext) {
  const log = context.log.child({ module: 'store' });
  const guard = backlogGuard(options.db, options.limits);
  let last: BacklogReport = guard.check(context.clock.now());

  const check = () => {
    const report = guard.check(context.clock.now());
    if (report.dropped > 0) alarmDropped(report);
    else if (report.level === 'near' && last.level === 'ok') alarmNear(report);
    last = report;
  };
  const alarmNear = (report: BacklogReport) => {
    log.warn(fields(report), 'backlog near its limit');
    options.alarm({
      code: 'backlog-near-limit',
      severity: 'warning',
      message:
        `${describe(report)} waits for the cloud, near the limit of ` +
        `${options.limits.maxMegabytes} MB or ${options.limits.maxAgeHours} h`,
    });
  };
  const alarmDropped = (report: BacklogReport) => {
    log.error({ ...fields(report), dropped: report.dropped }, 'backlog over its limit');
    options.alarm({
      code: 'backlog-dropped',
      severity: 'critical',
      message:
        `${report.dropped} unconfirmed records let go to stay within the limit; ` +
        `${describe(report)} still waits`,
    });
  };
  const prune = () => {
    const retentionMs = options.confirmedRetentionHours * 3_600_000;
    const pruned = options.outbox.prune(context.clock.now() - retentionMs);
    if (pruned === 0) return;

    reclaimSpace(options.db);
    log.info({ pruned }, 'confirmed records let go');
  };
  const retry = () => {
    if (options.outbox.space().held > 0) options.outbox.retryHeld();
  };

  options.outbox.onFull((full) => {
    if (full) log.error(options.outbox.space(), 'data folder full');
    else log.info(options.outbox.space(), 'data folder writable again');
    options.alarm(
      full
        ? {
            code: 'store-full',
            severity: 'critical',
            message: 'the data folder is full: records wait in memory, tickets may be refused',
          }
        : {
            code: 'store-writable',
            severity: 'warning',
            message: 'the data folder takes writes again; held records were written',
          },
    );
  });
  if (last.level !== 'ok') alarmNear(last);
  const timers = [
    context.clock.every(checkEveryMs, check),
    context.clock.every(pruneEveryMs, prune),
    context.clock.every(retryEveryMs, retry),
  ];

  return {
    /** The backlog as last measured, with what waits in memory. */
    report: () => ({ ...last, ...options.outbox.space() }),
    /** Measures now, as the timer would; for tests and the technician page. */
    check,
    prune,
    stop: () => {
      for (const timer of timers) timer.cancel();
    },
  };
}

export type OutboxWatch = ReturnType<typeof watchOutbox>;

const fields = (report: BacklogReport) => ({
  records: report.records,
  bytes: report.bytes,
  oldestAt: report.oldestAt,
});

const describe = (report: BacklogReport) =>
  `${report.records} records (${(report.bytes / 1048576).toFixed(1)} MB)`;
