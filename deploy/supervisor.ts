import { copyFileSync, existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type ModuleContext, SmartBranchError, type Timer } from '../core/index.ts';
import type { ReleaseReport } from '../protocol/index.ts';
import { type ChildExit, type ChildHandle, type Notify, probeHealth, startChild } from './child.ts';
import { type Layout, releaseFolder } from './layout.ts';
import { linkedVersion, pointLink } from './releases.ts';
import type { StateStore, Trial } from './state.ts';

export interface TrialOptions {
  /** How long a new release has to prove healthy, in ms. Default 120000. */
  healthTimeoutMs: number;
  /** Healthy answers in a row that prove it. Default 3. */
  healthyChecks: number;
  /** Exits during the trial that end it at once. Default 3. */
  maxExits: number;
}

export interface SupervisorOptions {
  layout: Layout;
  configFile: string;
  /** The runtime's health address, e.g. `http://127.0.0.1:8080/healthz`. */
  healthUrl: string;
  state: StateStore;
  /** The gateway's SQLite file, copied before an irreversible release; null for the cloud. */
  database: string | null;
  /** Default: the node running the supervisor. */
  node?: string;
  /** How often the runtime's health is asked, in ms. Default 2000. */
  checkIntervalMs?: number;
  trial?: Partial<TrialOptions>;
  /** systemd's watchdog period in ms, or null without one. Default null. */
  watchdogMs?: number | null;
  notify?: Notify;
  /** Where the runtime's output goes. Default `inherit` (journald under systemd). */
  output?: 'inherit' | string;
  /** Environment of the runtime. Default: the supervisor's. */
  env?: NodeJS.ProcessEnv;
}

export interface UpgradeRequest {
  version: string;
  rollout: string;
  release: string;
  /** Migrations the previous version cannot run on: the database is copied first. */
  irreversible: boolean;
}

export interface SupervisorStatus {
  version: string | null;
  pid: number | null;
  healthy: boolean;
  trial: Trial | null;
}

export interface Supervisor {
  start(): Promise<void>;
  /** Switches to an installed release; resolves with the trial's verdict. */
  upgrade(request: UpgradeRequest): Promise<'applied' | 'rolled-back'>;
  status(): SupervisorStatus;
  stop(): Promise<void>;
}

const stopGraceMs = 20_000;
const maxBackoffMs = 30_000;
const trialRestartMs = 500;
const defaultTrial: TrialOptions = { healthTimeoutMs: 120_000, healthyChecks: 3, maxExits: 3 };

/**
 * Runs the runtime as a child from the `current` release, asks its /healthz, pings systemd's
 * watchdog while it answers, and restarts it when it exits. After a switch it watches the new
 * release and goes back to the previous one by itself when it does not prove healthy in time.
 */
export function startSupervisor(options: SupervisorOptions, context: ModuleContext): Supervisor {
  return new Supervision(options, context);
}

class Supervision implements Supervisor {
  private readonly log;
  private readonly trialOptions: TrialOptions;
  private child: ChildHandle | null = null;
  private childVersion: string | null = null;
  private expectedExit = false;
  private healthyInRow = 0;
  private lastHealthyAt: number | null = null;
  private ready = false;
  private failuresInRow = 0;
  private timers: Timer[] = [];
  private restartTimer: Timer | null = null;
  private verdict: ((result: 'applied' | 'rolled-back') => void) | null = null;
  private stopped = false;
  private checking = false;

  constructor(
    private readonly options: SupervisorOptions,
    private readonly context: ModuleContext,
  ) {
    this.log = context.log.child({ module: 'supervisor', role: options.layout.role });
    this.trialOptions = { ...defaultTrial, ...options.trial };
  }

  async start(): Promise<void> {
    const trial = this.options.state.read().trial;
    if (trial) {
      // The box went down during a trial: the new release gets a full window again.
      const deadlineAt = this.context.clock.now() + this.trialOptions.healthTimeoutMs;
      this.options.state.update((state) => {
        if (state.trial) state.trial.deadlineAt = deadlineAt;
      });
      this.log.warn({ version: trial.version, from: trial.from }, 'trial resumed after restart');
    }

    this.spawn();
    const every = this.options.checkIntervalMs ?? 2000;
    this.timers.push(this.context.clock.every(every, () => void this.check()));
    const watchdog = this.options.watchdogMs;
    if (watchdog) {
      this.timers.push(this.context.clock.every(watchdog / 3, () => this.pingWatchdog(watchdog)));
    }
  }

