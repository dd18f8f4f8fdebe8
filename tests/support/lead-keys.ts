import { randomBytes } from 'node:crypto';
import { newKeyringConfig, newSealKeys } from '../../cloud/leads/index.ts';

/** The environment variables HQ's leads module reads its keys and settings from. */
export const leadVariables = [
  'SB_LEADS_KEYRING',
  'SB_LEADS_TOKEN_SECRET',
  'SB_LEADS_SEAL_KEY',
  'SB_LEADS_CONFIG',
] as const;

/**
 * Gives this test process's cloud fresh lead keys through the environment, as production
 * does, with `config` as its leads settings. Returns the sealing key pair, for tests that
 * seal a lead as a kiosk would.
 */
export function leadKeysInEnvironment(config?: unknown) {
  const sealKeys = newSealKeys();
  process.env.SB_LEADS_KEYRING = JSON.stringify(newKeyringConfig('k1'));
  process.env.SB_LEADS_TOKEN_SECRET = randomBytes(32).toString('base64');
  process.env.SB_LEADS_SEAL_KEY = Buffer.from(sealKeys.secretKey).toString('base64');
  if (config === undefined) delete process.env.SB_LEADS_CONFIG;
  else process.env.SB_LEADS_CONFIG = JSON.stringify(config);
  return sealKeys;
}

/** The simulated phones all post from 127.0.0.1: the form's per-address limit is raised. */
export const simulatedPhonesConfig = { rateLimit: { perAddress: 100_000, perToken: 100_000 } };
