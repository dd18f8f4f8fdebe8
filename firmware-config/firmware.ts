import type { FirmwareRequirement } from './schema.ts';

/** What a Firmata board says it runs, from its QUERY_FIRMWARE answer. */
export interface ReportedFirmware {
  name: string;
  major: number;
  minor: number;
}

/**
 * Why the firmware a board reported does not meet a profile, or null when it does. The name
 * is compared without the `.ino` the Arduino IDE appends and without case, because
 * StandardFirmata reports its sketch's file name (`StandardFirmata.ino`).
 */
export function firmwareProblem(
  required: FirmwareRequirement,
  reported: ReportedFirmware,
): string | null {
  const name = reported.name.replace(/\.ino$/i, '');
  const [major = 0, minor = 0] = required.minVersion.split('.').map(Number);
  const runs = `${name || '(no name)'} ${reported.major}.${reported.minor}`;
  const wants = `${required.name} ${required.minVersion} or newer`;

  if (name.toLowerCase() !== required.name.toLowerCase()) return `runs ${runs}, needs ${wants}`;
  if (reported.major < major || (reported.major === major && reported.minor < minor)) {
    return `runs ${runs}, needs ${wants}`;
  }
  return null;
}