  status(): SupervisorStatus {
    return {
      version: this.childVersion,
      pid: this.child?.pid ?? null,
      healthy: this.healthyInRow > 0,
      trial: this.options.state.read().trial,
    };
  }

  async upgrade(request: UpgradeRequest): Promise<'applied' | 'rolled-back'> {
    const local = this.options.layout.local;
    const from = linkedVersion(local.current);
    if (this.options.state.read().trial) {
      throw new SmartBranchError('SB_ERR_CONFLICT', 'an upgrade is already on trial');
    }
    if (!from || !existsSync(releaseFolder(local, request.version))) {
      throw new SmartBranchError('SB_ERR_NOT_FOUND', `release ${request.version} not installed`);
    }

    const verdict = new Promise<'applied' | 'rolled-back'>((resolve) => {
      this.verdict = resolve;
    });
    await this.restartChild(() => this.switchTo(request, from));
    return verdict;
  }

  /** Steps of a switch, run while no runtime holds the database. */
  private switchTo(request: UpgradeRequest, from: string) {
    const now = this.context.clock.now();
    const backup = request.irreversible ? this.backupDatabase(request.version) : null;
    this.options.state.update((state) => {
      state.trial = {
        version: request.version,
        from,
        rollout: request.rollout,
        release: request.release,
        startedAt: now,
        backup,
        exits: 0,
        deadlineAt: now + this.trialOptions.healthTimeoutMs,
      };
    });
    pointLink(
      this.options.layout.local.current,
      releaseFolder(this.options.layout.local, request.version),
    );
    this.report(request.version, 'switching', undefined);
    this.log.info(
      { version: request.version, from, irreversible: request.irreversible },
      'switched to a new release; on trial',
    );
  }

  private async restartChild(between: () => void): Promise<void> {
    this.restartTimer?.cancel();
    this.expectedExit = true;
    await this.child?.stop(stopGraceMs);
    this.expectedExit = false;
    this.child = null;
    between();
    this.healthyInRow = 0;
    if (!this.stopped) this.spawn();
  }

  private spawn() {
    const current = realpathSync(this.options.layout.local.current);
    const version = basename(current);
    const child = startChild({
      node: this.options.node ?? process.execPath,
      args: [
        join(current, 'bin/smartbranch.js'),
        this.options.layout.role,
        '--config',
        this.options.configFile,
      ],
      cwd: dirname(this.options.database ?? this.options.configFile),
      env: this.options.env ?? process.env,
      output: this.options.output ?? 'inherit',
      clock: this.context.clock,
    });
    this.child = child;
    this.childVersion = version;
    this.log.info({ version, pid: child.pid }, 'runtime started');
    void child.exited.then((exit) => this.onExit(child, exit));
  }

  private onExit(child: ChildHandle, exit: ChildExit) {
    if (child !== this.child || this.expectedExit || this.stopped) return;

    this.child = null;
    this.healthyInRow = 0;
    this.log.warn({ version: this.childVersion, ...exit }, 'runtime exited');
    const trial = this.options.state.update((state) => {
      if (state.trial) state.trial.exits += 1;
    }).trial;
    if (trial && trial.exits >= this.trialOptions.maxExits) {
      void this.rollback(`exited ${trial.exits} times, last ${describeExit(exit)}`);
      return;
    }

    // A trial should reach its verdict soon; outside one, back off so a crash loop stays calm.
    this.failuresInRow += trial ? 0 : 1;
    const delay = trial
      ? trialRestartMs
      : Math.min(maxBackoffMs, 1000 * 2 ** (this.failuresInRow - 1));
    this.restartTimer = this.context.clock.after(delay, () => {
      if (!this.child && !this.stopped) this.spawn();
    });
  }

