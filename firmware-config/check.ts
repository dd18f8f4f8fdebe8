/**
 * Checks a profile file the way the gateway will at start-up, for a technician at the box:
 * `npx tsx firmware-config/check.ts profiles.yaml` prints every problem with its path and
 * line, or one line per device, and exits non-zero when the file would be refused.
 */
import { isSmartBranchError } from '../core/index.ts';
import { loadProfiles } from './load.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx firmware-config/check.ts PROFILES.yaml');
  process.exit(2);
}

try {
  for (const profile of loadProfiles(file).profiles) {
    console.log(
      `${profile.device}: ${profile.kind} v${profile.version} on ${profile.connection.type}`,
    );
  }
} catch (err) {
  console.error(isSmartBranchError(err) ? err.message : String(err));
  process.exit(1);
}
