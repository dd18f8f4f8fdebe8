import { localParts } from '../core/index.ts';
import type { SimulatorConfig } from './config.ts';
import { random } from './random.ts';

const hourMs = 3_600_000;

/** The local hour 0–23 of an instant in a time zone. */
export const localHour = (epochMs: number, timeZone: string) => localParts(epochMs, timeZone).hour;

/**
 * Gaps between arrivals of a Poisson process whose rate follows the day profile: candidates
 * come at the profile's highest rate and each is kept with the share its hour's rate has of
 * that peak (thinning, after Lewis and Shedler). Candidates and acceptances draw from their
 * own seeded streams, so the same seed gives the same arrivals.
 */
export function arrivalProcess(config: SimulatorConfig) {
  const { customers } = config;
  const profile = customers.arrivalsByHour;
  const peak = profile ? Math.max(...profile) : customers.arrivalsPerHour;
  const candidates = random(config.seed, 'arrivals');
  const acceptance = random(config.seed, 'arrival thinning');

  /** Simulated milliseconds from `simulatedNow` to the next arrival; null if none ever comes. */
  return (simulatedNow: number): number | null => {
    if (!(peak > 0)) return null;

    let at = simulatedNow;
    for (;;) {
      at += candidates.exponential(hourMs / peak);
      const rate = profile ? (profile[localHour(at, customers.timeZone)] ?? 0) : peak;
      if (acceptance.next() * peak < rate) return at - simulatedNow;
    }
  };
}