  private async check() {
    if (this.checking || this.stopped || !this.child) return;

    this.checking = true;
    const asked = this.child;
    const healthy = await probeHealth(this.options.healthUrl, 5000, this.context.clock);
    this.checking = false;
    // An answer from a runtime replaced meanwhile says nothing about the one running now.
    if (this.stopped || asked !== this.child) return;

    const now = this.context.clock.now();
    const trial = this.options.state.read().trial;
    if (!healthy) {
      this.healthyInRow = 0;
      const seconds = Math.round(this.trialOptions.healthTimeoutMs / 1000);
      if (trial && now >= trial.deadlineAt) {
        await this.rollback(`no healthy answer within ${seconds} s`);
      }
      return;
    }

    this.onHealthy(now);
    if (trial && this.healthyInRow >= this.trialOptions.healthyChecks) this.promote(trial);
  }

  private onHealthy(now: number) {
    this.healthyInRow += 1;
    this.failuresInRow = 0;
    this.lastHealthyAt = now;
    if (this.ready) return;

    this.ready = true;
    this.options.notify?.('READY=1');
  }

  /** A hung runtime stops the pings; during a trial the supervisor answers for it. */
  private pingWatchdog(periodMs: number) {
    const now = this.context.clock.now();
    const fresh = this.lastHealthyAt !== null && now - this.lastHealthyAt < periodMs;
    if (fresh || this.options.state.read().trial) this.options.notify?.('WATCHDOG=1');
  }

  private promote(trial: Trial) {
    const local = this.options.layout.local;
    pointLink(local.good, releaseFolder(local, trial.version));
    pointLink(local.previous, releaseFolder(local, trial.from));
    if (trial.backup) rmSync(trial.backup, { force: true });
    this.options.state.update((state) => {
      state.trial = null;
      state.history.push({
        at: this.context.clock.now(),
        version: trial.version,
        from: trial.from,
        result: 'applied',
      });
    });
    this.report(trial.version, 'applied', undefined, trial);
    this.log.info({ version: trial.version, from: trial.from }, 'release proved healthy');
    this.settle('applied');
  }

  private async rollback(reason: string) {
    const trial = this.options.state.read().trial;
    if (!trial) return;

    const local = this.options.layout.local;
    await this.restartChild(() => {
      if (trial.backup) this.restoreDatabase(trial.backup);
      pointLink(local.current, releaseFolder(local, trial.from));
      this.options.state.update((state) => {
        state.trial = null;
        state.failed.push(trial.release);
        state.history.push({
          at: this.context.clock.now(),
          version: trial.version,
          from: trial.from,
          result: 'rolled-back',
          reason,
        });
      });
    });
    const restored = trial.backup ? '; database restored from the copy before the switch' : '';
    this.report(trial.version, 'rolled-back', `${reason}${restored}`, trial);
    this.log.warn({ version: trial.version, from: trial.from, reason }, 'release rolled back');
    this.settle('rolled-back');
  }

  private settle(result: 'applied' | 'rolled-back') {
    this.verdict?.(result);
    this.verdict = null;
  }

  private report(
    version: string,
    state: ReleaseReport['state'],
    reason: string | undefined,
    known?: Trial,
  ) {
    const trial = known ?? this.options.state.read().trial;
    if (!trial) return;

    const running = linkedVersion(this.options.layout.local.current) ?? version;
    const report: ReleaseReport = {
      rollout: trial.rollout,
      release: trial.release,
      version,
      state,
      running,
      at: this.context.clock.now(),
      ...(reason ? { reason: reason.slice(0, 300) } : {}),
    };
    this.options.state.update((stored) => {
      stored.reports.push(report);
    });
  }

  private backupDatabase(version: string): string | null {
    const database = this.options.database;
    if (!database || !existsSync(database)) return null;

    const folder = join(dirname(database), 'backups');
    mkdirSync(folder, { recursive: true });
    const copy = join(folder, `${basename(database)}.before-${version}`);
    copyFileSync(database, copy);
    return copy;
  }

  private restoreDatabase(copy: string) {
    const database = this.options.database;
    if (!database || !existsSync(copy)) return;

    // The runtime is stopped: its WAL was checkpointed at close, so the file is the database.
    rmSync(`${database}-wal`, { force: true });
    rmSync(`${database}-shm`, { force: true });
    copyFileSync(copy, database);
    rmSync(copy, { force: true });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) timer.cancel();
    this.restartTimer?.cancel();
    this.options.notify?.('STOPPING=1');
    this.expectedExit = true;
    await this.child?.stop(stopGraceMs);
    this.child = null;
  }
}

function describeExit(exit: ChildExit): string {
  return exit.signal ? `by signal ${exit.signal}` : `with code ${exit.code}`;
}
