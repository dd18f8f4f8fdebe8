import type { Clock, ModuleContext, PacedClock, Timer } from '../core/index.ts';
import type { ServiceTally, SimulatorStats } from './branch.ts';
import type { SimulatorConfigInput } from './config.ts';
import { type Simulator, startSimulator } from './simulator.ts';

/** One branch of the fleet: its gateway, started by the caller, and the config to play it. */
export interface FleetBranch {
  simulator: SimulatorConfigInput;
  /** Stops the branch's gateway. */
  stop(): Promise<void>;
}

export interface FleetOptions {
  /** How many virtual branches. */
  branches: number;
  /**
   * Starts branch `index` (0-based): its fleet-mode gateway, and the simulator config pointed
   * at that gateway's bus. `fleetSeed(seed, index)` gives each branch its own seed.
   */
  startBranch: (index: number) => Promise<FleetBranch>;
  /**
   * How often the lag is sampled: in real ms on a paced clock (default 100), in clock ms of a
   * periodic timer on any other clock (default 1000).
   */
  lagSampleMs?: number;
}

/**
 * How far the fleet's clock falls behind. On a paced clock (`pacedClock`, which the fleet
 * command and benchmark use) the clock moves past a timer only once it ran, so these are the
 * clock's distance behind real time × speed. On any other clock they are how late a periodic
 * timer fires.
 */
export interface FleetLag {
  /** Mean and worst of the samples, in clock ms. */
  meanMs: number;
  maxMs: number;
  /** Behind at the last sample, in clock ms. */
  behindMs: number;
  /**
   * Clock time lost as a share of the clock time that should have passed since the fleet
   * opened: 1 − (clock elapsed ÷ (real elapsed × speed)). 0.01 is 1 % behind.
   */
  share: number;
}

export interface Fleet {
  /** Every branch's stats added up. */
  totals(): SimulatorStats;
  branches(): { branch: string; stats: SimulatorStats; byService: Record<string, ServiceTally> }[];
  lag(): FleetLag;
  stopArrivals(): void;
  settled(): Promise<void>;
  /** Customers inside all branches. */
  inBranches(): number;
  stop(): Promise<void>;
}

/** A branch's seed from the fleet's: distinct per branch, the same on every run. */
export function fleetSeed(seed: number, index: number): number {
  return (Math.imul(seed, 1_000_003) + index) | 0;
}

/**
 * Many virtual branches on one clock, for demos, load tests and the other modules'
 * benchmarks. The caller starts each branch's gateway (fleet mode: the real queue, store and
 * uplink, a synthetic camera); the fleet plays its customers and watches the clock's lag.
 */
export async function startFleet(options: FleetOptions, context: ModuleContext): Promise<Fleet> {
  const log = context.log.child({ module: 'fleet' });
  const members: { branch: FleetBranch; simulator: Simulator; id: string }[] = [];

  for (let index = 0; index < options.branches; index++) {
    const branch = await options.startBranch(index);
    const simulator = await startSimulator(branch.simulator, context);
    members.push({ branch, simulator, id: branch.simulator.branch });
  }

  // A held clock opens now: every branch's day starts at the same clock instant, however
  // long the branches took to start, so a seed gives the same arrivals on every run.
  if (isPaced(context.clock)) context.clock.start();
  const lag = isPaced(context.clock)
    ? pacedLag(context.clock, options.lagSampleMs ?? 100)
    : lagMonitor(context, options.lagSampleMs ?? 1000);
  log.info({ branches: members.length }, 'fleet running');

  return {
    totals: () => addUp(members.map((member) => member.simulator.stats())),
    branches: () =>
      members.map((member) => ({
        branch: member.id,
        stats: member.simulator.stats(),
        byService: member.simulator.byService(),
      })),
    lag: lag.read,
    stopArrivals: () => {
      for (const member of members) member.simulator.stopArrivals();
    },
    settled: async () => {
      await Promise.all(members.map((member) => member.simulator.settled()));
    },
    inBranches: () => members.reduce((sum, member) => sum + member.simulator.inBranch(), 0),
    stop: async () => {
      lag.stop();
      for (const member of members) await member.simulator.stop();
      for (const member of members) await member.branch.stop();
      log.info({ lag: lag.read() }, 'fleet stopped');
    },
  };
}

function addUp(all: SimulatorStats[]): SimulatorStats {
  const total: SimulatorStats = {
    customersArrived: 0,
    ticketsRequested: 0,
    ticketsIssued: 0,
    ticketsCalled: 0,
    ticketsServed: 0,
    doorEvents: 0,
    errors: 0,
  };
  for (const stats of all) {
    for (const key of Object.keys(total) as (keyof SimulatorStats)[]) total[key] += stats[key];
  }
  return total;
}

function isPaced(clock: Clock): clock is PacedClock {
  return typeof (clock as Partial<PacedClock>).lag === 'function';
}

/** Samples the paced clock's distance behind real time × speed every `periodMs` real ms. */
function pacedLag(clock: PacedClock, periodMs: number) {
  const opened = clock.lag();
  let samples = 0;
  let totalMs = 0;
  let maxMs = 0;
  let last = opened;

  const sample = () => {
    last = clock.lag();
    samples += 1;
    totalMs += last.behindMs;
    maxMs = Math.max(maxMs, last.behindMs);
  };
  const timer = setInterval(sample, periodMs);
  timer.unref();

  return {
    read: (): FleetLag => {
      sample();
      const expected = last.expectedMs - opened.expectedMs;
      const elapsed = last.elapsedMs - opened.elapsedMs;
      return {
        meanMs: totalMs / samples,
        maxMs,
        behindMs: last.behindMs,
        share: expected > 0 ? Math.max(0, 1 - elapsed / expected) : 0,
      };
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * How late the clock's timers fire, for a clock that cannot say how far behind it is: a
 * periodic timer that should run every `periodMs` of clock time records by how much it
 * missed, and the share is the mean lateness over the period.
 */
function lagMonitor(context: ModuleContext, periodMs: number) {
  let expected = context.clock.now() + periodMs;
  let samples = 0;
  let totalMs = 0;
  let maxMs = 0;

  const timer: Timer = context.clock.every(periodMs, () => {
    const late = Math.max(0, context.clock.now() - expected);
    samples += 1;
    totalMs += late;
    maxMs = Math.max(maxMs, late);
    expected = context.clock.now() + periodMs;
  });

  return {
    read: (): FleetLag => {
      const meanMs = samples ? totalMs / samples : 0;
      return { meanMs, maxMs, behindMs: 0, share: meanMs / periodMs };
    },
    stop: () => timer.cancel(),
  };
}
